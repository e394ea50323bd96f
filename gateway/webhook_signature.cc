#include "gateway/webhook_signature.h"

#include <algorithm>
#include <charconv>

#include "common/crypto.h"

namespace market4::gateway {
namespace {

constexpr std::string_view kSecretPrefix = "whsec_";
constexpr std::string_view kVersion = "v1,";

Status Refused(std::string message) { return Status(Code::kInvalidSignature, std::move(message)); }

std::string SignedContent(std::string_view id, std::string_view timestamp, std::string_view body) {
  std::string content;
  content.reserve(id.size() + timestamp.size() + body.size() + 2);
  content.append(id).push_back('.');
  content.append(timestamp).push_back('.');
  content.append(body);
  return content;
}

// The timestamp as Unix seconds: digits only, no sign, no spaces.
bool ParseTimestamp(std::string_view text, std::int64_t* seconds) {
  if (text.empty() || text.size() > 18) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *seconds);
  return error == std::errc() && end == text.data() + text.size() && *seconds >= 0;
}

// Whether any "v1,<mac>" in `header` equals `expected` (raw MAC bytes).
bool AnySignatureMatches(std::string_view header, const std::string& expected) {
  bool matched = false;
  while (!header.empty()) {
    std::string_view one = header.substr(0, header.find(' '));
    header.remove_prefix(std::min(header.size(), one.size() + 1));
    if (one.substr(0, kVersion.size()) != kVersion) continue;  // other versions, empty items
    std::string mac;
    if (!Base64Decode(one.substr(kVersion.size()), &mac)) continue;
    matched = ConstantTimeEquals(mac, expected) || matched;  // no early exit
  }
  return matched;
}

}  // namespace

Result<std::string> WebhookKey(std::string_view secret) {
  if (secret.substr(0, kSecretPrefix.size()) == kSecretPrefix) {
    secret.remove_prefix(kSecretPrefix.size());
  }
  std::string key;
  if (secret.empty() || !Base64Decode(secret, &key) || key.empty()) {
    return Status(Code::kInvalidArgument, "a secret is \"whsec_\" followed by base64")
        .WithDetail("field", "secrets");
  }
  return key;
}

Result<std::string> SignWebhook(std::string_view secret, std::string_view id,
                                std::int64_t timestamp, std::string_view body) {
  auto key = WebhookKey(secret);
  if (!key.ok()) return key.status();
  std::string mac = HmacSha256(key.value(), SignedContent(id, std::to_string(timestamp), body));
  return std::string(kVersion) + Base64Encode(mac);
}

Status VerifyWebhook(const std::vector<std::string>& secrets, const WebhookDelivery& delivery,
                     std::int64_t now_seconds) {
  if (delivery.id.empty() || delivery.timestamp.empty() || delivery.signature.empty()) {
    return Refused("webhook-id, webhook-timestamp and webhook-signature are required");
  }
  std::int64_t sent = 0;
  if (!ParseTimestamp(delivery.timestamp, &sent)) {
    return Refused("webhook-timestamp must be Unix seconds");
  }
  std::int64_t skew = sent > now_seconds ? sent - now_seconds : now_seconds - sent;
  if (skew > kWebhookTolerance.count()) {
    return Refused("webhook-timestamp is more than " + std::to_string(kWebhookTolerance.count()) +
                   " s from now");
  }
  std::string content = SignedContent(delivery.id, delivery.timestamp, delivery.body);
  bool matched = false;
  for (const std::string& secret : secrets) {
    auto key = WebhookKey(secret);
    if (!key.ok()) continue;
    matched = AnySignatureMatches(delivery.signature, HmacSha256(key.value(), content)) || matched;
  }
  if (!matched) return Refused("no signature matches");
  return Status::Ok();
}

}  // namespace market4::gateway

#include "gateway/scheme_common.h"

#include <google/protobuf/util/json_util.h>

#include <charconv>
#include <cmath>
#include <ctime>

#include "common/crypto.h"
#include "engine/text.h"
#include "gateway/codec.h"
#include "gateway/json_keys.h"

namespace market4::gateway {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

constexpr std::int64_t kVietnamOffsetSeconds = 7 * 60 * 60;

struct KindPrefix {
  std::string_view prefix;
  std::string_view kind;
};
constexpr KindPrefix kKinds[] = {{"tu_", "topup"}, {"pi_", "payment"}, {"po_", "payout"}};

const Value* Field(const Struct& object, const std::string& key) {
  auto it = object.fields().find(key);
  return it == object.fields().end() ? nullptr : &it->second;
}

bool IntegralNumber(const Value& value, std::int64_t* number) {
  if (value.kind_case() != Value::kNumberValue) return false;
  double d = value.number_value();
  bool exact = std::isfinite(d) && std::trunc(d) == d &&
               std::fabs(d) <= static_cast<double>(kMaxJsonInteger);
  if (!exact) return false;
  *number = static_cast<std::int64_t>(d);
  return true;
}

}  // namespace

Status RefuseCallback(std::string message) {
  return Status(Code::kInvalidSignature, std::move(message));
}

int MatchingSecret(const std::vector<std::string>& secrets, std::string_view received,
                   const MacOf& mac_of) {
  int index = -1;
  for (std::size_t i = 0; i < secrets.size(); ++i) {
    std::string mac;
    if (!mac_of(secrets[i], &mac)) continue;
    bool equal = ConstantTimeEquals(mac, received);  // every secret, no early exit
    if (equal && index < 0) index = static_cast<int>(i);
  }
  return index;
}

bool DecodeHexMac(std::string_view hex, std::size_t size, std::string* mac) {
  return hex.size() == 2 * size && HexDecode(hex, mac);
}

std::string_view ReferenceKind(std::string_view reference) {
  for (const KindPrefix& k : kKinds) {
    if (reference.size() > k.prefix.size() && reference.substr(0, k.prefix.size()) == k.prefix) {
      return k.kind;
    }
  }
  return {};
}

bool ParseEventType(std::string_view type, std::string_view* kind, bool* succeeded) {
  std::size_t dot = type.find('.');
  if (dot == std::string_view::npos) return false;
  std::string_view head = type.substr(0, dot);
  std::string_view outcome = type.substr(dot + 1);
  if (outcome != "succeeded" && outcome != "failed") return false;
  for (const KindPrefix& k : kKinds) {
    if (head != k.kind) continue;
    *kind = k.kind;
    *succeeded = outcome == "succeeded";
    return true;
  }
  return false;
}

void SetTypeFromReference(bool succeeded, ProviderNotice* notice) {
  std::string_view kind = ReferenceKind(notice->reference);
  if (kind.empty()) {
    notice->type.clear();
    notice->problem = kProblemUnsupportedReference;
    return;
  }
  notice->type = std::string(kind) + (succeeded ? ".succeeded" : ".failed");
}

Status CheckTypeMatchesReference(const CallbackFields& fields) {
  std::string_view kind;
  bool succeeded = false;
  if (!ParseEventType(fields.type, &kind, &succeeded)) {
    return Status(Code::kInvalidArgument, "type must be <topup|payment|payout>.<succeeded|failed>")
        .WithDetail("field", "type");
  }
  if (ReferenceKind(fields.reference) != kind) {
    return Status(Code::kInvalidArgument,
                  "this scheme carries no type: a " + std::string(kind) +
                      " event needs a reference starting tu_, pi_ or po_ to match")
        .WithDetail("field", "reference");
  }
  return Status::Ok();
}

Status CheckJsonText(const CallbackFields& fields) {
  const std::pair<const char*, const std::string*> texts[] = {
      {"type", &fields.type},
      {"reference", &fields.reference},
      {"provider_txn_id", &fields.provider_txn_id},
      {"delivery_id", &fields.delivery_id},
      {"memo", &fields.memo}};
  for (const auto& [name, text] : texts) {
    if (!engine::IsValidUtf8(*text)) {
      return Status(Code::kInvalidArgument,
                    std::string(name) + " must be valid UTF-8: JSON carries nothing else")
          .WithDetail("field", name);
    }
  }
  return Status::Ok();
}

bool ParseWholeNumber(std::string_view text, std::int64_t* value) {
  if (text.empty() || text.size() > 19) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return error == std::errc() && end == text.data() + text.size();
}

bool ParseJsonObject(std::string_view text, Struct* object) {
  object->Clear();
  if (!engine::IsValidUtf8(text)) return false;
  Status refusal;
  if (ScanJsonKeys(text, *Struct::descriptor(), &refusal) != JsonKeys::kClean) return false;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  return google::protobuf::util::JsonStringToMessage(std::string(text), object, options).ok();
}

bool JsonString(const Struct& object, const std::string& key, std::string* text) {
  const Value* value = Field(object, key);
  if (value == nullptr || value->kind_case() != Value::kStringValue) return false;
  *text = value->string_value();
  return true;
}

bool JsonScalarText(const Struct& object, const std::string& key, std::string* text) {
  const Value* value = Field(object, key);
  if (value == nullptr) return false;
  if (value->kind_case() == Value::kStringValue) {
    *text = value->string_value();
    return true;
  }
  std::int64_t number = 0;
  if (!IntegralNumber(*value, &number)) return false;
  *text = std::to_string(number);
  return true;
}

bool JsonWholeNumber(const Struct& object, const std::string& key, std::int64_t* value) {
  const Value* field = Field(object, key);
  if (field == nullptr) return false;
  if (field->kind_case() == Value::kStringValue) {
    return ParseWholeNumber(field->string_value(), value);
  }
  return IntegralNumber(*field, value) && *value >= 0;
}

std::string JsonQuote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (byte < 0x20) {
      out.append("\\u00").push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

std::string VietnamTime(std::int64_t unix_seconds, const char* format) {
  std::time_t local = static_cast<std::time_t>(unix_seconds + kVietnamOffsetSeconds);
  std::tm parts{};
  gmtime_r(&local, &parts);
  char text[32];
  std::size_t length = std::strftime(text, sizeof(text), format, &parts);
  return std::string(text, length);
}

HttpResponse NoContentUnlessRetry(CallbackOutcome outcome) {
  HttpResponse response;
  response.status = outcome == CallbackOutcome::kRetryLater ? 503 : 204;
  return response;
}

HttpResponse JsonAnswer(std::string body) {
  HttpResponse response;
  response.status = 200;
  response.content_type = kJsonType;
  response.body = std::move(body);
  return response;
}

Result<ProviderNotice> VerifiedWebhookNotice(const std::vector<std::string>& secrets,
                                             const HttpRequest& request, std::int64_t now_seconds) {
  WebhookDelivery delivery{request.Header("webhook-id"), request.Header("webhook-timestamp"),
                           request.Header("webhook-signature"), request.body};
  if (Status verified = VerifyWebhook(secrets, delivery, now_seconds); !verified.ok()) {
    return verified;
  }
  ProviderNotice notice;
  notice.secret_index = -1;
  for (std::size_t i = 0; i < secrets.size(); ++i) {  // each alone, all of them
    bool verified = VerifyWebhook({secrets[i]}, delivery, now_seconds).ok();
    if (verified && notice.secret_index < 0) notice.secret_index = static_cast<int>(i);
  }
  notice.delivery_id = std::string(delivery.id);
  ParseWholeNumber(delivery.timestamp, &notice.signed_at);  // VerifyWebhook checked it
  return notice;
}

Result<SignedCallback> SignedWebhookPost(const std::string& secret, const CallbackFields& fields,
                                         std::string body) {
  if (fields.delivery_id.empty()) {
    return Status(Code::kInvalidArgument, "a Standard Webhooks delivery needs a webhook-id")
        .WithDetail("field", "delivery_id");
  }
  if (Status s = CheckJsonText(fields); !s.ok()) return s;
  auto signature = SignWebhook(secret, fields.delivery_id, fields.now_seconds, body);
  if (!signature.ok()) return signature.status();
  SignedCallback callback;
  callback.method = "POST";
  callback.content_type = "application/json";
  callback.body = std::move(body);
  callback.headers = {{"webhook-id", fields.delivery_id},
                      {"webhook-timestamp", std::to_string(fields.now_seconds)},
                      {"webhook-signature", std::move(signature).value()}};
  return callback;
}

}  // namespace market4::gateway

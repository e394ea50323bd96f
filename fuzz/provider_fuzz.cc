// Fuzzes provider callbacks in every scheme (gateway/provider_schemes.h: STANDARD_WEBHOOKS,
// MOMO, VNPAY, ZALOPAY, BANK_TRANSFER; webhook_signature.h under the first and the last).
// Two modes. Forged: a request made of the input never verifies against the harness's
// secrets (the seeds are real callbacks, signed with secrets the harness does not hold), and
// is refused as INVALID_SIGNATURE. Signed: fields taken from the input are signed with
// SignProviderCallback; whatever it signs verifies, names a secret that verifies it alone, and
// reads back as the fields it was signed with (delivery id, type, reference, amount,
// provider_txn_id, memo, signing time), or, for Standard Webhooks, whose signer checks no
// event, with the problem the fields call for.
//
// Input: a byte (bit 0: 0 forged, 1 signed; the rest picks the scheme, 0 being
// PROVIDER_SCHEME_UNSPECIFIED), then NUL-separated fields. Forged: method, target, headers
// ("name: value" lines), body. Signed: type, reference, provider_txn_id, delivery_id, memo,
// amount, time (Unix seconds), secret.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/crypto.h"
#include "fuzz/fuzz_input.h"
#include "gateway/provider_schemes.h"

namespace market4::fuzz {
namespace {

using gateway::CallbackFields;
using gateway::HttpRequest;
using gateway::ProviderNotice;
namespace v1 = ::market4::v1;

// The time forged requests are read at: the webhook-timestamp of the seeds (2026-01-01).
constexpr std::int64_t kNowSeconds = 1'767'225'600;
// Times the signed mode signs at: 1970 to 2100.
constexpr std::int64_t kLatestSeconds = 4'102'444'800;
constexpr int kSchemes = 6;  // PROVIDER_SCHEME_UNSPECIFIED and the five

// Two secrets of the scheme's own format, which no seed was signed with.
std::vector<std::string> HarnessSecrets(v1::ProviderScheme scheme) {
  switch (scheme) {
    case v1::STANDARD_WEBHOOKS:
    case v1::BANK_TRANSFER:
      return {"whsec_" + Base64Encode("market4 fuzz harness key one"),
              "whsec_" + Base64Encode("market4 fuzz harness key two")};
    case v1::MOMO:
      return {"FUZZACCESS1:fuzz-secret-key-one", "FUZZACCESS2:fuzz-secret-key-two"};
    default:
      return {"fuzz-harness-secret-one", "fuzz-harness-secret-two"};
  }
}

// ---- Forged ---------------------------------------------------------------------------------

// "name: value" lines as headers.
std::vector<std::pair<std::string, std::string>> HeadersOf(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> headers;
  while (!text.empty()) {
    std::string_view line = text.substr(0, text.find('\n'));
    text.remove_prefix(std::min(text.size(), line.size() + 1));
    std::size_t colon = line.find(':');
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    if (value.starts_with(' ')) value.remove_prefix(1);
    headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return headers;
}

void CheckForged(v1::ProviderScheme scheme, FuzzInput& input) {
  HttpRequest request;
  request.method = input.Field();
  request.target = input.Field();
  request.headers = HeadersOf(input.Field());
  request.body = input.Rest();
  auto notice = gateway::ReadProviderCallback(scheme, HarnessSecrets(scheme), request, kNowSeconds);
  Require(!notice.ok(), "a callback made without the secrets never verifies",
          request.target + "\n" + request.body);
  Require(notice.status().code() == Code::kInvalidSignature, "it is refused as INVALID_SIGNATURE",
          notice.status().ToString());
}

// ---- Signed ---------------------------------------------------------------------------------

// A secret of the scheme's format made of `material` (which may still be refused: empty).
std::string SecretOf(v1::ProviderScheme scheme, const std::string& material) {
  switch (scheme) {
    case v1::STANDARD_WEBHOOKS:
    case v1::BANK_TRANSFER:
      return "whsec_" + Base64Encode(material);
    case v1::MOMO:
      return material.find(':') == std::string::npos ? "MOMO:" + material : material;
    default:
      return material;
  }
}

// The kind a reference names by its prefix, as the schemes read it; "" for none.
std::string_view KindOf(std::string_view reference) {
  if (reference.size() <= 3) return "";
  if (reference.starts_with("tu_")) return "topup";
  if (reference.starts_with("pi_")) return "payment";
  if (reference.starts_with("po_")) return "payout";
  return "";
}

// What a Standard Webhooks reader must make of the fields: the problem, or "" for none.
std::string StandardProblem(const CallbackFields& f) {
  std::size_t dot = f.type.find('.');
  std::string kind = f.type.substr(0, dot);
  std::string outcome = dot == std::string::npos ? "" : f.type.substr(dot + 1);
  bool known = (kind == "topup" || kind == "payment" || kind == "payout") &&
               (outcome == "succeeded" || outcome == "failed");
  if (!known) return gateway::kProblemUnsupportedType;
  if (f.reference.empty() || f.provider_txn_id.empty()) return gateway::kProblemUnreadableBody;
  if (KindOf(f.reference) != kind) return gateway::kProblemUnsupportedReference;
  return "";
}

std::string ExpectedDeliveryId(v1::ProviderScheme scheme, const CallbackFields& f) {
  if (scheme == v1::VNPAY) return f.reference + "." + f.provider_txn_id;
  if (scheme == v1::ZALOPAY) return f.provider_txn_id;
  return f.delivery_id;
}

void CheckNotice(v1::ProviderScheme scheme, const CallbackFields& f, const ProviderNotice& n) {
  std::string fields = "type=" + f.type + " reference=" + f.reference +
                       " txn=" + f.provider_txn_id + " amount=" + std::to_string(f.amount) +
                       " problem=" + n.problem;
  Require(n.delivery_id == ExpectedDeliveryId(scheme, f), "the delivery id reads back", fields);
  bool webhook = scheme == v1::STANDARD_WEBHOOKS || scheme == v1::BANK_TRANSFER;
  Require(n.signed_at == (webhook ? f.now_seconds : 0), "the signing time reads back", fields);
  std::string problem = scheme == v1::STANDARD_WEBHOOKS ? StandardProblem(f) : "";
  Require(n.problem == problem, "the notice has exactly the problem the fields call for", fields);
  if (!problem.empty()) return;
  bool bank = scheme == v1::BANK_TRANSFER;
  Require(n.type == f.type && n.amount == f.amount && n.provider_txn_id == f.provider_txn_id &&
              n.reference == (bank ? "" : f.reference) && n.memo == (bank ? f.memo : ""),
          "the notice reads back the fields that were signed", fields);
}

HttpRequest RequestOf(const gateway::SignedCallback& callback) {
  HttpRequest request;
  request.method = callback.method;
  request.target = "/v1/providers/fuzz/events" + callback.path_and_query_suffix;
  request.headers = callback.headers;
  if (!callback.content_type.empty())
    request.headers.emplace_back("Content-Type", callback.content_type);
  request.body = callback.body;
  return request;
}

void CheckSigned(v1::ProviderScheme scheme, FuzzInput& input) {
  CallbackFields f;
  f.type = input.Field();
  f.reference = input.Field();
  f.provider_txn_id = input.Field();
  f.delivery_id = input.Field();
  f.memo = input.Field();
  f.amount = input.Integer();
  std::int64_t time = input.Integer();
  f.now_seconds = (time < 0 ? -time : time) % (kLatestSeconds + 1);
  std::string secret = SecretOf(scheme, input.Field());
  auto callback = gateway::SignProviderCallback(scheme, secret, f);
  if (!callback.ok()) {
    Require(callback.status().code() == Code::kInvalidArgument,
            "signing refuses as INVALID_ARGUMENT", callback.status().ToString());
    return;
  }
  HttpRequest request = RequestOf(callback.value());
  auto alone = gateway::ReadProviderCallback(scheme, {secret}, request, f.now_seconds);
  Require(
      alone.ok() && alone->secret_index == 0, "a signed callback verifies",
      (alone.ok() ? "" : alone.status().ToString()) + "\n" + request.target + "\n" + request.body);
  CheckNotice(scheme, f, alone.value());
  std::vector<std::string> secrets = {HarnessSecrets(scheme)[0], secret};
  auto rotated = gateway::ReadProviderCallback(scheme, secrets, request, f.now_seconds);
  Require(rotated.ok(), "it verifies among other secrets");
  bool first = gateway::ReadProviderCallback(scheme, {secrets[0]}, request, f.now_seconds).ok();
  Require(rotated->secret_index == (first ? 0 : 1), "secret_index names the first that verifies");
}

}  // namespace
}  // namespace market4::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace market4::fuzz;  // NOLINT: the target's own helpers
  FuzzInput input(data, size);
  std::uint8_t mode = input.Byte();
  auto scheme = static_cast<market4::v1::ProviderScheme>((mode >> 1) % kSchemes);
  if (mode & 1) {
    CheckSigned(scheme, input);
  } else {
    CheckForged(scheme, input);
  }
  return 0;
}

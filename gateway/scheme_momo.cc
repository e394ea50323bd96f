// MoMo IPN (developers.momo.vn/v3/docs/payment/api/result-handling/notification): a JSON POST
// whose `signature` is hex HMAC-SHA256 under the secretKey of
//   accessKey=$accessKey&amount=$amount&extraData=$extraData&message=$message&orderId=$orderId
//   &orderInfo=$orderInfo&orderType=$orderType&partnerCode=$partnerCode&payType=$payType
//   &requestId=$requestId&responseTime=$responseTime&resultCode=$resultCode&transId=$transId
// (fields sorted by name, values as sent; MoMo's sample php/PayMoMo/ipn_momo.php builds the
// same string). Secret: "<accessKey>:<secretKey>". orderId is our reference, requestId the
// delivery, transId MoMo's transaction; resultCode 0 or 9000 is success. Answers: 204, or 503
// to be retried.
#include <map>

#include "common/crypto.h"
#include "gateway/codec.h"
#include "gateway/scheme_common.h"

namespace market4::gateway {
namespace {

using google::protobuf::Struct;

constexpr std::size_t kMacBytes = 32;  // SHA-256
// Every IPN field under the signature; accessKey comes from the secret.
constexpr const char* kSignedFields[] = {"amount",    "extraData",    "message",     "orderId",
                                         "orderInfo", "orderType",    "partnerCode", "payType",
                                         "requestId", "responseTime", "resultCode",  "transId"};
// What market4-sim sends where MoMo would send its own values.
constexpr char kSimPartnerCode[] = "MOMO";
constexpr std::string_view kResultSucceeded = "0";
constexpr std::string_view kResultAuthorized = "9000";  // authorized, captured later
constexpr std::string_view kResultDeniedByUser = "1006";

struct MomoKeys {
  std::string access_key;
  std::string secret_key;
};

// "<accessKey>:<secretKey>", split at the first ':'; false unless both are non-empty.
bool SplitSecret(std::string_view secret, MomoKeys* keys) {
  std::size_t colon = secret.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == secret.size()) return false;
  keys->access_key = std::string(secret.substr(0, colon));
  keys->secret_key = std::string(secret.substr(colon + 1));
  return true;
}

// The signed string for `values` (field name to its text; a missing field is empty).
std::string RawSignature(std::string_view access_key,
                         const std::map<std::string, std::string>& values) {
  std::map<std::string, std::string> sorted = values;
  sorted["accessKey"] = std::string(access_key);
  for (const char* name : kSignedFields) sorted.try_emplace(name);
  std::string raw;
  for (const auto& [name, value] : sorted) {
    if (!raw.empty()) raw.push_back('&');
    raw.append(name).append("=").append(value);
  }
  return raw;
}

// The text of every signed field; false when one is missing (MoMo always sends them all, an
// empty extraData as "", so a missing one is not an empty one).
bool SignedValues(const Struct& ipn, std::map<std::string, std::string>* values) {
  for (const char* name : kSignedFields) {
    if (!JsonScalarText(ipn, name, &(*values)[name])) return false;
  }
  return true;
}

// The engine's reading of a verified IPN.
void ReadIpn(const Struct& ipn, ProviderNotice* notice) {
  std::string result;
  bool complete = JsonScalarText(ipn, "requestId", &notice->delivery_id) &&
                  JsonScalarText(ipn, "orderId", &notice->reference) &&
                  JsonScalarText(ipn, "transId", &notice->provider_txn_id) &&
                  JsonScalarText(ipn, "resultCode", &result) &&
                  JsonWholeNumber(ipn, "amount", &notice->amount);
  if (!complete || notice->reference.empty() || notice->delivery_id.empty()) {
    if (notice->amount < 0) notice->amount = 0;
    notice->problem = kProblemUnreadableBody;
    return;
  }
  SetTypeFromReference(result == kResultSucceeded || result == kResultAuthorized, notice);
}

Result<ProviderNotice> Read(const std::vector<std::string>& secrets, const HttpRequest& request,
                            std::int64_t /*now_seconds*/) {
  Struct ipn;
  if (!ParseJsonObject(request.body, &ipn)) {
    return RefuseCallback("a MoMo IPN is a JSON object with a signature");
  }
  std::string signature;
  std::string received;
  if (!JsonString(ipn, "signature", &signature) || !DecodeHexMac(signature, kMacBytes, &received)) {
    return RefuseCallback("signature must be a hex HMAC-SHA256");
  }
  std::map<std::string, std::string> values;
  if (!SignedValues(ipn, &values)) {
    return RefuseCallback("the IPN lacks a field its signature covers");
  }
  int index =
      MatchingSecret(secrets, received, [&values](const std::string& secret, std::string* mac) {
        MomoKeys keys;
        if (!SplitSecret(secret, &keys)) return false;
        *mac = HmacSha256(keys.secret_key, RawSignature(keys.access_key, values));
        return true;
      });
  if (index < 0) return RefuseCallback("no secret verifies the signature");
  ProviderNotice notice;
  notice.secret_index = index;
  ReadIpn(ipn, &notice);
  return notice;
}

// The IPN fields, as MoMo sends them, in its order; numbers unquoted.
std::vector<std::pair<std::string, std::string>> IpnFields(const CallbackFields& fields,
                                                           bool succeeded) {
  return {{"partnerCode", kSimPartnerCode},
          {"orderId", fields.reference},
          {"requestId", fields.delivery_id},
          {"amount", std::to_string(fields.amount)},
          {"orderInfo", "market4 " + fields.reference},
          {"orderType", "momo_wallet"},
          {"transId", fields.provider_txn_id},
          {"resultCode", std::string(succeeded ? kResultSucceeded : kResultDeniedByUser)},
          {"message", succeeded ? "Successful." : "Transaction denied by user."},
          {"payType", "qr"},
          {"responseTime", std::to_string(fields.now_seconds * 1000)},
          {"extraData", ""}};
}

// MoMo sends these as JSON numbers (Long, int), the others as strings.
bool IsNumberField(std::string_view name) {
  return name == "amount" || name == "transId" || name == "resultCode" || name == "responseTime";
}

std::string IpnBody(const std::vector<std::pair<std::string, std::string>>& ipn,
                    const std::string& signature) {
  std::string body = "{";
  for (const auto& [name, value] : ipn) {
    body.append(JsonQuote(name)).push_back(':');
    body.append(IsNumberField(name) ? value : JsonQuote(value)).push_back(',');
  }
  return body + "\"signature\":" + JsonQuote(signature) + "}";
}

Status CheckSignable(bool split, const CallbackFields& fields) {
  if (!split) {
    return Status(Code::kInvalidArgument, "a MoMo secret is \"<accessKey>:<secretKey>\"")
        .WithDetail("field", "secret");
  }
  if (Status s = CheckTypeMatchesReference(fields); !s.ok()) return s;
  if (Status s = CheckJsonText(fields); !s.ok()) return s;
  if (fields.amount > kMaxJsonInteger) {
    return Status(Code::kInvalidArgument, "MoMo sends amount as a JSON number: at most 2^53")
        .WithDetail("field", "amount");
  }
  std::int64_t number = 0;
  // Sent as a JSON number, so written as one: no leading zero.
  if (!ParseWholeNumber(fields.provider_txn_id, &number) || number > kMaxJsonInteger ||
      std::to_string(number) != fields.provider_txn_id) {
    return Status(Code::kInvalidArgument,
                  "MoMo's transId is a number (at most 2^53, no leading zero)")
        .WithDetail("field", "provider_txn_id");
  }
  if (fields.delivery_id.empty()) {
    return Status(Code::kInvalidArgument, "a MoMo IPN needs a requestId")
        .WithDetail("field", "delivery_id");
  }
  return Status::Ok();
}

Result<SignedCallback> Sign(const std::string& secret, const CallbackFields& fields) {
  MomoKeys keys;
  bool split = SplitSecret(secret, &keys);
  if (Status s = CheckSignable(split, fields); !s.ok()) return s;
  auto ipn = IpnFields(fields, fields.type.ends_with(".succeeded"));
  std::map<std::string, std::string> values(ipn.begin(), ipn.end());
  std::string mac = HmacSha256(keys.secret_key, RawSignature(keys.access_key, values));
  SignedCallback callback;
  callback.method = "POST";
  callback.content_type = kJsonType;
  callback.body = IpnBody(ipn, HexEncode(mac));
  return callback;
}

}  // namespace

const SchemeOps& MomoOps() {
  static constexpr SchemeOps kOps{Read, Sign, NoContentUnlessRetry};
  return kOps;
}

}  // namespace market4::gateway

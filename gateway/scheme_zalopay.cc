// ZaloPay callback (docs.zalopay.vn/docs/specs/callback-api): a JSON POST
// {"data":"<json string>","mac":"<hex>","type":1} where mac is hex HMAC-SHA256 under key2 of
// the data string exactly as sent. data's app_trans_id is "yymmdd_<our reference>", zp_trans_id
// ZaloPay's transaction (also the delivery: ZaloPay retries a callback under the same one).
// ZaloPay calls back on success only. The outer "type" is outside the MAC and is not read: an
// agreement callback (type 2) has no app_trans_id and reads as UNREADABLE_BODY. Answers: 200
// {"return_code","return_message"}: 1 recorded, 2 zp_trans_id already processed, 0 try again.
#include "common/crypto.h"
#include "gateway/codec.h"
#include "gateway/scheme_common.h"

namespace market4::gateway {
namespace {

using google::protobuf::Struct;

constexpr std::size_t kMacBytes = 32;  // SHA-256
// What market4-sim sends where ZaloPay would send its own values.
constexpr std::int64_t kSimAppId = 2553;  // ZaloPay's sandbox demo app
constexpr std::int64_t kSimChannel = 38;  // ZaloPay wallet

// The engine's reading of verified data.
void ReadData(const std::string& data, ProviderNotice* notice) {
  Struct fields;
  std::string app_trans_id;
  bool complete = ParseJsonObject(data, &fields) &&
                  JsonScalarText(fields, "app_trans_id", &app_trans_id) &&
                  JsonScalarText(fields, "zp_trans_id", &notice->provider_txn_id) &&
                  JsonWholeNumber(fields, "amount", &notice->amount);
  std::size_t underscore = app_trans_id.find('_');
  if (underscore != std::string::npos) notice->reference = app_trans_id.substr(underscore + 1);
  notice->delivery_id = notice->provider_txn_id;
  if (!complete || notice->reference.empty() || notice->provider_txn_id.empty()) {
    if (notice->amount < 0) notice->amount = 0;
    notice->problem = kProblemUnreadableBody;
    return;
  }
  SetTypeFromReference(/*succeeded=*/true, notice);
}

Result<ProviderNotice> Read(const std::vector<std::string>& secrets, const HttpRequest& request,
                            std::int64_t /*now_seconds*/) {
  Struct callback;
  std::string data;
  std::string mac_hex;
  std::string received;
  if (!ParseJsonObject(request.body, &callback) || !JsonString(callback, "data", &data)) {
    return RefuseCallback("a ZaloPay callback is a JSON object with data and mac");
  }
  if (!JsonString(callback, "mac", &mac_hex) || !DecodeHexMac(mac_hex, kMacBytes, &received)) {
    return RefuseCallback("mac must be a hex HMAC-SHA256");
  }
  int index = MatchingSecret(secrets, received, [&data](const std::string& key2, std::string* mac) {
    if (key2.empty()) return false;
    *mac = HmacSha256(key2, data);
    return true;
  });
  if (index < 0) return RefuseCallback("no secret verifies the mac");
  ProviderNotice notice;
  notice.secret_index = index;
  ReadData(data, &notice);
  return notice;
}

// The data string, in the order of ZaloPay's documented sample.
std::string DataJson(const CallbackFields& fields) {
  std::string ms = std::to_string(fields.now_seconds * 1000);
  std::string app_trans_id = VietnamTime(fields.now_seconds, "%y%m%d") + "_" + fields.reference;
  return "{\"app_id\":" + std::to_string(kSimAppId) +
         ",\"app_trans_id\":" + JsonQuote(app_trans_id) + ",\"app_time\":" + ms +
         ",\"app_user\":\"market4-sim\",\"amount\":" + std::to_string(fields.amount) +
         ",\"embed_data\":\"{}\",\"item\":\"[]\",\"zp_trans_id\":" + fields.provider_txn_id +
         ",\"server_time\":" + ms + ",\"channel\":" + std::to_string(kSimChannel) +
         ",\"merchant_user_id\":\"\",\"user_fee_amount\":0,\"discount_amount\":0}";
}

Status CheckSignable(const std::string& key2, const CallbackFields& fields) {
  if (key2.empty()) {
    return Status(Code::kInvalidArgument, "a ZaloPay secret is key2").WithDetail("field", "secret");
  }
  if (Status s = CheckTypeMatchesReference(fields); !s.ok()) return s;
  if (Status s = CheckJsonText(fields); !s.ok()) return s;
  if (fields.amount > kMaxJsonInteger) {
    return Status(Code::kInvalidArgument, "ZaloPay sends amount as a JSON number: at most 2^53")
        .WithDetail("field", "amount");
  }
  if (!fields.type.ends_with(".succeeded")) {
    return Status(Code::kInvalidArgument, "ZaloPay calls back on success only")
        .WithDetail("field", "type");
  }
  std::int64_t number = 0;
  // Sent as a JSON number, so written as one: no leading zero.
  if (!ParseWholeNumber(fields.provider_txn_id, &number) || number > kMaxJsonInteger ||
      std::to_string(number) != fields.provider_txn_id) {
    return Status(Code::kInvalidArgument,
                  "ZaloPay's zp_trans_id is a number (at most 2^53, no leading zero)")
        .WithDetail("field", "provider_txn_id");
  }
  return Status::Ok();
}

Result<SignedCallback> Sign(const std::string& key2, const CallbackFields& fields) {
  if (Status s = CheckSignable(key2, fields); !s.ok()) return s;
  std::string data = DataJson(fields);
  std::string mac = HexEncode(HmacSha256(key2, data));
  SignedCallback callback;
  callback.method = "POST";
  callback.content_type = kJsonType;
  callback.body = "{\"data\":" + JsonQuote(data) + ",\"mac\":" + JsonQuote(mac) + ",\"type\":1}";
  return callback;
}

HttpResponse Acknowledge(CallbackOutcome outcome) {
  switch (outcome) {
    case CallbackOutcome::kDuplicate:
      return JsonAnswer(R"({"return_code":2,"return_message":"already processed"})");
    case CallbackOutcome::kRetryLater:
      return JsonAnswer(R"({"return_code":0,"return_message":"retry"})");
    case CallbackOutcome::kApplied:
    case CallbackOutcome::kUnknownReference:
    case CallbackOutcome::kAmountMismatch:
    case CallbackOutcome::kException:
      break;  // recorded: ZaloPay need not send it again
  }
  return JsonAnswer(R"({"return_code":1,"return_message":"success"})");
}

}  // namespace

const SchemeOps& ZalopayOps() {
  static constexpr SchemeOps kOps{Read, Sign, Acknowledge};
  return kOps;
}

}  // namespace market4::gateway

// Bank-transfer providers (BANK_TRANSFER): a bank's statement service tells us of each credit
// to the platform's collection account, signed as Standard Webhooks (webhook-id,
// webhook-timestamp, webhook-signature over the raw body):
//   {"type":"bank.credit","data":{"bank_txn_id":"FT…","amount":"62000","memo":"…","time":"…"}}
// The memo is passed on as the bank sent it; the engine looks for an order's payment code in
// it. Answers: 204, or 503 to be retried.
#include "gateway/scheme_common.h"

namespace market4::gateway {
namespace {

using google::protobuf::Struct;

constexpr char kBankCredit[] = "bank.credit";

// Fills the notice from a verified body, or sets its problem.
void ReadBody(const std::string& body, ProviderNotice* notice) {
  Struct event;
  if (!ParseJsonObject(body, &event)) {
    notice->problem = kProblemUnreadableBody;
    return;
  }
  std::string type;
  JsonScalarText(event, "type", &type);
  if (type != kBankCredit) {
    notice->problem = kProblemUnsupportedType;
    return;
  }
  auto data = event.fields().find("data");
  bool readable = data != event.fields().end() && data->second.has_struct_value();
  if (readable) {
    const Struct& fields = data->second.struct_value();
    readable = JsonScalarText(fields, "bank_txn_id", &notice->provider_txn_id) &&
               !notice->provider_txn_id.empty() &&
               JsonWholeNumber(fields, "amount", &notice->amount) &&
               JsonString(fields, "memo", &notice->memo);
  }
  if (!readable) {
    notice->problem = kProblemUnreadableBody;
    return;
  }
  notice->type = type;
}

Result<ProviderNotice> Read(const std::vector<std::string>& secrets, const HttpRequest& request,
                            std::int64_t now_seconds) {
  auto notice = VerifiedWebhookNotice(secrets, request, now_seconds);
  if (notice.ok()) ReadBody(request.body, &notice.value());
  return notice;
}

Result<SignedCallback> Sign(const std::string& secret, const CallbackFields& fields) {
  if (fields.type != kBankCredit) {
    return Status(Code::kInvalidArgument, "a bank-transfer provider sends bank.credit only")
        .WithDetail("field", "type");
  }
  if (fields.delivery_id.empty() || fields.provider_txn_id.empty()) {
    return Status(Code::kInvalidArgument, "a bank credit needs a webhook-id and a bank_txn_id")
        .WithDetail("field", "delivery_id");
  }
  std::string body =
      std::string("{\"type\":\"") + kBankCredit +
      "\",\"data\":{\"bank_txn_id\":" + JsonQuote(fields.provider_txn_id) + ",\"amount\":\"" +
      std::to_string(fields.amount) + "\",\"memo\":" + JsonQuote(fields.memo) +
      ",\"time\":" + JsonQuote(VietnamTime(fields.now_seconds, "%Y-%m-%dT%H:%M:%S+07:00")) + "}}";
  return SignedWebhookPost(secret, fields, std::move(body));
}

}  // namespace

const SchemeOps& BankTransferOps() {
  static constexpr SchemeOps kOps{Read, Sign, NoContentUnlessRetry};
  return kOps;
}

}  // namespace market4::gateway

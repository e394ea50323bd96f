// Standard Webhooks (standardwebhooks.com) callbacks in market4's own event format: headers
// webhook-id, webhook-timestamp and webhook-signature (verified by gateway/webhook_signature.h)
// over the body
//   {"type":"topup.succeeded","data":{"reference":"tu_…","amount":"100000","provider_txn_id":"…"}}
// where amount is whole dong, as a JSON string or integer. Answers: 204, or 503 to be retried.
#include <charconv>

#include "gateway/codec.h"
#include "gateway/scheme_common.h"
#include "gateway/webhook_signature.h"

namespace market4::gateway {
namespace {

using google::protobuf::Struct;

// The event's data fields; false unless all three are there (reference and provider_txn_id
// non-empty, amount a whole number).
bool ReadData(const Struct& event, ProviderNotice* notice) {
  auto data = event.fields().find("data");
  if (data == event.fields().end() || !data->second.has_struct_value()) return false;
  const Struct& fields = data->second.struct_value();
  bool has_reference = JsonScalarText(fields, "reference", &notice->reference);
  bool has_txn_id = JsonScalarText(fields, "provider_txn_id", &notice->provider_txn_id);
  bool has_amount = JsonWholeNumber(fields, "amount", &notice->amount);
  if (!has_amount) notice->amount = 0;
  return has_reference && has_txn_id && has_amount && !notice->reference.empty() &&
         !notice->provider_txn_id.empty();
}

// Fills the notice from a verified body, or sets its problem.
void ReadBody(const std::string& body, ProviderNotice* notice) {
  Struct event;
  if (!ParseJsonObject(body, &event)) {
    notice->problem = kProblemUnreadableBody;
    return;
  }
  std::string type;
  JsonScalarText(event, "type", &type);
  bool complete = ReadData(event, notice);
  std::string_view kind;
  bool succeeded = false;
  if (!ParseEventType(type, &kind, &succeeded)) {
    notice->problem = kProblemUnsupportedType;  // checked first: other events have other data
  } else if (!complete) {
    notice->problem = kProblemUnreadableBody;
  } else if (ReferenceKind(notice->reference) != kind) {
    notice->problem = kProblemUnsupportedReference;
  } else {
    notice->type = std::move(type);
  }
}

Result<ProviderNotice> Read(const std::vector<std::string>& secrets, const HttpRequest& request,
                            std::int64_t now_seconds) {
  auto notice = VerifiedWebhookNotice(secrets, request, now_seconds);
  if (notice.ok()) ReadBody(request.body, &notice.value());
  return notice;
}

std::string EventBody(const CallbackFields& fields) {
  return "{\"type\":" + JsonQuote(fields.type) +
         ",\"data\":{\"reference\":" + JsonQuote(fields.reference) + ",\"amount\":\"" +
         std::to_string(fields.amount) +
         "\",\"provider_txn_id\":" + JsonQuote(fields.provider_txn_id) + "}}";
}

Result<SignedCallback> Sign(const std::string& secret, const CallbackFields& fields) {
  return SignedWebhookPost(secret, fields, EventBody(fields));
}

}  // namespace

const SchemeOps& StandardWebhooksOps() {
  static constexpr SchemeOps kOps{Read, Sign, NoContentUnlessRetry};
  return kOps;
}

}  // namespace market4::gateway

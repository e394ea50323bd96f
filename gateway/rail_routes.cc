// Routes of the payment rails: buyers' top-ups, merchants' payouts, the operator's views of
// payouts, exceptions and stored events, and the providers' signed callbacks. Callbacks carry
// no Bearer token: the provider's signature, checked here against its secrets
// (provider_schemes.h), is the only credential, and a forged one records nothing.
#include <chrono>

#include "gateway/provider_schemes.h"
#include "gateway/routes.h"

namespace market4::gateway {
namespace {

constexpr Authentication kSigned = Authentication::kProviderSignature;

void RequestTopUp(Call& call, engine::Engine& engine) {
  engine::RequestTopUp command{call.caller.id, "", "", {}};
  if (!ReadIdempotencyKey(call, true, &command.idempotency_key) ||
      !DecodeBody(call, &command.request)) {
    return;
  }
  command.id = NewId(call, "tu_");
  if (command.id.empty()) return;
  SubmitAndAnswer(call, engine, std::move(command), 201);
}

void GetTopUp(Call& call, engine::Engine& engine) {
  ReplyResult(call, engine.Read().GetTopUp(call.caller.id, call.path[3]));
}

void ListTopUps(Call& call, engine::Engine& engine) {
  std::int64_t limit = 0;
  if (!QueryNumber(call, "limit", &limit)) return;
  ReplyResult(call, engine.Read().ListTopUps(call.caller.id, std::size_t(limit),
                                             QueryText(call, "page_token")));
}

void RequestPayout(Call& call, engine::Engine& engine) {
  engine::RequestPayout command{call.caller.id, "", "", {}};
  if (!ReadIdempotencyKey(call, true, &command.idempotency_key) ||
      !DecodeBody(call, &command.request)) {
    return;
  }
  command.id = NewId(call, "po_");
  if (command.id.empty()) return;
  SubmitAndAnswer(call, engine, std::move(command), 201);
}

// `?status=` parsed by `parse` (a protobuf enum's _Parse); answers 400 and returns false for
// an unknown name.
template <typename Enum>
bool QueryStatus(Call& call, bool (*parse)(const std::string&, Enum*), Enum* status) {
  std::string text = QueryText(call, "status");
  if (text.empty() || parse(text, status)) return true;
  ReplyError(call, Status(Code::kInvalidArgument, "unknown status").WithDetail("field", "status"));
  return false;
}

void ListPayouts(Call& call, engine::Engine& engine) {
  std::int64_t limit = 0;
  v1::RailStatus status = v1::RAIL_STATUS_UNSPECIFIED;
  if (!QueryNumber(call, "limit", &limit) || !QueryStatus(call, v1::RailStatus_Parse, &status)) {
    return;
  }
  ReplyResult(call, engine.Read().ListPayouts(call.caller, status, std::size_t(limit),
                                              QueryText(call, "page_token")));
}

void GetPayout(Call& call, engine::Engine& engine) {
  ReplyResult(call, engine.Read().GetPayout(call.caller, call.path.back()));
}

void ListExceptions(Call& call, engine::Engine& engine) {
  std::int64_t limit = 0;
  v1::ExceptionStatus status = v1::EXCEPTION_STATUS_UNSPECIFIED;
  if (!QueryNumber(call, "limit", &limit) ||
      !QueryStatus(call, v1::ExceptionStatus_Parse, &status)) {
    return;
  }
  ReplyResult(call, engine.Read().ListExceptions(status, std::size_t(limit),
                                                 QueryText(call, "page_token")));
}

void GetException(Call& call, engine::Engine& engine) {
  ReplyResult(call, engine.Read().GetException(call.path[2]));
}

void ResolveException(Call& call, engine::Engine& engine) {
  engine::ResolveException command{call.path[2], {}, call.caller};
  if (!DecodeBody(call, &command.request)) return;
  SubmitAndAnswer(call, engine, std::move(command), 200);
}

void GetEvent(Call& call, engine::Engine& engine) {
  ReplyResult(call, engine.Read().GetProviderEvent(call.path[2]));
}

CallbackOutcome OutcomeOf(const engine::Answer<v1::ProviderEvent>& answer) {
  if (!answer.ok()) return CallbackOutcome::kRetryLater;
  switch (answer.value.outcome()) {
    case v1::APPLIED:
      return CallbackOutcome::kApplied;
    case v1::DUPLICATE:
      return CallbackOutcome::kDuplicate;
    default:
      break;
  }
  if (answer.value.reason() == "UNKNOWN_REFERENCE") return CallbackOutcome::kUnknownReference;
  if (answer.value.reason() == "AMOUNT_MISMATCH") return CallbackOutcome::kAmountMismatch;
  return CallbackOutcome::kException;
}

// The verified callback as the engine's event, with exactly what arrived.
engine::ReceiveProviderEvent EventOf(const Call& call, const v1::ProviderRecord& record,
                                     const ProviderNotice& notice) {
  engine::ReceiveProviderEvent command;
  v1::ProviderEvent& event = command.event;
  event.set_provider(record.provider().id());
  event.set_delivery_id(notice.delivery_id);
  event.set_type(notice.type);
  event.set_reference(notice.reference);
  event.set_amount(notice.amount);
  event.set_provider_txn_id(notice.provider_txn_id);
  event.set_problem(notice.problem);
  event.set_memo(notice.memo);
  event.set_scheme(record.provider().scheme());
  event.set_secret_index(notice.secret_index);
  event.set_signed_at(notice.signed_at);
  event.set_raw_target(call.request.target);
  event.set_raw_body(call.request.body);
  return command;
}

void ReceiveEvent(Call& call, engine::Engine& engine) {
  auto record = engine.Read().GetProviderRecord(call.path[2]);
  if (!record.ok()) return ReplyError(call, record.status());
  auto now = std::chrono::system_clock::now().time_since_epoch();
  auto notice = ReadProviderCallback(
      record->provider().scheme(), {record->secrets().begin(), record->secrets().end()},
      call.request, std::chrono::duration_cast<std::chrono::seconds>(now).count());
  if (!notice.ok()) return ReplyError(call, notice.status());
  engine::ReceiveProviderEvent command = EventOf(call, record.value(), notice.value());
  command.event.set_id(NewId(call, "ev_"));
  command.exception_id = NewId(call, "ex_");
  if (command.event.id().empty() || command.exception_id.empty()) return;
  engine.Submit<engine::ReceiveProviderEvent>(
      std::move(command), [respond = call.respond, scheme = record->provider().scheme()](
                              engine::Answer<v1::ProviderEvent> answer) {
        respond(AcknowledgeCallback(scheme, OutcomeOf(answer)));
      });
}

}  // namespace

const std::vector<Route>& RailRoutes() {
  static const std::vector<Route> routes = {
      {"POST", {"v1", "wallet", "topups"}, kBearer, kBuyer, RequestTopUp},
      {"GET", {"v1", "wallet", "topups"}, kBearer, kBuyer, ListTopUps},
      {"GET", {"v1", "wallet", "topups", "*"}, kBearer, kBuyer, GetTopUp},
      {"POST", {"v1", "merchant", "payouts"}, kBearer, kMerchant, RequestPayout},
      {"GET", {"v1", "merchant", "payouts"}, kBearer, kMerchant, ListPayouts},
      {"GET", {"v1", "merchant", "payouts", "*"}, kBearer, kMerchant, GetPayout},
      {"GET", {"v1", "payouts"}, kBearer, kOperator, ListPayouts},
      {"GET", {"v1", "payouts", "*"}, kBearer, kOperator, GetPayout},
      {"GET", {"v1", "exceptions"}, kBearer, kOperator, ListExceptions},
      {"GET", {"v1", "exceptions", "*"}, kBearer, kOperator, GetException},
      {"POST", {"v1", "exceptions", "*", "resolve"}, kBearer, kOperator, ResolveException},
      {"GET", {"v1", "events", "*"}, kBearer, kOperator, GetEvent},
      // VNPay calls its IPN with GET and the parameters in the query; the others POST.
      {"POST", {"v1", "providers", "*", "events"}, kSigned, 0, ReceiveEvent},
      {"GET", {"v1", "providers", "*", "events"}, kSigned, 0, ReceiveEvent},
  };
  return routes;
}

}  // namespace market4::gateway

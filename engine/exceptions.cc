// The exceptions queue: correctly signed provider events that could not be applied. An
// operator resolves each once: CREDIT_BUYER moves the event's amount provider.<id> -> that
// buyer's wallet (only for money a provider brought in), DISMISS moves nothing. Resolving
// again with the same decision answers the stored resolution; a different one is refused.
#include "engine/context.h"
#include "engine/ledger.h"
#include "engine/market.h"
#include "engine/rails.h"
#include "engine/settlement_index.h"
#include "engine/text.h"

namespace market4::engine {
namespace {

bool SameDecision(const v1::ExceptionResolution& done, const v1::ResolveExceptionRequest& asked,
                  const std::string& note) {
  return done.action() == asked.action() && done.buyer_id() == asked.buyer_id() &&
         done.note() == note;
}

// Moves the exception's amount to the buyer; the transfer's id, or why not.
Result<std::string> CreditBuyer(Context& context, const v1::ProviderException& exception,
                                const std::string& buyer_id, const Caller& caller) {
  if (exception.type() != kTopUpSucceeded && exception.type() != kPaymentSucceeded &&
      exception.type() != kBankCredit) {
    return Status(Code::kFailedPrecondition,
                  "only money a provider brought in (a top-up, payment or bank credit) can be "
                  "credited to a buyer")
        .WithDetail("type", exception.type());
  }
  if (exception.amount() <= 0) {
    return Status(Code::kFailedPrecondition, "the event carried no amount to credit");
  }
  if (!context.market.buyers.count(buyer_id)) return NotFound("buyer", buyer_id);
  std::string transfer_id = "ex~" + exception.id();
  auto moved = context.ledger.ApplyInternal(
      {MarketTransfer(transfer_id, ProviderAccount(exception.provider()), WalletAccount(buyer_id),
                      exception.amount(), kCodeExceptionCredit)},
      context.now, &context.batch, {caller.id, ""});
  if (!moved.ok()) return moved.status();
  return transfer_id;
}

Result<std::string> Carry(Context& context, const v1::ProviderException& exception,
                          const v1::ResolveExceptionRequest& request, const Caller& caller) {
  switch (request.action()) {
    case v1::CREDIT_BUYER:
      return CreditBuyer(context, exception, request.buyer_id(), caller);
    case v1::DISMISS:
      if (!request.buyer_id().empty()) {
        return InvalidField("buyer_id goes only with CREDIT_BUYER", "buyer_id");
      }
      return std::string();
    default:
      return InvalidField("action must be CREDIT_BUYER or DISMISS", "action");
  }
}

}  // namespace

Answer<v1::ProviderException> ResolveException::Apply(Context& context) const {
  if (!IsReferenceOf(exception_id, kExceptionPrefix)) return NotFound("exception", exception_id);
  auto found = FindRail<v1::ProviderException>(context, exception_id);
  if (!found.ok()) return found.status();
  if (!found.value()) return NotFound("exception", exception_id);
  v1::ProviderException exception = std::move(*found.value());
  auto note = CleanText(request.note(), {"note", kMaxNoteChars, false});
  if (!note.ok()) return note.status();
  if (exception.status() == v1::RESOLVED) {
    if (SameDecision(exception.resolution(), request, note.value())) return {exception, true};
    return Status(Code::kFailedPrecondition, "this exception is already resolved")
        .WithDetail("action", v1::ExceptionAction_Name(exception.resolution().action()));
  }
  auto transfer_id = Carry(context, exception, request, caller);
  if (!transfer_id.ok()) return transfer_id.status();
  v1::ExceptionResolution* resolution = exception.mutable_resolution();
  resolution->set_action(request.action());
  resolution->set_buyer_id(request.buyer_id());
  resolution->set_note(note.value());
  resolution->set_transfer_id(transfer_id.value());
  *resolution->mutable_resolved_at() = At(context.now);
  resolution->set_resolved_by(caller.id);
  exception.set_status(v1::RESOLVED);
  PutRail(context, exception.id(), exception);
  --context.market.open_exceptions;
  IndexSettlementCredit(context, exception);
  return exception;
}

}  // namespace market4::engine

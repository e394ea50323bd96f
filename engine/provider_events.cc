// Provider events: what a provider tells us, once the gateway has verified its signature.
// Every verified delivery is stored with its raw content and its outcome in the batch that
// applies it. A delivery seen before, by its delivery id or by its provider transaction and
// type, is stored as a DUPLICATE of the first and moves nothing. An event that cannot be
// applied becomes an exception for a person to resolve: the provider has moved real money, so
// it is never dropped.
#include "engine/context.h"
#include "engine/market.h"
#include "engine/rails.h"
#include "engine/settlement_index.h"

namespace market4::engine {
namespace {

using storage::Family;

std::string EventKey(const std::string& id) { return "e" + id; }

std::string DeliveryKey(const v1::ProviderEvent& event) {
  return "w" + event.provider() + '\0' + event.delivery_id();
}

std::string TransactionKey(const v1::ProviderEvent& event) {
  return "t" + event.provider() + '\0' + event.type() + '\0' + event.provider_txn_id();
}

bool HasTransaction(const v1::ProviderEvent& event) {
  return !event.type().empty() && !event.provider_txn_id().empty();
}

// The id of the event this delivery repeats, if any.
Result<std::optional<std::string>> FirstDelivery(Context& context, const v1::ProviderEvent& event) {
  const StagedRecords& staged = context.market.staged;
  if (!event.delivery_id().empty()) {
    auto first = staged.Get(Family::kEvents, DeliveryKey(event));
    if (!first.ok() || first.value()) return first;
  }
  if (HasTransaction(event)) return staged.Get(Family::kEvents, TransactionKey(event));
  return std::optional<std::string>();
}

void RememberDelivery(Context& context, const v1::ProviderEvent& event) {
  StagedRecords& staged = context.market.staged;
  if (!event.delivery_id().empty()) {
    staged.Put(Family::kEvents, DeliveryKey(event), event.id(), &context.batch);
  }
  if (HasTransaction(event)) {
    staged.Put(Family::kEvents, TransactionKey(event), event.id(), &context.batch);
  }
}

Result<EventEffect> Dispatch(Context& context, v1::ProviderEvent& event) {
  if (!event.problem().empty()) return Exceptional(event.problem());
  const std::string& type = event.type();
  if (type == kTopUpSucceeded || type == kTopUpFailed) return ApplyTopUpEvent(context, event);
  if (type == kPaymentSucceeded || type == kPaymentFailed) {
    return ApplyPaymentEvent(context, event);
  }
  if (type == kPayoutSucceeded || type == kPayoutFailed) return ApplyPayoutEvent(context, event);
  if (type == kBankCredit) return ApplyBankCredit(context, event);
  return Exceptional("UNSUPPORTED_TYPE");
}

void OpenException(Context& context, const v1::ProviderEvent& event) {
  v1::ProviderException exception;
  exception.set_id(event.exception_id());
  exception.set_provider(event.provider());
  exception.set_type(event.type());
  exception.set_reason(event.reason());
  exception.set_amount(event.amount());
  exception.set_provider_txn_id(event.provider_txn_id());
  exception.set_reference(event.reference());
  exception.set_status(v1::OPEN);
  *exception.mutable_received_at() = event.received_at();
  exception.set_event_id(event.id());
  PutRail(context, exception.id(), exception);
  IndexRail(context, exception.id(), {kAllExceptionsOwner});
  ++context.market.open_exceptions;
}

}  // namespace

Answer<v1::ProviderEvent> ReceiveProviderEvent::Apply(Context& context) const {
  M4_ASSERT(!event.id().empty() && IsReferenceOf(exception_id, kExceptionPrefix),
            "the gateway made bad event ids");
  if (Status s = RequireProvider(context, event.provider()); !s.ok()) return s;
  if (event.amount() < 0) return InvalidField("amount must not be negative", "amount");
  v1::ProviderEvent stored = event;
  *stored.mutable_received_at() = At(context.now);
  auto first = FirstDelivery(context, event);
  if (!first.ok()) return first.status();
  if (first.value()) {
    stored.set_outcome(v1::DUPLICATE);
    stored.set_duplicate_of(*first.value());
  } else {
    auto effect = Dispatch(context, stored);
    if (!effect.ok()) return effect.status();
    stored.set_outcome(effect->outcome);
    stored.set_reason(effect->reason);
    if (effect->outcome == v1::EXCEPTION) {
      stored.set_exception_id(exception_id);
      OpenException(context, stored);
    }
    RememberDelivery(context, stored);
    IndexSettlementEvent(context, stored);
  }
  context.market.staged.Put(Family::kEvents, EventKey(stored.id()), stored.SerializeAsString(),
                            &context.batch);
  return stored;
}

}  // namespace market4::engine

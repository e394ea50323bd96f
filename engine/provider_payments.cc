// Orders paid through a provider. Paying with {"provider"} records a ProviderPayment (pi_...)
// on the order and waits: the order does not expire meanwhile. payment.succeeded brings the
// money provider.<id> -> the buyer's wallet and, in the same unit, pays the order from the
// wallet exactly as a wallet payment would (so ship, confirm, cancel and refund work the
// same). Money that comes when the order can no longer take it stays in the wallet, and the
// timeline says so. payment.failed lets the order wait for another payment until its pay_by.
#include "engine/context.h"
#include "engine/ledger.h"
#include "engine/market.h"
#include "engine/orders.h"
#include "engine/rails.h"

namespace market4::engine {
namespace {

void Settle(Context& context, v1::ProviderPayment& payment, v1::RailStatus status,
            const v1::ProviderEvent& event, v1::Order& order) {
  payment.set_status(status);
  payment.set_provider_txn_id(event.provider_txn_id());
  *payment.mutable_updated_at() = At(context.now);
  PutRail(context, payment.id(), payment);
  if (order.payment().id() == payment.id()) *order.mutable_payment() = payment;
  context.market.orders.Put(order, &context.batch);
}

EventEffect Receive(Context& context, v1::ProviderPayment& payment, const v1::ProviderEvent& event,
                    v1::Order& order) {
  v1::NewTransfer credit =
      MarketTransfer("pi~" + payment.id(), ProviderAccount(payment.provider()),
                     WalletAccount(payment.buyer_id()), payment.amount(), kCodeProviderPayment);
  bool payable = order.status() == v1::PENDING_PAYMENT && order.payment().id() == payment.id();
  if (payable) {
    Status paid = PayOrder(context, order, &credit, Actor::kProvider);
    if (!paid.ok()) return LedgerRefused(paid);
  } else {
    auto moved = context.ledger.ApplyInternal({credit}, context.now, &context.batch);
    if (!moved.ok()) return LedgerRefused(moved.status());
    payment.set_credited_to_wallet(true);
    AddOrderEvent(order, "PAYMENT_CREDITED_TO_WALLET", Actor::kProvider, context.now,
                  payment.amount());
  }
  Settle(context, payment, v1::SUCCEEDED, event, order);
  return Applied();
}

// The order may be paid again (wallet or provider) until its pay_by; if that has passed while
// the provider kept it waiting, it expires at the next tick.
EventEffect Fail(Context& context, v1::ProviderPayment& payment, const v1::ProviderEvent& event,
                 v1::Order& order) {
  if (order.status() == v1::PENDING_PAYMENT && order.payment().id() == payment.id()) {
    AddOrderEvent(order, "PAYMENT_FAILED", Actor::kProvider, context.now);
    context.market.timers.Schedule(Timer::kPayDeadline, order.id(),
                                   std::max(Nanos(order.pay_by()), context.now));
  }
  Settle(context, payment, v1::FAILED, event, order);
  return Applied();
}

EventEffect Apply(Context& context, v1::ProviderPayment& payment, const v1::ProviderEvent& event,
                  v1::Order& order) {
  bool succeeded = event.type() == kPaymentSucceeded;
  switch (payment.status()) {
    case v1::PENDING:
      if (!succeeded) return Fail(context, payment, event, order);
      if (event.amount() != payment.amount()) return Exceptional("AMOUNT_MISMATCH");
      return Receive(context, payment, event, order);
    case v1::SUCCEEDED:
      return Exceptional(succeeded ? "ALREADY_SUCCEEDED" : "FAILURE_AFTER_SUCCESS");
    default:
      return succeeded ? Exceptional("SUCCESS_AFTER_FAILURE") : Duplicate();
  }
}

}  // namespace

Status StartProviderPayment(Context& context, v1::Order& order, const std::string& provider,
                            const std::string& payment_id) {
  if (order.status() != v1::PENDING_PAYMENT) {
    return WrongState(order, "only orders awaiting payment can be paid");
  }
  if (order.payment().status() == v1::PENDING) {
    return Status(Code::kFailedPrecondition, "a payment through a provider is already pending")
        .WithDetail("payment_id", order.payment().id());
  }
  if (Status s = RequireProvider(context, provider); !s.ok()) return s;
  M4_ASSERT(IsReferenceOf(payment_id, kPaymentPrefix), "the gateway made a bad payment id");
  v1::ProviderPayment payment;
  payment.set_id(payment_id);
  payment.set_order_id(order.id());
  payment.set_buyer_id(order.buyer_id());
  payment.set_provider(provider);
  payment.set_amount(order.total());
  payment.set_status(v1::PENDING);
  *payment.mutable_created_at() = At(context.now);
  *payment.mutable_updated_at() = At(context.now);
  PutRail(context, payment_id, payment);
  context.market.timers.Cancel(Timer::kPayDeadline, order.id());
  *order.mutable_payment() = payment;
  AddOrderEvent(order, "PAYMENT_STARTED", Actor::kBuyer, context.now, order.total());
  return Status::Ok();
}

Result<EventEffect> ApplyPaymentEvent(Context& context, const v1::ProviderEvent& event) {
  if (!IsReferenceOf(event.reference(), kPaymentPrefix)) return Exceptional("UNKNOWN_REFERENCE");
  auto found = FindRail<v1::ProviderPayment>(context, event.reference());
  if (!found.ok()) return found.status();
  if (!found.value() || found.value()->provider() != event.provider()) {
    return Exceptional("UNKNOWN_REFERENCE");
  }
  v1::ProviderPayment& payment = *found.value();
  auto order = context.market.orders.Find(payment.order_id());
  if (!order.ok()) return order.status();
  M4_ASSERT(order.value() != nullptr, "a provider payment names an order that is gone");
  v1::Order copy = *order.value();
  return Apply(context, payment, event, copy);
}

}  // namespace market4::engine

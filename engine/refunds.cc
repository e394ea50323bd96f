// Refunds: after an order completed, its merchant returns part or all of what the buyer paid,
// from the merchant's available balance to the buyer's wallet. The platform keeps its
// commission (docs/decisions.md). Refunds never add up to more than the order's total.
#include "engine/context.h"
#include "engine/ledger.h"
#include "engine/market.h"
#include "engine/orders.h"

namespace market4::engine {

Answer<v1::Order> RefundOrder::Apply(Context& context) const {
  // A refund moves money and is not made safe to repeat by the order's state: a key is
  // required.
  if (idempotency_key.empty()) return KeyRequired();
  Market& market = context.market;
  auto found = market.orders.Find(order_id);
  if (!found.ok()) return found.status();
  if (!found.value() || found.value()->merchant_id() != merchant_id) {
    return NotFound("order", order_id);
  }
  const std::string scope = CallerScope({Role::kMerchant, merchant_id});
  const std::string fingerprint = Fingerprint("refund", order_id, request.SerializeAsString());
  auto replay = market.idempotency.Recall<v1::Order>(scope, idempotency_key, fingerprint);
  if (!replay.ok()) return replay.status();
  if (replay.value()) return {std::move(*replay.value()), true};
  v1::Order order = *found.value();
  if (order.status() != v1::COMPLETED) {
    return Status(Code::kFailedPrecondition, "the order is " +
                                                 v1::OrderStatus_Name(order.status()) +
                                                 "; only completed orders can be refunded")
        .WithDetail("status", v1::OrderStatus_Name(order.status()));
  }
  std::int64_t amount = request.amount();
  if (amount <= 0) return InvalidField("amount must be greater than zero", "amount");
  std::int64_t refundable = order.total() - order.refunded();
  if (amount > refundable) {
    return Status(Code::kRefundExceedsPaid, "refunds would exceed what the buyer paid")
        .WithDetail("refundable", std::to_string(refundable));
  }
  // The ledger sequence makes the id unique and the same on every replica.
  std::string id = "o~" + order.id() + "~refund~" + std::to_string(context.ledger.next_sequence());
  auto moved = context.ledger.ApplyInternal(
      {MarketTransfer(id, AvailableAccount(order.merchant_id()), WalletAccount(order.buyer_id()),
                      amount, kCodeRefund)},
      context.now, &context.batch);
  if (!moved.ok()) return moved.status();
  order.set_refunded(order.refunded() + amount);
  v1::OrderEvent* event = order.add_timeline();
  event->set_event("REFUNDED");
  *event->mutable_at() = At(context.now);
  event->set_by(ActorName(Actor::kMerchant));
  event->set_amount(amount);
  market.orders.Put(order, &context.batch);
  market.idempotency.Remember(scope, idempotency_key, fingerprint, order, &context.batch);
  return order;
}

}  // namespace market4::engine

// Bank transfers paid by scanning an order's VietQR. The bank's statement service tells us of
// each credit to the collection account with its memo; the order is found by the payment code
// in the memo, however the buyer's bank mangled it (payment_code.h). The money then takes the
// path of a provider payment: bank -> wallet -> escrow in one unit, so the order is PAID as if
// paid from the wallet. A credit for an order that can no longer take it stays in the buyer's
// wallet; a credit with no code, an unknown code or the wrong amount waits for a person.
#include "engine/context.h"
#include "engine/ledger.h"
#include "engine/market.h"
#include "engine/orders.h"
#include "engine/payment_code.h"
#include "engine/rails.h"

namespace market4::engine {
namespace {

// The first code in the memo that names an order; a memo can hold look-alikes of codes.
Result<std::optional<std::string>> MatchOrder(Context& context, const std::string& memo) {
  for (const std::string& code : FindPaymentCodes(memo)) {
    auto owner = PaymentCodeOwner(context, code);
    if (!owner.ok()) return owner.status();
    if (!owner.value() || IsReferenceOf(*owner.value(), kRequestPrefix)) continue;
    auto order = context.market.orders.Find(*owner.value());
    if (!order.ok()) return order.status();
    if (order.value()) return owner;
  }
  return std::optional<std::string>();
}

EventEffect CreditWallet(Context& context, v1::Order& order, const v1::NewTransfer& credit) {
  auto moved = context.ledger.ApplyInternal({credit}, context.now, &context.batch);
  if (!moved.ok()) return LedgerRefused(moved.status());
  AddOrderEvent(order, "PAYMENT_CREDITED_TO_WALLET", Actor::kProvider, context.now,
                credit.amount());
  context.market.orders.Put(order, &context.batch);
  return Applied();
}

}  // namespace

Result<EventEffect> ApplyBankCredit(Context& context, v1::ProviderEvent& event) {
  if (FindPaymentCodes(event.memo()).empty()) return Exceptional("NO_PAYMENT_CODE");
  auto order_id = MatchOrder(context, event.memo());
  if (!order_id.ok()) return order_id.status();
  if (!order_id.value()) return Exceptional("UNKNOWN_PAYMENT_CODE");
  event.set_reference(*order_id.value());
  auto found = context.market.orders.Find(*order_id.value());
  if (!found.ok()) return found.status();
  v1::Order order = *found.value();
  v1::NewTransfer credit =
      MarketTransfer("bt~" + event.id(), ProviderAccount(event.provider()),
                     WalletAccount(order.buyer_id()), event.amount(), kCodeBankTransfer);
  if (order.status() != v1::PENDING_PAYMENT) return CreditWallet(context, order, credit);
  if (event.amount() != order.total()) return Exceptional("AMOUNT_MISMATCH");
  if (Status paid = PayOrder(context, order, &credit, Actor::kProvider); !paid.ok()) {
    return LedgerRefused(paid);
  }
  context.market.orders.Put(order, &context.batch);
  return Applied();
}

}  // namespace market4::engine

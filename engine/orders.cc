// Orders: the state machine from placing an order to its completion (see orders.h for the
// picture). Placing reserves stock and copies prices; paying holds the buyer's money in the
// merchant's escrow as a pending transfer; confirming posts it; cancelling voids it.
#include "engine/orders.h"

#include <algorithm>
#include <optional>
#include <set>

#include "common/money.h"
#include "engine/context.h"
#include "engine/ledger.h"
#include "engine/market.h"
#include "engine/rails.h"

namespace market4::engine {
namespace {

std::string PaymentId(const v1::Order& order) { return "o~" + order.id() + "~pay"; }

// Adds one line from `listing` to `order`, or says why it cannot be ordered.
Status AddLine(const v1::Listing& listing, std::int64_t quantity, v1::Order& order) {
  if (order.merchant_id().empty()) order.set_merchant_id(listing.merchant_id());
  if (order.merchant_id() != listing.merchant_id()) {
    return InvalidField("all items of an order come from one merchant", "items");
  }
  if (quantity <= 0 || quantity > kMaxQuantity) {
    return InvalidField("quantity must be 1.." + std::to_string(kMaxQuantity), "quantity");
  }
  if (quantity > listing.stock()) {
    return Status(Code::kOutOfStock, "not enough stock")
        .WithDetail("listing_id", listing.id())
        .WithDetail("stock", std::to_string(listing.stock()));
  }
  std::int64_t line = 0;
  std::int64_t total = 0;
  if (__builtin_mul_overflow(listing.price(), quantity, &line) ||
      __builtin_add_overflow(order.total(), line, &total)) {
    return Status(Code::kOverflow, "order total is too large");
  }
  order.set_total(total);
  v1::OrderItem* item = order.add_items();
  item->set_listing_id(listing.id());
  item->set_title(listing.title());
  item->set_unit(listing.unit());
  item->set_unit_price(listing.price());
  item->set_quantity(quantity);
  item->set_line_total(line);
  return Status::Ok();
}

// Prices from the listings as they are now; checks stock without taking it.
Result<v1::Order> BuildOrder(const PlaceOrder& c, Context& context) {
  Market& market = context.market;
  if (!market.buyers.count(c.buyer_id)) return NotFound("buyer", c.buyer_id);
  const auto& items = c.request.items();
  if (items.empty() || static_cast<std::size_t>(items.size()) > kMaxOrderItems) {
    return InvalidField("an order has 1 to " + std::to_string(kMaxOrderItems) + " items", "items");
  }
  auto existing = market.orders.Find(c.id);
  if (!existing.ok()) return existing.status();
  M4_ASSERT(IsValidId(c.id) && !existing.value(), "the gateway made a bad order id");
  v1::Order order;
  order.set_id(c.id);
  order.set_buyer_id(c.buyer_id);
  std::set<std::string> seen;
  for (const auto& item : items) {
    auto it = market.listings.find(item.listing_id());
    if (it == market.listings.end() || !it->second.active()) {
      return NotFound("listing", item.listing_id());
    }
    if (!seen.insert(it->first).second) return InvalidField("a listing appears twice", "items");
    if (Status s = AddLine(it->second, item.quantity(), order); !s.ok()) return s;
  }
  const MarketOptions& options = market.options;
  order.set_commission_bps(options.commission_bps);
  order.set_commission(static_cast<std::int64_t>(Wide(order.total()) * options.commission_bps /
                                                 kBasisPointsPerWhole));
  order.set_status(v1::PENDING_PAYMENT);
  *order.mutable_created_at() = At(context.now);
  *order.mutable_pay_by() = At(context.now + Nanos(options.pay_timeout));
  AddOrderEvent(order, "CREATED", Actor::kBuyer, context.now);
  return order;
}

// Moves `delta` units of each item's listing (negative takes, positive returns).
void MoveStock(Context& context, const v1::Order& order, int sign) {
  for (const auto& item : order.items()) {
    auto it = context.market.listings.find(item.listing_id());
    M4_ASSERT(it != context.market.listings.end(), "an order names a listing that is gone");
    v1::Listing listing = it->second;
    std::int64_t stock = listing.stock() + sign * item.quantity();
    M4_ASSERT(stock >= 0, "stock would go negative");
    // Returned units are never dropped, even if the merchant meanwhile set the stock to the
    // most a listing may be given: kMaxStock bounds what is set, not what comes back.
    listing.set_stock(stock);
    *listing.mutable_updated_at() = At(context.now);
    PutListing(context, listing);
  }
}

Status Ship(Context& context, v1::Order& order) {
  if (order.status() != v1::PAID) return WrongState(order, "only paid orders can be shipped");
  std::int64_t at = context.now + Nanos(context.market.options.auto_confirm_after);
  order.set_status(v1::SHIPPED);
  *order.mutable_auto_confirm_at() = At(at);
  context.market.timers.Schedule(Timer::kAutoConfirm, order.id(), at);
  AddOrderEvent(order, "SHIPPED", Actor::kMerchant, context.now);
  return Status::Ok();
}

Status Cancel(Context& context, v1::Order& order, Actor by) {
  std::int64_t returned = 0;
  if (order.status() == v1::PAID) {
    auto moved =
        context.ledger.ApplyInternal({VoidPending{PaymentId(order)}}, context.now, &context.batch);
    if (!moved.ok()) return moved.status();
    returned = order.total();
  } else if (order.status() == v1::PENDING_PAYMENT) {
    context.market.timers.Cancel(Timer::kPayDeadline, order.id());
  } else {
    return WrongState(order, "only orders not yet shipped can be cancelled");
  }
  MoveStock(context, order, +1);
  order.set_status(v1::CANCELLED);
  AddOrderEvent(order, "CANCELLED", by, context.now, returned);
  return Status::Ok();
}

Actor ActorOf(Role role) {
  switch (role) {
    case Role::kBuyer:
      return Actor::kBuyer;
    case Role::kMerchant:
      return Actor::kMerchant;
    default:
      return Actor::kOperator;
  }
}

// Pay and confirm are the buyer's, ship the merchant's; either party or an operator cancels.
bool MayAct(const Caller& caller, OrderAction action, const v1::Order& order) {
  bool buyer = caller.role == Role::kBuyer && order.buyer_id() == caller.id;
  bool merchant = caller.role == Role::kMerchant && order.merchant_id() == caller.id;
  switch (action) {
    case OrderAction::kPay:
    case OrderAction::kConfirm:
      return buyer;
    case OrderAction::kShip:
      return merchant;
    case OrderAction::kCancel:
      return buyer || merchant || caller.role == Role::kOperator;
  }
  return false;
}

Status Act(Context& context, v1::Order& order, const ActOnOrder& command) {
  const Caller& caller = command.caller;
  switch (command.action) {
    case OrderAction::kPay:
      if (!command.provider.empty()) {
        return StartProviderPayment(context, order, command.provider, command.payment_id);
      }
      return PayOrder(context, order, nullptr, Actor::kBuyer);
    case OrderAction::kShip:
      return Ship(context, order);
    case OrderAction::kConfirm:
      return SettleOrder(context, order, Actor::kBuyer);
    case OrderAction::kCancel:
      return Cancel(context, order, ActorOf(caller.role));
  }
  return Status(Code::kInternal, "unknown order action");
}

}  // namespace

Status WrongState(const v1::Order& order, const std::string& what) {
  return Status(Code::kFailedPrecondition,
                "the order is " + v1::OrderStatus_Name(order.status()) + "; " + what)
      .WithDetail("status", v1::OrderStatus_Name(order.status()));
}

void AddOrderEvent(v1::Order& order, const char* event, Actor by, std::int64_t now,
                   std::int64_t amount) {
  v1::OrderEvent* e = order.add_timeline();
  e->set_event(event);
  *e->mutable_at() = At(now);
  e->set_by(ActorName(by));
  e->set_amount(amount);
}

Status PayOrder(Context& context, v1::Order& order, const v1::NewTransfer* credit_first, Actor by) {
  if (order.status() != v1::PENDING_PAYMENT) {
    return WrongState(order, "only orders awaiting payment can be paid");
  }
  std::vector<Ledger::LedgerOp> ops;
  if (credit_first != nullptr) ops.push_back(*credit_first);
  ops.push_back(MarketTransfer(PaymentId(order), WalletAccount(order.buyer_id()),
                               EscrowAccount(order.merchant_id()), order.total(), kCodeOrderPayment,
                               true));
  auto moved = context.ledger.ApplyInternal(ops, context.now, &context.batch);
  if (!moved.ok()) return moved.status();
  context.market.timers.Cancel(Timer::kPayDeadline, order.id());
  order.set_status(v1::PAID);
  AddOrderEvent(order, "PAID", by, context.now, order.total());
  v1::MerchantEvent received;
  received.set_merchant_id(order.merchant_id());
  received.set_name("payment.received");
  received.set_kind("order");
  received.set_order_id(order.id());
  received.set_amount(order.total());
  received.set_buyer_name(context.market.buyers.at(order.buyer_id()).name());
  PublishMerchantEvent(context, std::move(received));
  return Status::Ok();
}

const char* ActorName(Actor actor) {
  switch (actor) {
    case Actor::kBuyer:
      return "buyer";
    case Actor::kMerchant:
      return "merchant";
    case Actor::kOperator:
      return "operator";
    case Actor::kProvider:
      return "provider";
    case Actor::kSystem:
      break;
  }
  return "system";
}

const char* ActionName(OrderAction action) {
  switch (action) {
    case OrderAction::kPay:
      return "pay";
    case OrderAction::kShip:
      return "ship";
    case OrderAction::kConfirm:
      return "confirm";
    case OrderAction::kCancel:
      break;
  }
  return "cancel";
}

namespace {

// Whole seconds to wait, at least one.
std::int64_t RoundUpSeconds(std::int64_t ns) {
  return std::max<std::int64_t>(1, (ns + 999'999'999) / 1'000'000'000);
}

// A buyer may hold only so much unpaid (market options max_unpaid_orders and
// max_unpaid_value): every unpaid order holds stock that real buyers cannot have. Refused
// with RATE_LIMITED and the seconds until the buyer's first unpaid order runs out of time,
// unless the order alone is over the value limit (then no wait helps).
Status CheckUnpaidLimits(const Context& context, const v1::Order& order) {
  const MarketOptions& options = context.market.options;
  if (options.max_unpaid_value > 0 && order.total() > options.max_unpaid_value) {
    return InvalidField("an order may hold at most " + std::to_string(options.max_unpaid_value) +
                            " dong before it is paid (max-unpaid-value); this one totals " +
                            std::to_string(order.total()),
                        "items");
  }
  if (options.max_unpaid_orders <= 0 && options.max_unpaid_value <= 0) return Status::Ok();
  OrderBook::Unpaid unpaid = context.market.orders.UnpaidOf(order.buyer_id());
  const char* limit = nullptr;
  if (options.max_unpaid_orders > 0 && unpaid.count >= options.max_unpaid_orders) {
    limit = "max-unpaid-orders";
  } else if (options.max_unpaid_value > 0 &&
             unpaid.total > options.max_unpaid_value - order.total()) {
    limit = "max-unpaid-value";
  }
  if (limit == nullptr) return Status::Ok();
  // An order whose payment a provider is still handling keeps its stock past its pay-by
  // time; then the honest wait is unknown, and a whole pay timeout is the guess.
  std::int64_t wait_ns = unpaid.first_pay_by_ns > context.now ? unpaid.first_pay_by_ns - context.now
                                                              : Nanos(options.pay_timeout);
  return Status(Code::kRateLimited, std::string("too many unpaid orders (") + limit +
                                        "): pay or cancel one, or wait for it to expire")
      .WithDetail("limit", limit)
      .WithDetail(std::string(kRetryAfterDetail), std::to_string(RoundUpSeconds(wait_ns)));
}

// What the buyer's wallet could pay now, without a provider.
std::int64_t WalletAvailable(const Context& context, const std::string& buyer_id) {
  const v1::AccountRecord* wallet = context.ledger.FindAccount(WalletAccount(buyer_id));
  if (wallet == nullptr) return 0;
  Wide available =
      Wide(wallet->credits_posted()) - wallet->debits_posted() - wallet->debits_pending();
  return available <= 0 ? 0 : static_cast<std::int64_t>(std::min<Wide>(available, INT64_MAX));
}

// One buyer's unpaid orders may hold at most max_unpaid_share percent of a listing's units
// (at least one unit): what it has now plus what the buyer already holds. So buyers who
// never pay take a shrinking share each, and a cheap listing, whose whole stock is worth less
// than max_unpaid_value, cannot be emptied by one of them. A buyer whose wallet already
// covers every unpaid order, this one included, may hold more: that order can be paid now.
Status CheckStockShare(const Context& context, const v1::Order& order) {
  const MarketOptions& options = context.market.options;
  if (options.max_unpaid_share <= 0) return Status::Ok();
  const OrderBook& orders = context.market.orders;
  std::optional<bool> covered;  // looked up once, only when some line is over its share
  for (const auto& item : order.items()) {
    OrderBook::Held held = orders.HeldBy(order.buyer_id(), item.listing_id());
    std::int64_t stock = context.market.listings.at(item.listing_id()).stock();
    Wide share = (Wide(stock) + held.units) * options.max_unpaid_share / 100;
    std::int64_t cap = static_cast<std::int64_t>(std::max<Wide>(1, share));
    if (held.units + item.quantity() <= cap) continue;
    if (!covered) {
      Wide owed = Wide(orders.UnpaidOf(order.buyer_id()).total) + order.total();
      covered = owed <= WalletAvailable(context, order.buyer_id());
    }
    if (*covered) return Status::Ok();
    std::string what = "one buyer's unpaid orders may hold at most " + std::to_string(cap) +
                       " of this listing's " + std::to_string(stock + held.units) +
                       " units (max-unpaid-share)";
    if (held.units == 0) {
      return InvalidField(what + "; order fewer, or top up the wallet to pay at once", "items")
          .WithDetail("listing_id", item.listing_id())
          .WithDetail("limit", "max-unpaid-share");
    }
    std::int64_t wait_ns = held.first_pay_by_ns > context.now ? held.first_pay_by_ns - context.now
                                                              : Nanos(options.pay_timeout);
    return Status(Code::kRateLimited, what + ": pay for them first, or wait for them to expire")
        .WithDetail("listing_id", item.listing_id())
        .WithDetail("limit", "max-unpaid-share")
        .WithDetail(std::string(kRetryAfterDetail), std::to_string(RoundUpSeconds(wait_ns)));
  }
  return Status::Ok();
}

}  // namespace

Answer<v1::Order> PlaceOrder::Apply(Context& context) const {
  if (idempotency_key.empty()) return KeyRequired();
  Market& market = context.market;
  const std::string scope = CallerScope({Role::kBuyer, buyer_id});
  const std::string fingerprint = Fingerprint("order", "", request.SerializeAsString());
  auto replay = market.idempotency.Recall<v1::Order>(scope, idempotency_key, fingerprint);
  if (!replay.ok()) return replay.status();
  if (replay.value()) return {std::move(*replay.value()), true};
  auto order = BuildOrder(*this, context);
  if (!order.ok()) return order.status();
  if (Status s = CheckUnpaidLimits(context, order.value()); !s.ok()) return s;
  if (Status s = CheckStockShare(context, order.value()); !s.ok()) return s;
  MoveStock(context, order.value(), -1);
  order->set_payment_code(ClaimPaymentCode(context, id, id));
  market.orders.Index(order.value(), &context.batch);
  market.timers.Schedule(Timer::kPayDeadline, id, Nanos(order->pay_by()));
  market.orders.Put(order.value(), &context.batch);
  market.idempotency.Remember(scope, idempotency_key, fingerprint, order.value(), &context.batch);
  return std::move(order).value();
}

Answer<v1::Order> ActOnOrder::Apply(Context& context) const {
  Market& market = context.market;
  auto found = market.orders.Find(order_id);
  if (!found.ok()) return found.status();
  if (!found.value() || !MayAct(caller, action, *found.value())) {
    return NotFound("order", order_id);
  }
  // With a key, a retry gets the first answer rather than "already in that state".
  const std::string scope = CallerScope(caller);
  const std::string fingerprint = Fingerprint(ActionName(action), order_id, provider);
  if (!idempotency_key.empty()) {
    auto replay = market.idempotency.Recall<v1::Order>(scope, idempotency_key, fingerprint);
    if (!replay.ok()) return replay.status();
    if (replay.value()) return {std::move(*replay.value()), true};
  }
  v1::Order order = *found.value();
  if (Status s = Act(context, order, *this); !s.ok()) return s;
  market.orders.Put(order, &context.batch);
  if (!idempotency_key.empty()) {
    market.idempotency.Remember(scope, idempotency_key, fingerprint, order, &context.batch);
  }
  return order;
}

Status SettleOrder(Context& context, v1::Order& order, Actor by) {
  if (order.status() != v1::SHIPPED) {
    return WrongState(order, "only shipped orders can be confirmed");
  }
  std::vector<Ledger::LedgerOp> ops = {PostPending{PaymentId(order), std::nullopt}};
  std::int64_t share = order.total() - order.commission();
  const std::string escrow = EscrowAccount(order.merchant_id());
  if (share > 0) {
    ops.push_back(MarketTransfer("o~" + order.id() + "~settle", escrow,
                                 AvailableAccount(order.merchant_id()), share,
                                 kCodeOrderSettlement));
  }
  if (order.commission() > 0) {
    ops.push_back(MarketTransfer("o~" + order.id() + "~fee", escrow, kFeesAccount,
                                 order.commission(), kCodeCommission));
  }
  auto moved = context.ledger.ApplyInternal(ops, context.now, &context.batch);
  if (!moved.ok()) return moved.status();
  context.market.timers.Cancel(Timer::kAutoConfirm, order.id());
  order.set_status(v1::COMPLETED);
  AddOrderEvent(order, by == Actor::kSystem ? "AUTO_COMPLETED" : "COMPLETED", by, context.now,
                order.total());
  return Status::Ok();
}

void ExpireOrder(Context& context, v1::Order& order) {
  MoveStock(context, order, +1);
  order.set_status(v1::EXPIRED);
  AddOrderEvent(order, "EXPIRED", Actor::kSystem, context.now);
}

}  // namespace market4::engine

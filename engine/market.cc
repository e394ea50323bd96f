#include "engine/market.h"

#include <google/protobuf/util/time_util.h>
#include <spdlog/spdlog.h>

#include "engine/text.h"
#include "storage/keys.h"

namespace market4::engine {
namespace {

using storage::Family;
using TimeUtil = google::protobuf::util::TimeUtil;
__extension__ typedef __int128 Wide;

constexpr char kMetaOrderNumber[] = "order_number";
constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
constexpr std::int64_t kBasisPoints = 10'000;
constexpr std::int64_t kAutoConfirmRetryNanos = 3600 * kNanosPerSecond;

Status NotFound(const std::string& what, const std::string& id) {
  return Status(Code::kNotFound, "no " + what + " with this id").WithDetail(what + "_id", id);
}

Status Invalid(const std::string& message, const std::string& field) {
  return Status(Code::kInvalidArgument, message).WithDetail("field", field);
}

Status WrongState(const v1::Order& order, const std::string& what) {
  return Status(Code::kFailedPrecondition,
                "the order is " + v1::OrderStatus_Name(order.status()) + "; " + what)
      .WithDetail("status", v1::OrderStatus_Name(order.status()));
}

// Phone numbers: 8 to 15 digits, an optional leading '+'.
Status CheckPhone(const std::string& phone) {
  std::size_t digits = 0;
  for (std::size_t i = 0; i < phone.size(); ++i) {
    bool plus = i == 0 && phone[i] == '+';
    if (!plus && (phone[i] < '0' || phone[i] > '9')) {
      return Invalid("phone must be digits, optionally starting with +", "phone");
    }
    digits += plus ? 0 : 1;
  }
  if (digits < 8 || digits > 15) return Invalid("phone must have 8 to 15 digits", "phone");
  return Status::Ok();
}

Status CheckPrice(std::int64_t price) {
  if (price <= 0 || price > kMaxPrice) return Invalid("price must be 1..10^12 dong", "price");
  return Status::Ok();
}

Status CheckStock(std::int64_t stock) {
  if (stock < 0 || stock > kMaxStock) return Invalid("stock must be 0..10^9", "stock");
  return Status::Ok();
}

std::string IdempotencyKey(const char* operation, const std::string& caller,
                           const std::string& key) {
  return std::string(operation) + '\x1f' + caller + '\x1f' + key;
}

google::protobuf::Timestamp At(std::int64_t ns) { return TimeUtil::NanosecondsToTimestamp(ns); }

void AddEvent(v1::Order& order, const char* event, const char* by, std::int64_t now,
              std::int64_t amount = 0) {
  v1::OrderEvent* e = order.add_timeline();
  e->set_event(event);
  *e->mutable_at() = At(now);
  e->set_by(by);
  e->set_amount(amount);
}

v1::NewTransfer Movement(std::string id, std::string debit, std::string credit, std::int64_t amount,
                         std::uint32_t code, bool pending = false) {
  v1::NewTransfer t;
  t.set_id(std::move(id));
  t.set_debit_account_id(std::move(debit));
  t.set_credit_account_id(std::move(credit));
  t.set_amount(amount);
  t.set_code(code);
  t.set_pending(pending);
  return t;
}

std::string PaymentId(const v1::Order& order) { return "o~" + order.id() + "~pay"; }

bool IsOpen(v1::OrderStatus status) {
  return status == v1::PENDING_PAYMENT || status == v1::PAID || status == v1::SHIPPED;
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
      return "cancel";
  }
  return "act";
}

const char* RoleName(Role role) {
  switch (role) {
    case Role::kMerchant:
      return "merchant";
    case Role::kBuyer:
      return "buyer";
    case Role::kOperator:
      return "operator";
    default:
      return "nobody";
  }
}

// Idempotency keys belong to whoever sent them.
std::string CallerScope(const Caller& caller) {
  return std::string(RoleName(caller.role)) + ":" + caller.id;
}

template <typename Message>
Outcome Reply(const Message& message) {
  Outcome out;
  out.message = std::make_shared<Message>(message);
  return out;
}

template <typename Record>
Status LoadAll(storage::Store* store, Family family, std::map<std::string, Record>* into) {
  Status problem;
  Status s = store->Scan(family, "", false, std::nullopt,
                         [&](std::string_view key, std::string_view value) {
                           Record record;
                           if (!record.ParseFromArray(value.data(), int(value.size()))) {
                             problem = Status(Code::kInternal, "corrupt record in storage");
                             return false;
                           }
                           into->emplace(std::string(key), std::move(record));
                           return true;
                         });
  return s.ok() ? problem : s;
}

}  // namespace

std::string WalletAccount(const std::string& buyer_id) { return buyer_id + ".wallet"; }
std::string AvailableAccount(const std::string& merchant_id) { return merchant_id + ".available"; }
std::string EscrowAccount(const std::string& merchant_id) { return merchant_id + ".escrow"; }

Status Market::Load(std::int64_t now_ns, storage::Batch* batch) {
  for (Status s : {LoadAll(store_, Family::kMerchants, &merchants_),
                   LoadAll(store_, Family::kBuyers, &buyers_),
                   LoadAll(store_, Family::kListings, &listings_), LoadOpenOrders()}) {
    if (!s.ok()) return s;
  }
  for (const auto& [id, order] : orders_) {
    if (order.status() == v1::PENDING_PAYMENT) {
      pay_deadlines_.emplace(TimeUtil::TimestampToNanoseconds(order.pay_by()), id);
    } else if (order.status() == v1::SHIPPED) {
      auto_confirms_.emplace(TimeUtil::TimestampToNanoseconds(order.auto_confirm_at()), id);
    }
  }
  auto number = store_->Get(Family::kMeta, kMetaOrderNumber);
  if (!number.ok()) return number.status();
  if (number.value()) order_number_ = storage::DecodeSequence(*number.value()).value_or(0);
  if (Status s = ledger_->OpenAccount(kFeesAccount, true, now_ns, batch); !s.ok()) return s;
  return ledger_->OpenAccount(kCashDeskAccount, false, now_ns, batch);
}

// Only orders still in play are kept in memory; the open_orders index finds them without
// reading the whole order history.
Status Market::LoadOpenOrders() {
  Status problem;
  Status s = store_->Scan(
      Family::kOpenOrders, "", false, std::nullopt, [&](std::string_view id, std::string_view) {
        auto found = FindOrder(std::string(id));
        if (!found.ok() || !found.value()) {
          problem = Status(Code::kInternal, "open order index points at nothing");
          return false;
        }
        return true;
      });
  closed_in_batch_.clear();
  return s.ok() ? problem : s;
}

bool Market::Handles(const Command& command) {
  return std::holds_alternative<CreateMerchant>(command) ||
         std::holds_alternative<CreateBuyer>(command) ||
         std::holds_alternative<MakeDeposit>(command) ||
         std::holds_alternative<CreateListing>(command) ||
         std::holds_alternative<UpdateListing>(command) ||
         std::holds_alternative<DelistListing>(command) ||
         std::holds_alternative<PlaceOrder>(command) ||
         std::holds_alternative<ActOnOrder>(command) ||
         std::holds_alternative<RefundOrder>(command);
}

Outcome Market::Apply(const Command& command, std::int64_t now_ns, storage::Batch* batch) {
  return std::visit(
      [&](const auto& c) -> Outcome {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, CreateMerchant> || std::is_same_v<T, CreateBuyer> ||
                      std::is_same_v<T, MakeDeposit> || std::is_same_v<T, CreateListing> ||
                      std::is_same_v<T, UpdateListing> || std::is_same_v<T, DelistListing> ||
                      std::is_same_v<T, PlaceOrder> || std::is_same_v<T, ActOnOrder> ||
                      std::is_same_v<T, RefundOrder>) {
          return Handle(c, now_ns, batch);
        } else {
          return Status(Code::kInternal, "not a market command");
        }
      },
      command);
}

Outcome Market::Handle(const CreateMerchant& c, std::int64_t now, storage::Batch* batch) {
  const auto& r = c.request;
  for (Status s : {CheckText(r.name(), {"name", 200}), CheckPhone(r.phone()),
                   CheckText(r.location(), {"location", 200})}) {
    if (!s.ok()) return s;
  }
  if (!IsValidId(AvailableAccount(c.id)) || !IsValidId(EscrowAccount(c.id)) ||
      merchants_.count(c.id)) {
    return Status(Code::kInternal, "bad new id");
  }
  v1::Merchant merchant;
  merchant.set_id(c.id);
  merchant.set_name(r.name());
  merchant.set_phone(r.phone());
  merchant.set_location(r.location());
  *merchant.mutable_created_at() = At(now);
  if (Status s = ledger_->OpenAccount(AvailableAccount(c.id), true, now, batch); !s.ok()) return s;
  if (Status s = ledger_->OpenAccount(EscrowAccount(c.id), true, now, batch); !s.ok()) return s;
  batch->Put(Family::kMerchants, c.id, merchant.SerializeAsString());
  PutToken(c.token_hash, "merchant", c.id, batch);
  merchants_[c.id] = merchant;
  return Reply(merchant);
}

Outcome Market::Handle(const CreateBuyer& c, std::int64_t now, storage::Batch* batch) {
  for (Status s : {CheckText(c.request.name(), {"name", 200}), CheckPhone(c.request.phone())}) {
    if (!s.ok()) return s;
  }
  if (!IsValidId(WalletAccount(c.id)) || buyers_.count(c.id)) {
    return Status(Code::kInternal, "bad new id");
  }
  v1::Buyer buyer;
  buyer.set_id(c.id);
  buyer.set_name(c.request.name());
  buyer.set_phone(c.request.phone());
  *buyer.mutable_created_at() = At(now);
  if (Status s = ledger_->OpenAccount(WalletAccount(c.id), true, now, batch); !s.ok()) return s;
  batch->Put(Family::kBuyers, c.id, buyer.SerializeAsString());
  PutToken(c.token_hash, "buyer", c.id, batch);
  buyers_[c.id] = buyer;
  return Reply(buyer);
}

Outcome Market::Handle(const MakeDeposit& c, std::int64_t now, storage::Batch* batch) {
  if (c.idempotency_key.empty())
    return Invalid("an Idempotency-Key is required", "Idempotency-Key");
  // Deposits are the operator's: the key is the operator's, the buyer part of the request.
  const std::string key = IdempotencyKey("deposit", "operator:", c.idempotency_key);
  const std::string request = c.buyer_id + '\x1f' + c.request.SerializeAsString();
  Outcome replay;
  if (Status s = Recall(key, request, v1::Deposit(), &replay); !s.ok() || replay.replayed) {
    return s.ok() ? replay : Outcome(s);
  }
  if (!buyers_.count(c.buyer_id)) return NotFound("buyer", c.buyer_id);
  if (c.request.amount() <= 0) return Invalid("amount must be greater than zero", "amount");
  std::string id = "d~" + std::to_string(ledger_->next_sequence());
  auto moved = ledger_->ApplyInternal(
      {Movement(id, kCashDeskAccount, WalletAccount(c.buyer_id), c.request.amount(), kCodeDeposit)},
      now, batch);
  if (!moved.ok()) return moved.status();
  v1::Deposit deposit;
  deposit.set_buyer_id(c.buyer_id);
  deposit.set_amount(c.request.amount());
  deposit.set_transfer_id(id);
  *deposit.mutable_created_at() = At(now);
  Remember(key, request, deposit, batch);
  return Reply(deposit);
}

Outcome Market::Handle(const CreateListing& c, std::int64_t now, storage::Batch* batch) {
  const auto& r = c.request;
  for (Status s :
       {CheckText(r.title(), {"title", 200}),
        CheckText(r.description(), {"description", 2000, false, true}),
        CheckText(r.category(), {"category", 64, false}), CheckText(r.unit(), {"unit", 32}),
        CheckPrice(r.price()), CheckStock(r.stock())}) {
    if (!s.ok()) return s;
  }
  if (!merchants_.count(c.merchant_id)) return NotFound("merchant", c.merchant_id);
  if (!IsValidId(c.id) || listings_.count(c.id)) return Status(Code::kInternal, "bad new id");
  v1::Listing listing;
  listing.set_id(c.id);
  listing.set_merchant_id(c.merchant_id);
  listing.set_title(r.title());
  listing.set_description(r.description());
  listing.set_category(r.category());
  listing.set_unit(r.unit());
  listing.set_price(r.price());
  listing.set_stock(r.stock());
  listing.set_active(true);
  *listing.mutable_created_at() = At(now);
  *listing.mutable_updated_at() = At(now);
  PutListing(listing, batch);
  return Reply(listing);
}

Outcome Market::Handle(const UpdateListing& c, std::int64_t now, storage::Batch* batch) {
  auto it = listings_.find(c.listing_id);
  if (it == listings_.end() || it->second.merchant_id() != c.merchant_id) {
    return NotFound("listing", c.listing_id);
  }
  const auto& r = c.request;
  if (!r.has_title() && !r.has_description() && !r.has_price() && !r.has_stock() &&
      !r.has_active() && !r.has_category() && !r.has_unit()) {
    return Invalid("nothing to change", "body");
  }
  v1::Listing listing = it->second;
  for (Status s :
       {r.has_title() ? CheckText(r.title(), {"title", 200}) : Status(),
        r.has_description() ? CheckText(r.description(), {"description", 2000, false, true})
                            : Status(),
        r.has_category() ? CheckText(r.category(), {"category", 64, false}) : Status(),
        r.has_unit() ? CheckText(r.unit(), {"unit", 32}) : Status(),
        r.has_price() ? CheckPrice(r.price()) : Status(),
        r.has_stock() ? CheckStock(r.stock()) : Status()}) {
    if (!s.ok()) return s;
  }
  if (r.has_title()) listing.set_title(r.title());
  if (r.has_description()) listing.set_description(r.description());
  if (r.has_category()) listing.set_category(r.category());
  if (r.has_unit()) listing.set_unit(r.unit());
  if (r.has_price()) listing.set_price(r.price());
  if (r.has_stock()) listing.set_stock(r.stock());
  if (r.has_active()) listing.set_active(r.active());
  *listing.mutable_updated_at() = At(now);
  PutListing(listing, batch);
  return Reply(listing);
}

Outcome Market::Handle(const DelistListing& c, std::int64_t now, storage::Batch* batch) {
  auto it = listings_.find(c.listing_id);
  if (it == listings_.end() || it->second.merchant_id() != c.merchant_id) {
    return NotFound("listing", c.listing_id);
  }
  v1::Listing listing = it->second;
  listing.set_active(false);
  *listing.mutable_updated_at() = At(now);
  PutListing(listing, batch);
  return Reply(listing);
}

Outcome Market::Handle(const PlaceOrder& c, std::int64_t now, storage::Batch* batch) {
  if (c.idempotency_key.empty())
    return Invalid("an Idempotency-Key is required", "Idempotency-Key");
  const std::string key = IdempotencyKey("order", c.buyer_id, c.idempotency_key);
  const std::string request = c.request.SerializeAsString();
  Outcome replay;
  if (Status s = Recall(key, request, v1::Order(), &replay); !s.ok() || replay.replayed) {
    return s.ok() ? replay : Outcome(s);
  }
  auto built = BuildOrder(c, now);
  if (!built.ok()) return built.status();
  v1::Order& order = built.value();
  for (const auto& item : order.items()) {
    v1::Listing listing = listings_.at(item.listing_id());
    listing.set_stock(listing.stock() - item.quantity());
    *listing.mutable_updated_at() = At(now);
    PutListing(listing, batch);
  }
  ++order_number_;
  for (const std::string& owner :
       {std::string("a"), "b" + order.buyer_id(), "m" + order.merchant_id()}) {
    batch->Put(Family::kOrderIndex, storage::IndexKey(owner, order_number_), order.id());
  }
  batch->Put(Family::kMeta, kMetaOrderNumber, storage::EncodeSequence(order_number_));
  pay_deadlines_.emplace(TimeUtil::TimestampToNanoseconds(order.pay_by()), order.id());
  PutOrder(order, batch);
  Remember(key, request, order, batch);
  return Reply(order);
}

// Prices from the listings as they are now; checks stock without taking it.
Result<v1::Order> Market::BuildOrder(const PlaceOrder& c, std::int64_t now) {
  if (!buyers_.count(c.buyer_id)) return NotFound("buyer", c.buyer_id);
  const auto& items = c.request.items();
  if (items.empty() || static_cast<std::size_t>(items.size()) > kMaxOrderItems) {
    return Invalid("an order has 1 to 50 items", "items");
  }
  auto existing = FindOrder(c.id);
  if (!existing.ok()) return existing.status();
  if (!IsValidId(c.id) || existing.value()) return Status(Code::kInternal, "bad new id");
  v1::Order order;
  order.set_id(c.id);
  order.set_buyer_id(c.buyer_id);
  std::int64_t total = 0;
  std::set<std::string> seen;
  for (const auto& item : items) {
    auto it = listings_.find(item.listing_id());
    if (it == listings_.end() || !it->second.active())
      return NotFound("listing", item.listing_id());
    const v1::Listing& listing = it->second;
    if (!seen.insert(listing.id()).second) return Invalid("a listing appears twice", "items");
    if (order.merchant_id().empty()) order.set_merchant_id(listing.merchant_id());
    if (order.merchant_id() != listing.merchant_id()) {
      return Invalid("all items of an order come from one merchant", "items");
    }
    if (item.quantity() <= 0 || item.quantity() > kMaxQuantity) {
      return Invalid("quantity must be 1..1000000", "quantity");
    }
    if (item.quantity() > listing.stock()) {
      return Status(Code::kOutOfStock, "not enough stock")
          .WithDetail("listing_id", listing.id())
          .WithDetail("stock", std::to_string(listing.stock()));
    }
    std::int64_t line = 0;
    if (__builtin_mul_overflow(listing.price(), item.quantity(), &line) ||
        __builtin_add_overflow(total, line, &total)) {
      return Status(Code::kOverflow, "order total is too large");
    }
    v1::OrderItem* out = order.add_items();
    out->set_listing_id(listing.id());
    out->set_title(listing.title());
    out->set_unit(listing.unit());
    out->set_unit_price(listing.price());
    out->set_quantity(item.quantity());
    out->set_line_total(line);
  }
  order.set_total(total);
  order.set_commission_bps(options_.commission_bps);
  order.set_commission(
      static_cast<std::int64_t>(Wide(total) * options_.commission_bps / kBasisPoints));
  order.set_status(v1::PENDING_PAYMENT);
  *order.mutable_created_at() = At(now);
  *order.mutable_pay_by() = At(now + options_.pay_timeout.count() * kNanosPerSecond);
  AddEvent(order, "CREATED", "buyer", now);
  return order;
}

Outcome Market::Handle(const ActOnOrder& c, std::int64_t now, storage::Batch* batch) {
  auto lookup = FindOrder(c.order_id);
  if (!lookup.ok()) return lookup.status();
  const v1::Order* found = lookup.value();
  bool buyer = found && c.caller.role == Role::kBuyer && found->buyer_id() == c.caller.id;
  bool merchant = found && c.caller.role == Role::kMerchant && found->merchant_id() == c.caller.id;
  bool allowed =
      (c.caller.role == Role::kOperator && c.action == OrderAction::kCancel) || buyer || merchant;
  if (c.action == OrderAction::kPay || c.action == OrderAction::kConfirm) allowed = buyer;
  if (c.action == OrderAction::kShip) allowed = merchant;
  if (!found || !allowed) return NotFound("order", c.order_id);
  // With a key, a retry gets the first answer rather than "already in that state".
  const std::string key =
      IdempotencyKey(ActionName(c.action), CallerScope(c.caller), c.idempotency_key);
  if (!c.idempotency_key.empty()) {
    Outcome replay;
    if (Status s = Recall(key, c.order_id, v1::Order(), &replay); !s.ok() || replay.replayed) {
      return s.ok() ? replay : Outcome(s);
    }
  }
  v1::Order order = *found;
  Status s;
  switch (c.action) {
    case OrderAction::kPay:
      s = Pay(order, now, batch);
      break;
    case OrderAction::kShip:
      s = Ship(order, now);
      break;
    case OrderAction::kConfirm:
      s = Settle(order, "buyer", now, batch);
      break;
    case OrderAction::kCancel:
      s = Cancel(order, RoleName(c.caller.role), now, batch);
      break;
  }
  if (!s.ok()) return s;
  PutOrder(order, batch);
  if (!c.idempotency_key.empty()) Remember(key, c.order_id, order, batch);
  return Reply(order);
}

Status Market::Pay(v1::Order& order, std::int64_t now, storage::Batch* batch) {
  if (order.status() != v1::PENDING_PAYMENT) {
    return WrongState(order, "only orders awaiting payment can be paid");
  }
  auto moved = ledger_->ApplyInternal(
      {Movement(PaymentId(order), WalletAccount(order.buyer_id()),
                EscrowAccount(order.merchant_id()), order.total(), kCodeOrderPayment, true)},
      now, batch);
  if (!moved.ok()) return moved.status();
  pay_deadlines_.erase({TimeUtil::TimestampToNanoseconds(order.pay_by()), order.id()});
  order.set_status(v1::PAID);
  AddEvent(order, "PAID", "buyer", now, order.total());
  return Status::Ok();
}

Status Market::Ship(v1::Order& order, std::int64_t now) {
  if (order.status() != v1::PAID) return WrongState(order, "only paid orders can be shipped");
  std::int64_t at = now + options_.auto_confirm_after.count() * kNanosPerSecond;
  order.set_status(v1::SHIPPED);
  *order.mutable_auto_confirm_at() = At(at);
  auto_confirms_.emplace(at, order.id());
  AddEvent(order, "SHIPPED", "merchant", now);
  return Status::Ok();
}

// Releases the escrow atomically: the payment is posted, the merchant gets total - fee and
// the platform the fee.
Status Market::Settle(v1::Order& order, const char* by, std::int64_t now, storage::Batch* batch) {
  if (order.status() != v1::SHIPPED) {
    return WrongState(order, "only shipped orders can be confirmed");
  }
  std::vector<Ledger::LedgerOp> ops = {PostPending{PaymentId(order), std::nullopt}};
  std::int64_t share = order.total() - order.commission();
  const std::string escrow = EscrowAccount(order.merchant_id());
  if (share > 0) {
    ops.push_back(Movement("o~" + order.id() + "~settle", escrow,
                           AvailableAccount(order.merchant_id()), share, kCodeOrderSettlement));
  }
  if (order.commission() > 0) {
    ops.push_back(Movement("o~" + order.id() + "~fee", escrow, kFeesAccount, order.commission(),
                           kCodeCommission));
  }
  auto moved = ledger_->ApplyInternal(ops, now, batch);
  if (!moved.ok()) return moved.status();
  auto_confirms_.erase({TimeUtil::TimestampToNanoseconds(order.auto_confirm_at()), order.id()});
  order.set_status(v1::COMPLETED);
  AddEvent(order, std::string(by) == "system" ? "AUTO_COMPLETED" : "COMPLETED", by, now,
           order.total());
  return Status::Ok();
}

Status Market::Cancel(v1::Order& order, const char* by, std::int64_t now, storage::Batch* batch) {
  if (order.status() == v1::PAID) {
    auto moved = ledger_->ApplyInternal({VoidPending{PaymentId(order)}}, now, batch);
    if (!moved.ok()) return moved.status();
  } else if (order.status() == v1::PENDING_PAYMENT) {
    pay_deadlines_.erase({TimeUtil::TimestampToNanoseconds(order.pay_by()), order.id()});
  } else {
    return WrongState(order, "only orders not yet shipped can be cancelled");
  }
  std::int64_t returned = order.status() == v1::PAID ? order.total() : 0;
  ReleaseStock(order, now, batch);
  order.set_status(v1::CANCELLED);
  AddEvent(order, "CANCELLED", by, now, returned);
  return Status::Ok();
}

void Market::ReleaseStock(const v1::Order& order, std::int64_t now, storage::Batch* batch) {
  for (const auto& item : order.items()) {
    auto it = listings_.find(item.listing_id());
    if (it == listings_.end()) continue;
    v1::Listing listing = it->second;
    listing.set_stock(std::min(kMaxStock, listing.stock() + item.quantity()));
    *listing.mutable_updated_at() = At(now);
    PutListing(listing, batch);
  }
}

Outcome Market::Handle(const RefundOrder& c, std::int64_t now, storage::Batch* batch) {
  // A refund moves money and is not naturally idempotent: a key is required.
  if (c.idempotency_key.empty()) {
    return Invalid("an Idempotency-Key is required", "Idempotency-Key");
  }
  auto lookup = FindOrder(c.order_id);
  if (!lookup.ok()) return lookup.status();
  const v1::Order* found = lookup.value();
  if (!found || found->merchant_id() != c.merchant_id) return NotFound("order", c.order_id);
  const std::string key = IdempotencyKey("refund", "merchant:" + c.merchant_id, c.idempotency_key);
  const std::string request = c.order_id + '\x1f' + c.request.SerializeAsString();
  Outcome replay;
  if (Status s = Recall(key, request, v1::Order(), &replay); !s.ok() || replay.replayed) {
    return s.ok() ? replay : Outcome(s);
  }
  v1::Order order = *found;
  std::int64_t amount = c.request.amount();
  if (order.status() != v1::COMPLETED)
    return WrongState(order, "only completed orders can be refunded");
  if (amount <= 0) return Invalid("amount must be greater than zero", "amount");
  if (amount > order.total() - order.refunded()) {
    return Status(Code::kRefundExceedsPaid, "refunds would exceed what the buyer paid")
        .WithDetail("refundable", std::to_string(order.total() - order.refunded()));
  }
  int refunds = 0;
  for (const auto& e : order.timeline()) refunds += e.event() == "REFUNDED" ? 1 : 0;
  std::string id = "o~" + order.id() + "~refund~" + std::to_string(refunds + 1);
  auto moved =
      ledger_->ApplyInternal({Movement(id, AvailableAccount(order.merchant_id()),
                                       WalletAccount(order.buyer_id()), amount, kCodeRefund)},
                             now, batch);
  if (!moved.ok()) return moved.status();
  order.set_refunded(order.refunded() + amount);
  AddEvent(order, "REFUNDED", "merchant", now, amount);
  PutOrder(order, batch);
  Remember(key, request, order, batch);
  return Reply(order);
}

void Market::Tick(std::int64_t now_ns, storage::Batch* batch) {
  while (!pay_deadlines_.empty() && pay_deadlines_.begin()->first <= now_ns) {
    std::string id = pay_deadlines_.begin()->second;
    pay_deadlines_.erase(pay_deadlines_.begin());
    v1::Order order = *FindOrder(id).value();
    ReleaseStock(order, now_ns, batch);
    order.set_status(v1::EXPIRED);
    AddEvent(order, "EXPIRED", "system", now_ns);
    PutOrder(order, batch);
  }
  std::vector<std::pair<std::int64_t, std::string>> retry;
  while (!auto_confirms_.empty() && auto_confirms_.begin()->first <= now_ns) {
    auto [at, id] = *auto_confirms_.begin();
    v1::Order order = *FindOrder(id).value();
    if (Status s = Settle(order, "system", now_ns, batch); !s.ok()) {
      // Settling moves only money the escrow holds, so a rule can refuse it only when an
      // operator's own transfers pushed an account to its limit. Keep the order SHIPPED and
      // try again later rather than stop the market; a broken ledger is another matter.
      if (s.code() == Code::kInternal) {
        std::fprintf(stderr, "market4: auto-confirm failed: %s\n", s.ToString().c_str());
        std::abort();
      }
      spdlog::error("auto-confirm of order {} refused, retrying in an hour: {}", id, s.ToString());
      auto_confirms_.erase(auto_confirms_.begin());
      retry.emplace_back(now_ns + kAutoConfirmRetryNanos, id);
      continue;
    }
    PutOrder(order, batch);
  }
  auto_confirms_.insert(retry.begin(), retry.end());
}

void Market::OnCommitted() {
  uncommitted_idempotency_.clear();
  for (const auto& id : closed_in_batch_) {
    auto it = orders_.find(id);
    if (it != orders_.end() && !IsOpen(it->second.status())) orders_.erase(it);
  }
  closed_in_batch_.clear();
}

Status Market::Recall(const std::string& key, const std::string& request,
                      const google::protobuf::Message& prototype, Outcome* out) {
  v1::IdempotencyRecord record;
  if (auto it = uncommitted_idempotency_.find(key); it != uncommitted_idempotency_.end()) {
    record = it->second;
  } else {
    auto stored = store_->Get(Family::kIdempotency, key);
    if (!stored.ok()) return stored.status();
    if (!stored.value()) return Status::Ok();
    if (!record.ParseFromString(*stored.value())) {
      return Status(Code::kInternal, "corrupt idempotency record");
    }
  }
  if (record.request() != request) {
    return Status(Code::kIdempotencyConflict,
                  "this Idempotency-Key was used for a different request");
  }
  std::shared_ptr<google::protobuf::Message> response(prototype.New());
  if (!response->ParseFromString(record.response())) {
    return Status(Code::kInternal, "corrupt idempotency record");
  }
  out->replayed = true;
  out->message = std::move(response);
  return Status::Ok();
}

void Market::Remember(const std::string& key, const std::string& request,
                      const google::protobuf::Message& response, storage::Batch* batch) {
  v1::IdempotencyRecord record;
  record.set_version(1);
  record.set_request(request);
  record.set_response(response.SerializeAsString());
  batch->Put(Family::kIdempotency, key, record.SerializeAsString());
  uncommitted_idempotency_[key] = std::move(record);
}

Result<v1::Order*> Market::FindOrder(const std::string& id) {
  if (auto it = orders_.find(id); it != orders_.end()) return &it->second;
  if (!IsValidId(id)) return static_cast<v1::Order*>(nullptr);
  auto stored = store_->Get(Family::kOrders, id);
  if (!stored.ok()) return stored.status();
  if (!stored.value()) return static_cast<v1::Order*>(nullptr);
  v1::Order order;
  if (!order.ParseFromString(*stored.value())) return Status(Code::kInternal, "corrupt order");
  if (!IsOpen(order.status())) closed_in_batch_.push_back(id);  // leaves again after commit
  return &orders_.emplace(id, std::move(order)).first->second;
}

void Market::PutOrder(const v1::Order& order, storage::Batch* batch) {
  batch->Put(Family::kOrders, order.id(), order.SerializeAsString());
  if (IsOpen(order.status())) {
    batch->Put(Family::kOpenOrders, order.id(), "");
  } else {
    batch->Delete(Family::kOpenOrders, order.id());
  }
  orders_[order.id()] = order;
  if (!IsOpen(order.status())) closed_in_batch_.push_back(order.id());
}

void Market::PutListing(const v1::Listing& listing, storage::Batch* batch) {
  batch->Put(Family::kListings, listing.id(), listing.SerializeAsString());
  listings_[listing.id()] = listing;
}

void Market::PutToken(const std::string& token_hash, const char* role, const std::string& id,
                      storage::Batch* batch) {
  v1::PrincipalRecord record;
  record.set_version(1);
  record.set_role(role);
  record.set_id(id);
  batch->Put(Family::kTokens, token_hash, record.SerializeAsString());
}

}  // namespace market4::engine

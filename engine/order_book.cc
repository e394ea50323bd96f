#include "engine/order_book.h"

#include <limits>

#include "common/assert.h"
#include "engine/ledger.h"
#include "engine/market.h"
#include "storage/keys.h"

namespace market4::engine {
namespace {

using storage::Family;
constexpr char kMetaOrderNumber[] = "order_number";
constexpr char kMetaOrderStatusIndex[] = "order_status_index";

std::vector<std::string> Owners(const v1::Order& order) {
  return {kAllOrdersOwner, BuyerOrdersOwner(order.buyer_id()),
          MerchantOrdersOwner(order.merchant_id())};
}

}  // namespace

std::string StatusOrdersOwner(v1::OrderStatus status, const std::string& owner) {
  return std::string("S") + static_cast<char>(status) + owner;
}

std::string OrderNumberKey(const std::string& order_id) { return "#" + order_id; }

bool IsOpen(v1::OrderStatus status) {
  return status == v1::PENDING_PAYMENT || status == v1::PAID || status == v1::SHIPPED;
}

std::string BuyerOrdersOwner(const std::string& buyer_id) { return "b" + buyer_id; }
std::string MerchantOrdersOwner(const std::string& merchant_id) { return "m" + merchant_id; }

Status OrderBook::Load() {
  Status problem;
  Status s = store_->Scan(
      Family::kOpenOrders, "", false, std::nullopt, [&](std::string_view id, std::string_view) {
        auto found = Find(std::string(id));
        if (!found.ok() || !found.value()) {
          problem = Status(Code::kInternal, "open order index points at nothing")
                        .WithDetail("order_id", std::string(id));
          return false;
        }
        return true;
      });
  closed_in_batch_.clear();
  if (!s.ok()) return s;
  if (!problem.ok()) return problem;
  auto number = store_->Get(Family::kMeta, kMetaOrderNumber);
  if (!number.ok()) return number.status();
  if (number.value()) order_number_ = storage::DecodeSequence(*number.value()).value_or(0);
  return Status::Ok();
}

Result<v1::Order*> OrderBook::Find(const std::string& id) {
  if (auto it = orders_.find(id); it != orders_.end()) return &it->second;
  if (!IsValidId(id)) return static_cast<v1::Order*>(nullptr);
  auto stored = store_->Get(Family::kOrders, id);
  if (!stored.ok()) return stored.status();
  if (!stored.value()) return static_cast<v1::Order*>(nullptr);
  v1::Order order;
  if (!order.ParseFromString(*stored.value())) return Status(Code::kInternal, "corrupt order");
  auto number = store_->Get(Family::kOrderIndex, OrderNumberKey(id));
  if (!number.ok()) return number.status();
  if (number.value()) numbers_[id] = storage::DecodeSequence(*number.value()).value_or(0);
  if (!IsOpen(order.status())) closed_in_batch_.push_back(id);  // leaves again after commit
  TrackUnpaid(order);
  return &orders_.emplace(id, std::move(order)).first->second;
}

void OrderBook::Put(const v1::Order& order, storage::Batch* batch) {
  batch->Put(Family::kOrders, order.id(), order.SerializeAsString());
  auto before = orders_.find(order.id());
  if (before == orders_.end() || before->second.status() != order.status()) {
    auto number = numbers_.find(order.id());
    M4_ASSERT(number != numbers_.end() && number->second > 0, "an order without its number");
    for (const std::string& owner : Owners(order)) {
      if (before != orders_.end()) {
        batch->Delete(
            Family::kOrderIndex,
            storage::IndexKey(StatusOrdersOwner(before->second.status(), owner), number->second));
      }
      batch->Put(Family::kOrderIndex,
                 storage::IndexKey(StatusOrdersOwner(order.status(), owner), number->second),
                 order.id());
    }
  }
  if (IsOpen(order.status())) {
    batch->Put(Family::kOpenOrders, order.id(), "");
  } else {
    batch->Delete(Family::kOpenOrders, order.id());
    closed_in_batch_.push_back(order.id());
  }
  TrackUnpaid(order);
  orders_[order.id()] = order;
}

void OrderBook::TrackUnpaid(const v1::Order& order) {
  auto it = unpaid_.find(order.buyer_id());
  if (order.status() == v1::PENDING_PAYMENT) {
    if (it == unpaid_.end()) it = unpaid_.emplace(order.buyer_id(), std::set<std::string>()).first;
    it->second.insert(order.id());
    return;
  }
  if (it == unpaid_.end()) return;
  it->second.erase(order.id());
  if (it->second.empty()) unpaid_.erase(it);
}

// The total stops at the largest int64 rather than overflow: it is compared with a limit.
OrderBook::Unpaid OrderBook::UnpaidOf(const std::string& buyer_id) const {
  Unpaid unpaid;
  auto it = unpaid_.find(buyer_id);
  if (it == unpaid_.end()) return unpaid;
  for (const std::string& id : it->second) {
    auto found = orders_.find(id);
    M4_ASSERT(found != orders_.end(), "an unpaid order is not in memory");
    const v1::Order& order = found->second;
    ++unpaid.count;
    if (__builtin_add_overflow(unpaid.total, order.total(), &unpaid.total)) {
      unpaid.total = std::numeric_limits<std::int64_t>::max();
    }
    std::int64_t pay_by = Nanos(order.pay_by());
    if (unpaid.first_pay_by_ns == 0 || pay_by < unpaid.first_pay_by_ns) {
      unpaid.first_pay_by_ns = pay_by;
    }
  }
  return unpaid;
}

OrderBook::Held OrderBook::HeldBy(const std::string& buyer_id,
                                  const std::string& listing_id) const {
  Held held;
  auto it = unpaid_.find(buyer_id);
  if (it == unpaid_.end()) return held;
  for (const std::string& id : it->second) {
    const v1::Order& order = orders_.at(id);
    std::int64_t units = 0;
    for (const auto& item : order.items()) {
      if (item.listing_id() == listing_id) units += item.quantity();
    }
    if (units == 0) continue;
    held.units += units;  // orders of at most kMaxQuantity each, all in memory
    std::int64_t pay_by = Nanos(order.pay_by());
    if (held.first_pay_by_ns == 0 || pay_by < held.first_pay_by_ns) held.first_pay_by_ns = pay_by;
  }
  return held;
}

void OrderBook::Index(const v1::Order& order, storage::Batch* batch) {
  ++order_number_;
  for (const std::string& owner : Owners(order)) {
    batch->Put(Family::kOrderIndex, storage::IndexKey(owner, order_number_), order.id());
  }
  batch->Put(Family::kOrderIndex, OrderNumberKey(order.id()),
             storage::EncodeSequence(order_number_));
  numbers_[order.id()] = order_number_;
  batch->Put(Family::kMeta, kMetaOrderNumber, storage::EncodeSequence(order_number_));
}

Status OrderBook::BackfillStatusIndex(storage::Batch* batch) {
  auto done = store_->Get(Family::kMeta, kMetaOrderStatusIndex);
  if (!done.ok()) return done.status();
  if (done.value()) return Status::Ok();
  Status problem;
  Status s = store_->Scan(
      Family::kOrderIndex, storage::IndexPrefix(kAllOrdersOwner), false, std::nullopt,
      [&](std::string_view key, std::string_view id) {
        std::uint64_t number = storage::DecodeSequence(key.substr(key.size() - 8)).value_or(0);
        auto stored = store_->Get(Family::kOrders, id);
        v1::Order order;
        if (!stored.ok() || !stored.value() || !order.ParseFromString(*stored.value())) {
          problem = Status(Code::kInternal, "order index points at no order")
                        .WithDetail("order_id", std::string(id));
          return false;
        }
        batch->Put(Family::kOrderIndex, OrderNumberKey(order.id()),
                   storage::EncodeSequence(number));
        for (const std::string& owner : Owners(order)) {
          batch->Put(Family::kOrderIndex,
                     storage::IndexKey(StatusOrdersOwner(order.status(), owner), number), id);
        }
        if (orders_.count(order.id())) numbers_[order.id()] = number;
        return true;
      });
  if (!s.ok()) return s;
  if (!problem.ok()) return problem;
  batch->Put(Family::kMeta, kMetaOrderStatusIndex, storage::EncodeSequence(1));
  return Status::Ok();
}

void OrderBook::OnSealed() {
  for (const auto& id : closed_in_batch_) {
    auto it = orders_.find(id);
    if (it != orders_.end() && !IsOpen(it->second.status())) {
      orders_.erase(it);
      numbers_.erase(id);
    }
  }
  closed_in_batch_.clear();
}

}  // namespace market4::engine

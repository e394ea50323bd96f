#include "engine/order_book.h"

#include "common/assert.h"
#include "engine/ledger.h"
#include "storage/keys.h"

namespace market4::engine {
namespace {

using storage::Family;
constexpr char kMetaOrderNumber[] = "order_number";

}  // namespace

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
  if (!IsOpen(order.status())) closed_in_batch_.push_back(id);  // leaves again after commit
  return &orders_.emplace(id, std::move(order)).first->second;
}

void OrderBook::Put(const v1::Order& order, storage::Batch* batch) {
  batch->Put(Family::kOrders, order.id(), order.SerializeAsString());
  if (IsOpen(order.status())) {
    batch->Put(Family::kOpenOrders, order.id(), "");
  } else {
    batch->Delete(Family::kOpenOrders, order.id());
    closed_in_batch_.push_back(order.id());
  }
  orders_[order.id()] = order;
}

void OrderBook::Index(const v1::Order& order, storage::Batch* batch) {
  ++order_number_;
  for (const std::string& owner : {std::string(kAllOrdersOwner), BuyerOrdersOwner(order.buyer_id()),
                                   MerchantOrdersOwner(order.merchant_id())}) {
    batch->Put(Family::kOrderIndex, storage::IndexKey(owner, order_number_), order.id());
  }
  batch->Put(Family::kMeta, kMetaOrderNumber, storage::EncodeSequence(order_number_));
}

void OrderBook::OnCommitted() {
  for (const auto& id : closed_in_batch_) {
    auto it = orders_.find(id);
    if (it != orders_.end() && !IsOpen(it->second.status())) orders_.erase(it);
  }
  closed_in_batch_.clear();
}

}  // namespace market4::engine

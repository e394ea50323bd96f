// Private to engine/: the orders the writer thread works on. Orders still in play (awaiting
// payment, paid, shipped) stay in memory; closed ones are read back from the store when a
// command needs them (a refund) and leave memory again once their batch is committed. Also
// numbers orders and keeps the per-buyer, per-merchant and operator-wide order indexes.
// Writer thread only.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "market4/v1/market.pb.h"
#include "storage/store.h"

namespace market4::engine {

namespace v1 = ::market4::v1;

// Awaiting payment, paid or shipped.
bool IsOpen(v1::OrderStatus status);

class OrderBook {
 public:
  explicit OrderBook(storage::Store* store) : store_(store) {}

  // Loads every open order (through the open_orders index) and the order counter.
  Status Load();
  // The order (nullptr if there is none), from memory or the store.
  Result<v1::Order*> Find(const std::string& id);
  // Records `order` as it now is, in memory and in `batch`.
  void Put(const v1::Order& order, storage::Batch* batch);
  // Numbers a new order and indexes it under its buyer, its merchant and the operator.
  void Index(const v1::Order& order, storage::Batch* batch);
  // Ledgers from before the status index get its entries once (meta kMetaOrderStatusIndex).
  Status BackfillStatusIndex(storage::Batch* batch);
  // The batch is sealed (staged in the store, which reads it as committed): closed orders
  // leave memory.
  void OnSealed();

  const std::map<std::string, v1::Order>& in_memory() const { return orders_; }

  // A buyer's orders waiting for payment: how many, their total, and the earliest pay-by
  // (ns since the epoch; 0 if none).
  struct Unpaid {
    std::int64_t count = 0;
    std::int64_t total = 0;
    std::int64_t first_pay_by_ns = 0;
  };
  Unpaid UnpaidOf(const std::string& buyer_id) const;
  // Units of one listing in a buyer's orders waiting for payment, and the earliest pay-by of
  // those orders (ns since the epoch; 0 if none).
  struct Held {
    std::int64_t units = 0;
    std::int64_t first_pay_by_ns = 0;
  };
  Held HeldBy(const std::string& buyer_id, const std::string& listing_id) const;

 private:
  storage::Store* store_;
  std::map<std::string, v1::Order> orders_;
  std::vector<std::string> closed_in_batch_;
  // The number of every order in orders_, for its status index keys.
  std::map<std::string, std::uint64_t> numbers_;
  // Buyer id -> ids of their orders in PENDING_PAYMENT (all open orders are in memory).
  std::map<std::string, std::set<std::string>> unpaid_;
  void TrackUnpaid(const v1::Order& order);
  std::uint64_t order_number_ = 0;
};

// Order index owners: "a" for the operator's view of all orders, "b<id>" for a buyer's,
// "m<id>" for a merchant's (storage::IndexKey(owner, order number) -> order id).
inline constexpr char kAllOrdersOwner[] = "a";
std::string BuyerOrdersOwner(const std::string& buyer_id);
std::string MerchantOrdersOwner(const std::string& merchant_id);
// The same three views of the orders in one status: "S", the status number as one byte, the
// owner (storage::IndexKey(owner, order number) -> order id), moved when the status changes.
std::string StatusOrdersOwner(v1::OrderStatus status, const std::string& owner);
// "#" + order id -> the order's number (8 bytes big-endian), so its status keys can be found.
std::string OrderNumberKey(const std::string& order_id);

}  // namespace market4::engine

// Market: merchants, buyers, listings and orders, on top of the Ledger. Like the Ledger it
// is a state machine with no threads and no clock: the engine's writer thread calls it with
// the batch time, and every command's order, stock and money changes land in the same
// storage::Batch or not at all. Money moves only through Ledger::ApplyInternal.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "engine/command.h"
#include "engine/ledger.h"
#include "market4/v1/storage.pb.h"
#include "storage/store.h"

namespace market4::engine {

struct MarketOptions {
  // Platform commission on each completed order, in basis points (100 = 1 %). The fee is
  // rounded down to whole dong, so the merchant gets total - fee and fee + share = total.
  // Default: 100.
  std::int64_t commission_bps = 100;
  // Unpaid orders expire after this and release their stock. Default: 30 minutes.
  std::chrono::seconds pay_timeout{30 * 60};
  // Shipped orders that the buyer does not confirm complete by themselves. Default: 7 days.
  std::chrono::seconds auto_confirm_after{7 * 24 * 3600};
};

// Ledger accounts of the marketplace (see DESIGN.md, chart of accounts).
inline constexpr char kFeesAccount[] = "platform.fees";
inline constexpr char kCashDeskAccount[] = "platform.cash_desk";
std::string WalletAccount(const std::string& buyer_id);
std::string AvailableAccount(const std::string& merchant_id);
std::string EscrowAccount(const std::string& merchant_id);

// Transfer codes of marketplace movements.
inline constexpr std::uint32_t kCodeDeposit = 10;
inline constexpr std::uint32_t kCodeOrderPayment = 20;
inline constexpr std::uint32_t kCodeOrderSettlement = 21;
inline constexpr std::uint32_t kCodeCommission = 22;
inline constexpr std::uint32_t kCodeRefund = 30;

// Limits.
inline constexpr std::size_t kMaxOrderItems = 50;
inline constexpr std::int64_t kMaxQuantity = 1'000'000;
inline constexpr std::int64_t kMaxPrice = 1'000'000'000'000;  // one trillion dong per unit
inline constexpr std::int64_t kMaxStock = 1'000'000'000;

class Market {
 public:
  Market(storage::Store* store, Ledger* ledger, MarketOptions options)
      : store_(store), ledger_(ledger), options_(options) {}

  // Loads merchants, buyers, listings and open orders; opens the platform accounts.
  Status Load(std::int64_t now_ns, storage::Batch* batch);

  // True for the commands Apply takes.
  static bool Handles(const Command& command);
  Outcome Apply(const Command& command, std::int64_t now_ns, storage::Batch* batch);

  // Expires unpaid orders and completes shipped ones whose time has come.
  void Tick(std::int64_t now_ns, storage::Batch* batch);
  void OnCommitted();

 private:
  Status LoadOpenOrders();
  Outcome Handle(const CreateMerchant& c, std::int64_t now, storage::Batch* batch);
  Outcome Handle(const CreateBuyer& c, std::int64_t now, storage::Batch* batch);
  Outcome Handle(const MakeDeposit& c, std::int64_t now, storage::Batch* batch);
  Outcome Handle(const CreateListing& c, std::int64_t now, storage::Batch* batch);
  Outcome Handle(const UpdateListing& c, std::int64_t now, storage::Batch* batch);
  Outcome Handle(const DelistListing& c, std::int64_t now, storage::Batch* batch);
  Outcome Handle(const PlaceOrder& c, std::int64_t now, storage::Batch* batch);
  Outcome Handle(const ActOnOrder& c, std::int64_t now, storage::Batch* batch);
  Outcome Handle(const RefundOrder& c, std::int64_t now, storage::Batch* batch);

  Result<v1::Order> BuildOrder(const PlaceOrder& c, std::int64_t now);
  Status Pay(v1::Order& order, std::int64_t now, storage::Batch* batch);
  Status Ship(v1::Order& order, std::int64_t now);
  Status Settle(v1::Order& order, const char* by, std::int64_t now, storage::Batch* batch);
  Status Cancel(v1::Order& order, const char* by, std::int64_t now, storage::Batch* batch);
  void ReleaseStock(const v1::Order& order, std::int64_t now, storage::Batch* batch);

  // Idempotency: the first answer under (operation, caller, key), if any.
  Status Recall(const std::string& key, const std::string& request,
                const google::protobuf::Message& prototype, Outcome* out);
  void Remember(const std::string& key, const std::string& request,
                const google::protobuf::Message& response, storage::Batch* batch);

  // The order (nullptr if there is none), from memory or the store.
  Result<v1::Order*> FindOrder(const std::string& id);
  void PutOrder(const v1::Order& order, storage::Batch* batch);
  void PutListing(const v1::Listing& listing, storage::Batch* batch);
  void PutToken(const std::string& token_hash, const char* role, const std::string& id,
                storage::Batch* batch);

  storage::Store* store_;
  Ledger* ledger_;
  MarketOptions options_;
  std::map<std::string, v1::Merchant> merchants_;
  std::map<std::string, v1::Buyer> buyers_;
  std::map<std::string, v1::Listing> listings_;
  // Open orders, plus closed ones touched by the batch being built (so it sees its own
  // changes); closed orders leave memory once committed and are read back when needed.
  std::map<std::string, v1::Order> orders_;
  std::vector<std::string> closed_in_batch_;
  std::set<std::pair<std::int64_t, std::string>> pay_deadlines_;  // (pay_by, order id)
  std::set<std::pair<std::int64_t, std::string>> auto_confirms_;  // (auto_confirm_at, id)
  std::map<std::string, v1::IdempotencyRecord> uncommitted_idempotency_;
  std::uint64_t order_number_ = 0;
};

}  // namespace market4::engine

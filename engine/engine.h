// Engine: market4's order/payment core. One writer thread owns the ledger; any thread may
// Submit commands, which wait in a bounded queue. The writer takes a batch of queued
// commands, applies each in order, writes all their effects in one RocksDB batch with
// fsync, and only then hands each its Outcome (group commit). Reads (GetAccount, ...) may be
// called from any thread and see only committed state. No HTTP here.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "common/status.h"
#include "engine/clock.h"
#include "engine/command.h"
#include "engine/market.h"
#include "storage/store.h"

namespace market4::engine {

class Ledger;
class Market;

// Filters of GET /v1/listings. Empty strings and zeros mean "any".
struct ListingFilter {
  std::string merchant_id;
  std::string category;
  // Case-insensitive (ASCII) substring of the title.
  std::string text;
  std::int64_t min_price = 0;
  std::int64_t max_price = 0;
  bool in_stock_only = false;
  // Delisted listings are shown only when asked for (their merchant's own view).
  bool include_inactive = false;
};

inline constexpr std::size_t kDefaultMaxQueuedCommands = 10'000;
inline constexpr std::size_t kDefaultMaxBatchCommands = 1'000;
inline constexpr std::size_t kDefaultPageSize = 50;
inline constexpr std::size_t kMaxPageSize = 200;

struct EngineOptions {
  // Where and how the ledger is stored. Default: sync = true, so an answered command
  // survives a machine crash.
  storage::StoreOptions store;
  // Source of time. Not owned; must outlive the engine. Default (nullptr): the system clock.
  Clock* clock = nullptr;
  // Commands waiting beyond this are refused with kUnavailable. Default: 10,000.
  std::size_t max_queued_commands = kDefaultMaxQueuedCommands;
  // Most commands applied in one durable batch. Default: 1,000.
  std::size_t max_batch_commands = kDefaultMaxBatchCommands;
  // How often an idle writer wakes to expire pending transfers. Default: 100 ms.
  std::chrono::milliseconds tick_interval{100};
  // Marketplace rules: commission, payment and confirmation timeouts.
  MarketOptions market;
  // Check every invariant after every batch (tests); always checked at start. Default: false.
  bool check_invariants_every_batch = false;
  // Called on the writer thread when storage fails or an invariant breaks; the engine has
  // already stopped accepting commands. Default: log and exit the process with status 70.
  std::function<void(const Status&)> on_fatal;
};

class Engine {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Engine>> Open(EngineOptions options);
  ~Engine();  // Stops and closes the store.
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  using Done = std::function<void(Outcome)>;
  // Queues `command`. `done` runs exactly once: on the writer thread once the command's
  // effects are durable, or at once on the caller's thread if the engine cannot take it.
  void Submit(Command command, Done done);
  // Submits and waits. For tools and tests; never call from the writer thread.
  Outcome Execute(Command command);

  // Stops taking commands, applies and commits everything queued, joins the writer.
  void Stop();

  // Committed state, from any thread.
  [[nodiscard]] Result<v1::Account> GetAccount(const std::string& id) const;
  // Every account, in id order, paged (page_token: the last id of the previous page).
  [[nodiscard]] Result<v1::ListAccountsResponse> ListAccounts(std::size_t limit,
                                                              const std::string& page_token) const;
  // A transfer and, for a pending one, where it stands now.
  [[nodiscard]] Result<v1::Transfer> GetTransfer(const std::string& id) const;
  // Transfers touching an account, newest first. `page_token` is "" or a previous
  // response's next_page_token; `limit` 0 means kDefaultPageSize.
  [[nodiscard]] Result<v1::ListTransfersResponse> ListAccountTransfers(
      const std::string& account_id, std::size_t limit, const std::string& page_token) const;

  // Marketplace reads. Objects another tenant owns answer kNotFound, as if absent.
  // The principal an API token's SHA-256 belongs to, or kUnauthenticated.
  [[nodiscard]] Result<Caller> Authenticate(const std::string& token_hash) const;
  [[nodiscard]] Result<v1::Merchant> GetMerchant(const std::string& id) const;
  [[nodiscard]] Result<v1::Buyer> GetBuyer(const std::string& id) const;
  [[nodiscard]] Result<v1::ListMerchantsResponse> ListMerchants(
      std::size_t limit, const std::string& page_token) const;
  [[nodiscard]] Result<v1::ListBuyersResponse> ListBuyers(std::size_t limit,
                                                          const std::string& page_token) const;
  [[nodiscard]] Result<v1::Listing> GetListing(const std::string& id) const;
  [[nodiscard]] Result<v1::ListListingsResponse> SearchListings(
      const ListingFilter& filter, std::size_t limit, const std::string& page_token) const;
  [[nodiscard]] Result<v1::Order> GetOrder(const Caller& caller, const std::string& id) const;
  // Newest first; `status` ORDER_STATUS_UNSPECIFIED means any.
  [[nodiscard]] Result<v1::ListOrdersResponse> ListOrders(const Caller& caller,
                                                          v1::OrderStatus status, std::size_t limit,
                                                          const std::string& page_token) const;
  [[nodiscard]] Result<v1::Wallet> GetWallet(const std::string& buyer_id) const;
  [[nodiscard]] Result<v1::MerchantBalance> GetMerchantBalance(
      const std::string& merchant_id) const;

  // Recomputes every balance from the immutable transfer history and compares it with the
  // stored balances. Any thread; reads one committed state, so the engine may keep running.
  [[nodiscard]] Status AuditHistory() const;

 private:
  struct Item {
    Command command;
    Done done;
  };
  Engine() = default;
  void Run();
  void ApplyBatch(std::deque<Item>& items, storage::Batch& batch);
  void FailStop(const Status& status, std::deque<Item>& in_batch);

  EngineOptions options_;
  SystemClock system_clock_;
  Clock* clock_ = nullptr;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<Market> market_;
  std::int64_t last_batch_ns_ = 0;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  bool failed_ = false;
  std::thread writer_;
};

}  // namespace market4::engine

// A real engine on a real RocksDB in a temporary directory, driven by a manual clock.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "tests/test_util.h"

namespace market4::engine {

class EngineFixture : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open(bool sync = true) {
    EngineOptions options;
    options.store.path = dir_.Sub("ledger");
    options.store.sync = sync;
    options.clock = &clock_;
    options.check_invariants_every_batch = true;
    options.market = market_options_;
    options.tick_interval = tick_interval_;
    options.max_batch_commands = max_batch_commands_;
    options.on_fatal = [](const Status& s) { ADD_FAILURE() << "engine fatal: " << s.ToString(); };
    options.on_merchant_events = [this](const std::vector<v1::MerchantEvent>& events) {
      std::lock_guard lock(published_mutex_);
      published_.insert(published_.end(), events.begin(), events.end());
    };
    auto engine = Engine::Open(std::move(options));
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(engine).value();
  }

  void Reopen() {
    engine_.reset();
    Open();
  }

  // Takes the ledger back to before an index existed, straight in RocksDB: closes the engine,
  // deletes every key of `family` under one of `prefixes` that `pick` accepts, and the meta
  // key that marks the index as built. Returns how many keys went; the engine stays closed.
  std::size_t DropIndex(storage::Family family, const std::vector<std::string>& prefixes,
                        const std::function<bool(std::string_view key)>& pick,
                        const std::string& meta_key) {
    engine_.reset();
    storage::StoreOptions options;
    options.path = dir_.Sub("ledger");
    auto store = storage::Store::Open(options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return 0;
    storage::Batch batch;
    for (const std::string& prefix : prefixes) {
      Status scan = store.value()->Scan(family, prefix, false, std::nullopt,
                                        [&](std::string_view key, std::string_view) {
                                          if (pick(key)) batch.Delete(family, key);
                                          return true;
                                        });
      EXPECT_TRUE(scan.ok()) << scan.ToString();
    }
    std::size_t dropped = batch.Count();
    batch.Delete(storage::Family::kMeta, meta_key);
    EXPECT_TRUE(store.value()->Commit(batch).ok());
    return dropped;
  }

  Answer<v1::Account> CreateAccount(const std::string& id, bool no_overdraft = false,
                                    const std::string& currency = "") {
    v1::CreateAccountRequest request;
    request.set_id(id);
    request.set_currency(currency);
    request.set_debits_must_not_exceed_credits(no_overdraft);
    return engine_->Execute(engine::CreateAccount{request});
  }

  static v1::NewTransfer Make(const std::string& id, const std::string& debit,
                              const std::string& credit, std::int64_t amount, bool pending = false,
                              std::uint32_t timeout_seconds = 0) {
    v1::NewTransfer t;
    t.set_id(id);
    t.set_debit_account_id(debit);
    t.set_credit_account_id(credit);
    t.set_amount(amount);
    t.set_code(1);
    t.set_pending(pending);
    t.set_timeout_seconds(timeout_seconds);
    return t;
  }

  Answer<v1::CreateTransfersResponse> Submit(std::vector<v1::NewTransfer> transfers) {
    v1::CreateTransfersRequest request;
    for (auto& t : transfers) *request.add_transfers() = std::move(t);
    return engine_->Execute(CreateTransfers{request});
  }

  Answer<v1::CreateTransfersResponse> Move(const std::string& id, const std::string& debit,
                                           const std::string& credit, std::int64_t amount) {
    return Submit({Make(id, debit, credit, amount)});
  }

  v1::Account Account(const std::string& id) {
    auto account = engine_->Read().GetAccount(id);
    EXPECT_TRUE(account.ok()) << account.status().ToString();
    return account.ok() ? account.value() : v1::Account();
  }

  // debits_pending/debits_posted/credits_pending/credits_posted, for one-line comparisons.
  std::string Balances(const std::string& id) {
    v1::Account a = Account(id);
    return std::to_string(a.debits_pending()) + "/" + std::to_string(a.debits_posted()) + "/" +
           std::to_string(a.credits_pending()) + "/" + std::to_string(a.credits_posted());
  }

  void AdvanceAndTick(std::chrono::nanoseconds by) {
    clock_.Advance(by);
    ASSERT_TRUE(engine_->Execute(Tick{}).status.ok());
  }

  testing::TempDir dir_;
  ManualClock clock_;
  // Merchant events the engine published after their batches were durable.
  std::mutex published_mutex_;
  std::vector<v1::MerchantEvent> published_;
  // Marketplace rules of the engine Open makes; a fixture variant sets them before Open.
  MarketOptions market_options_;
  // How long the writer waits for a command before running timers. An hour by default, so
  // that time moves only when a test says so.
  std::chrono::milliseconds tick_interval_ = std::chrono::hours(1);
  // The most commands the writer takes into one batch.
  std::size_t max_batch_commands_ = kDefaultMaxBatchCommands;
  std::unique_ptr<Engine> engine_;
};

}  // namespace market4::engine

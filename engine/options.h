// Options of the engine and of the marketplace rules it enforces. Plain values, read once by
// Engine::Open; tools/options.h fills them from flags, the environment and a config file.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "common/business_day.h"
#include "common/limits.h"
#include "common/status.h"
#include "engine/clock.h"
#include "market4/v1/stall.pb.h"
#include "storage/store.h"

namespace market4::engine {

namespace v1 = ::market4::v1;

struct MarketOptions {
  // Platform commission on each completed order, in basis points (100 = 1 %), 0..10,000. The
  // fee is rounded down to whole dong, so the merchant gets total - fee and fee + share =
  // total. Fixed on each order when it is placed. Default: 100.
  std::int64_t commission_bps = kDefaultCommissionBps;
  // Unpaid orders expire after this and release their stock. Default: 30 minutes.
  std::chrono::seconds pay_timeout = kPayTimeoutDefault;
  // Shipped orders that the buyer does not confirm complete by themselves. Default: 7 days.
  std::chrono::seconds auto_confirm_after = kAutoConfirmDefault;
  // Orders one buyer may hold waiting for payment (each holds stock until paid or
  // expired); one more is refused with RATE_LIMITED until one is paid, cancelled or
  // expires. 0: no limit. Default: 5.
  std::int64_t max_unpaid_orders = kDefaultMaxUnpaidOrders;
  // Dong one buyer's unpaid orders may add up to, the new order included; 0: no limit.
  // Default: 5,000,000.
  std::int64_t max_unpaid_value = kDefaultMaxUnpaidValue;
  // Percent of a listing's units (what it has now plus what this buyer holds) one buyer's
  // unpaid orders may hold, and at least one unit; more is refused unless the buyer's wallet
  // covers all their unpaid orders, so that buyers who never pay cannot empty a cheap
  // listing between them. 0: no limit. Default: 20.
  std::int64_t max_unpaid_share = kDefaultMaxUnpaidShare;
};

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
  // How often an idle writer wakes to run due timers (expiries). Default: 100 ms.
  std::chrono::milliseconds tick_interval = kDefaultTickInterval;
  // Marketplace rules: commission, payment and confirmation timeouts.
  MarketOptions market;
  // The market's offset from UTC, in minutes: which business day each ledger entry belongs to
  // and when a day may be closed. Fixed for the life of a ledger (days already closed keep
  // the offset they were closed with). Default: +07:00 (Asia/Ho_Chi_Minh, no daylight saving).
  int utc_offset_minutes = kDefaultUtcOffsetMinutes;
  // Check every invariant after every batch (tests); always checked at start. Default: false.
  bool check_invariants_every_batch = false;
  // Called on the engine's thread that found it (the writer, or the committer) when storage
  // fails or an invariant breaks (M4_ASSERT or the invariant check); the engine has already
  // stopped accepting commands and committing batches. A storage failure or a broken
  // invariant then answers every caller not yet answered kUnavailable if this returns; a
  // failed assertion exits with status 70 regardless. Default (empty): log and exit the
  // process with status 70 at once.
  std::function<void(const Status&)> on_fatal;
  // Called on the thread that committed it (engine/commit.cc) after each batch is durable,
  // before its answers, with the merchant events
  // (payment.received, payout.updated) that batch stored, in id order; never with an empty
  // list. It must return quickly (hand the events to other threads). Default: none.
  std::function<void(const std::vector<v1::MerchantEvent>&)> on_merchant_events;
};

}  // namespace market4::engine

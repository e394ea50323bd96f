// Private to engine/: the marketplace's in-memory state, owned by the writer thread, and the
// helpers its command files share (principals.cc, deposits.cc, listings.cc, orders.cc,
// refunds.cc, timers.cc). Like the Ledger it has no threads and no clock: commands see the
// batch time in their Context, and every order, stock and money change of a command lands in
// the same storage::Batch or not at all. Money moves only through Ledger::ApplyInternal.
#pragma once

#include <google/protobuf/timestamp.pb.h>

#include <cstdint>
#include <map>
#include <string>

#include "common/assert.h"
#include "common/limits.h"
#include "common/status.h"
#include "engine/chart.h"
#include "engine/command.h"
#include "engine/idempotency.h"
#include "engine/options.h"
#include "engine/order_book.h"
#include "engine/rails.h"
#include "engine/timers.h"
#include "market4/v1/market.pb.h"
#include "market4/v1/stall.pb.h"
#include "market4/v1/storage.pb.h"
#include "storage/store.h"

namespace market4::engine {

class Ledger;

struct Market {
  Market(storage::Store* store, MarketOptions market_options)
      : options(market_options), orders(store), idempotency(store), staged(store) {}

  // Loads merchants, buyers, listings and open orders, schedules their timers, and opens
  // the platform accounts.
  Status Load(storage::Store& store, Ledger& ledger, std::int64_t now_ns, storage::Batch* batch);
  // The batch holding everything applied so far is sealed: staged in the store, which
  // reads it as committed.
  void OnSealed();
  void GiveStallCodes(storage::Store& store, Ledger& ledger, std::int64_t now_ns,
                      storage::Batch* batch);
  Status BackfillListingIndex(storage::Store& store, storage::Batch* batch);

  MarketOptions options;
  std::map<std::string, v1::Merchant> merchants;
  std::map<std::string, v1::Buyer> buyers;
  std::map<std::string, v1::Listing> listings;
  OrderBook orders;
  Idempotency idempotency;
  Timers timers;
  // Providers, rail records and event keys written by the batch being built (rails.h), so a
  // later command of the same batch sees them.
  StagedRecords staged;
  // Numbers rail index entries (meta key kMetaRailNumber).
  std::uint64_t rail_number = 0;
  // Numbers merchant events (meta key kMetaMerchantEventNumber).
  std::uint64_t merchant_event_number = 0;
  // Provider exceptions waiting for an operator: counted from the store at start, then kept
  // as exceptions open and are resolved.
  std::int64_t open_exceptions = 0;
  // Merchant events stored by the batch being built; the engine hands them on once it is
  // durable (EngineOptions::on_merchant_events).
  std::vector<v1::MerchantEvent> published;
};

inline constexpr char kMetaMerchantEventNumber[] = "merchant_event_number";

inline constexpr char kMetaRailNumber[] = "rail_number";

// --- Helpers shared by the command files ---
Status NotFound(const std::string& what, const std::string& id);
Status InvalidField(const std::string& message, const std::string& field);
Status KeyRequired();
google::protobuf::Timestamp At(std::int64_t ns);
std::int64_t Nanos(const google::protobuf::Timestamp& at);
std::int64_t Nanos(std::chrono::seconds duration);
// Idempotency keys belong to whoever sent them: "merchant:m_..", "operator:".
std::string CallerScope(const Caller& caller);
// A ledger transfer the marketplace makes (ids carry the reserved '~').
v1::NewTransfer MarketTransfer(std::string id, std::string debit, std::string credit,
                               std::int64_t amount, std::uint32_t code, bool pending = false);
// Stores a merchant event (payment.received, payout.updated) in the batch, numbered after
// every earlier one, and queues it for publication once the batch is durable
// (merchant_events.cc).
void PublishMerchantEvent(Context& context, v1::MerchantEvent event);
// Records `listing` in memory and in the batch.
void PutListing(Context& context, const v1::Listing& listing);

}  // namespace market4::engine

// Private to engine/: the settlement index, every money-moving provider transaction the
// ledger applied, kept so that one provider's transactions of one business day are found by
// a range scan instead of a scan of every event (reconciliation.cc). Entries are written in
// the batch that moves the money (provider_events.cc: an applied topup.succeeded,
// payment.succeeded, payout.succeeded or bank.credit; exceptions.cc: a CREDIT_BUYER
// resolution), so the index never disagrees with the ledger. Writer thread only.
//
// Keys in the `reconciliations` column family (docs/storage.md):
//   "L" provider 0x00 big-endian applied-at ns, txn id 0x00 type -> SettlementEntry
//   "T" provider 0x00 txn id 0x00 type                         -> SettlementEntry
// Ledgers written before the index existed are indexed once, at start (BackfillSettlementIndex).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "market4/v1/rails.pb.h"
#include "market4/v1/reconciliation.pb.h"
#include "storage/store.h"

namespace market4::engine {

struct Context;

// Ids of stored reports (the same column family's other keys start "L" and "T").
inline constexpr char kReconciliationPrefix[] = "rc_";

// Indexes `event` if it was applied, moved money and names a provider transaction.
void IndexSettlementEvent(Context& context, const v1::ProviderEvent& event);
// Indexes a resolved exception's credit to a buyer if it names a provider transaction.
void IndexSettlementCredit(Context& context, const v1::ProviderException& exception);

// The provider's indexed transactions applied in [start_ns, end_ns), this batch's included,
// in time order.
Result<std::vector<v1::SettlementEntry>> SettlementsBetween(Context& context,
                                                            const std::string& provider,
                                                            std::int64_t start_ns,
                                                            std::int64_t end_ns);
// The same, read from a committed view (queries).
Result<std::vector<v1::SettlementEntry>> SettlementsBetween(const storage::ReadView& view,
                                                            const std::string& provider,
                                                            std::int64_t start_ns,
                                                            std::int64_t end_ns);
// Every indexed transaction of the provider with this id (one per type), this batch's
// included.
Result<std::vector<v1::SettlementEntry>> SettlementsOfTxn(Context& context,
                                                          const std::string& provider,
                                                          const std::string& txn);

// Indexes, once, the applied events and credited exceptions stored before the index existed;
// later starts find the meta key kMetaSettlementIndex and do nothing. Reads every stored
// event and rail record once.
Status BackfillSettlementIndex(storage::Store& store, storage::Batch* batch);
inline constexpr char kMetaSettlementIndex[] = "settlement_index";

}  // namespace market4::engine

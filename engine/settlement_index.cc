// The settlement index (settlement_index.h).
#include "engine/settlement_index.h"

#include <map>

#include "engine/context.h"
#include "engine/market.h"
#include "engine/rails.h"
#include "engine/settlement_csv.h"
#include "storage/keys.h"

namespace market4::engine {
namespace {

using storage::Family;

std::string DayPrefix(const std::string& provider) { return "L" + provider + '\0'; }

std::string DayKey(const std::string& provider, std::int64_t at_ns) {
  return DayPrefix(provider) + storage::EncodeSequence(static_cast<std::uint64_t>(at_ns));
}

std::string TxnPrefix(const std::string& provider, const std::string& txn) {
  return "T" + provider + '\0' + txn + '\0';
}

// Both keys of an entry, each with the entry as value.
void PutEntry(const v1::SettlementEntry& entry, StagedRecords* staged, storage::Batch* batch) {
  std::int64_t at_ns = Nanos(entry.applied_at());
  std::string value = entry.SerializeAsString();
  std::string tail = entry.provider_txn_id() + '\0' + entry.type();
  std::string day_key = DayKey(entry.provider(), at_ns) + tail;
  std::string txn_key = TxnPrefix(entry.provider(), entry.provider_txn_id()) + entry.type();
  if (staged) {
    staged->Put(Family::kReconciliations, day_key, value, batch);
    staged->Put(Family::kReconciliations, txn_key, std::move(value), batch);
  } else {
    batch->Put(Family::kReconciliations, day_key, value);
    batch->Put(Family::kReconciliations, txn_key, value);
  }
}

std::optional<v1::SettlementEntry> EntryOfEvent(const v1::ProviderEvent& event) {
  if (event.outcome() != v1::APPLIED || !IsSettlementType(event.type()) ||
      event.provider_txn_id().empty()) {
    return std::nullopt;
  }
  v1::SettlementEntry entry;
  entry.set_provider(event.provider());
  entry.set_provider_txn_id(event.provider_txn_id());
  entry.set_type(event.type());
  entry.set_amount(event.amount());
  *entry.mutable_applied_at() = event.received_at();
  entry.set_source(event.id());
  return entry;
}

std::optional<v1::SettlementEntry> EntryOfCredit(const v1::ProviderException& exception) {
  if (exception.status() != v1::RESOLVED || exception.resolution().action() != v1::CREDIT_BUYER ||
      exception.provider_txn_id().empty()) {
    return std::nullopt;
  }
  v1::SettlementEntry entry;
  entry.set_provider(exception.provider());
  entry.set_provider_txn_id(exception.provider_txn_id());
  entry.set_type(exception.type());
  entry.set_amount(exception.amount());
  *entry.mutable_applied_at() = exception.resolution().resolved_at();
  entry.set_source(exception.id());
  return entry;
}

// Committed and staged entries with keys in [from, to) under `prefix`, parsed, in key order.
Result<std::vector<v1::SettlementEntry>> Entries(Context& context, const std::string& prefix,
                                                 const std::string& from, const std::string& to) {
  std::map<std::string, std::string> found;
  Status s = context.store.Scan(Family::kReconciliations, prefix, false, from,
                                [&](std::string_view key, std::string_view value) {
                                  if (!to.empty() && key >= to) return false;
                                  found.emplace(key, value);
                                  return true;
                                });
  if (!s.ok()) return s;
  for (auto& [key, value] :
       context.market.staged.StagedWithPrefix(Family::kReconciliations, prefix)) {
    if (key >= from && (to.empty() || key < to)) found[key] = std::move(value);
  }
  std::vector<v1::SettlementEntry> entries(found.size());
  std::size_t i = 0;
  for (const auto& [key, value] : found) {
    if (!entries[i++].ParseFromString(value)) {
      return Status(Code::kInternal, "corrupt settlement index entry");
    }
  }
  return entries;
}

}  // namespace

void IndexSettlementEvent(Context& context, const v1::ProviderEvent& event) {
  if (auto entry = EntryOfEvent(event)) PutEntry(*entry, &context.market.staged, &context.batch);
}

void IndexSettlementCredit(Context& context, const v1::ProviderException& exception) {
  if (auto entry = EntryOfCredit(exception)) {
    PutEntry(*entry, &context.market.staged, &context.batch);
  }
}

Result<std::vector<v1::SettlementEntry>> SettlementsBetween(Context& context,
                                                            const std::string& provider,
                                                            std::int64_t start_ns,
                                                            std::int64_t end_ns) {
  return Entries(context, DayPrefix(provider), DayKey(provider, start_ns),
                 DayKey(provider, end_ns));
}

Result<std::vector<v1::SettlementEntry>> SettlementsBetween(const storage::ReadView& view,
                                                            const std::string& provider,
                                                            std::int64_t start_ns,
                                                            std::int64_t end_ns) {
  std::vector<v1::SettlementEntry> entries;
  const std::string end = DayKey(provider, end_ns);
  Status problem;
  Status s = view.Scan(
      Family::kReconciliations, DayPrefix(provider), false, DayKey(provider, start_ns),
      [&](std::string_view key, std::string_view value) {
        if (key >= end) return false;
        if (!entries.emplace_back().ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          problem = Status(Code::kInternal, "corrupt settlement index entry");
          return false;
        }
        return true;
      });
  if (!s.ok()) return s;
  if (!problem.ok()) return problem;
  return entries;
}

Result<std::vector<v1::SettlementEntry>> SettlementsOfTxn(Context& context,
                                                          const std::string& provider,
                                                          const std::string& txn) {
  std::string prefix = TxnPrefix(provider, txn);
  return Entries(context, prefix, prefix, "");
}

Status BackfillSettlementIndex(storage::Store& store, storage::Batch* batch) {
  auto done = store.Get(Family::kMeta, kMetaSettlementIndex);
  if (!done.ok()) return done.status();
  if (done.value()) return Status::Ok();
  Status problem;
  auto index = [&](auto entry) {
    if (entry) PutEntry(*entry, nullptr, batch);
  };
  Status s = store.Scan(Family::kEvents, "e", false, std::nullopt,
                        [&](std::string_view, std::string_view value) {
                          v1::ProviderEvent event;
                          if (!event.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                            problem = Status(Code::kInternal, "corrupt provider event");
                            return false;
                          }
                          index(EntryOfEvent(event));
                          return true;
                        });
  if (!s.ok()) return s;
  if (!problem.ok()) return problem;
  s = store.Scan(Family::kRails, kExceptionPrefix, false, std::nullopt,
                 [&](std::string_view, std::string_view value) {
                   v1::ProviderException exception;
                   if (!exception.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                     problem = Status(Code::kInternal, "corrupt provider exception");
                     return false;
                   }
                   index(EntryOfCredit(exception));
                   return true;
                 });
  if (!s.ok()) return s;
  if (!problem.ok()) return problem;
  batch->Put(Family::kMeta, kMetaSettlementIndex, "1");
  return Status::Ok();
}

}  // namespace market4::engine

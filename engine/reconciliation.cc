// Settlement reconciliation: a provider's settlement file for one business day against the
// provider's money-moving transactions the ledger applied that day. Matching is by provider
// transaction id. The first line naming a transaction is compared with the ledger: the same
// type and amount is matched, anything else an amount mismatch; later lines naming it again
// are duplicates. What the file lacks is missing in the file, what the ledger lacks missing in
// the ledger, with a note when the ledger has it on another day or its event became an
// exception. Each difference is reported once; the report is stored in the command's batch.
#include <map>

#include "engine/context.h"
#include "engine/idempotency.h"
#include "engine/market.h"
#include "engine/rails.h"
#include "engine/settlement_index.h"

namespace market4::engine {
namespace {

using storage::Family;

// The day's ledger transactions by provider transaction id, in time order under each.
using LedgerDay = std::map<std::string, std::vector<v1::SettlementEntry>>;

Status AddChecked(std::int64_t* total, std::int64_t amount) {
  if (__builtin_add_overflow(*total, amount, total)) {
    return Status(Code::kOverflow, "the day's total overflows");
  }
  return Status::Ok();
}

Result<LedgerDay> LedgerOfDay(Context& context, const std::string& provider, std::int64_t day,
                              v1::Reconciliation* report) {
  auto entries =
      SettlementsBetween(context, provider, LocalDayStartNs(day, context.utc_offset_minutes),
                         LocalDayStartNs(day + 1, context.utc_offset_minutes));
  if (!entries.ok()) return entries.status();
  LedgerDay ledger;
  std::int64_t total = 0;
  for (v1::SettlementEntry& entry : entries.value()) {
    if (Status s = AddChecked(&total, entry.amount()); !s.ok()) return s;
    ledger[entry.provider_txn_id()].push_back(std::move(entry));
  }
  report->set_ledger_total(total);
  report->set_ledger_rows(static_cast<std::uint32_t>(entries->size()));
  return ledger;
}

v1::ReconciliationDifference FileSide(const SettlementRow& row) {
  v1::ReconciliationDifference difference;
  difference.set_provider_txn_id(row.provider_txn_id);
  difference.set_line(row.line);
  difference.set_type(row.type);
  difference.set_file_amount(row.amount);
  return difference;
}

// The first line naming a transaction, against the ledger's entries for it (the one of the
// same type if there is one), which it takes out of `ledger`.
void Compare(const SettlementRow& row, LedgerDay& ledger, v1::Reconciliation* report) {
  auto found = ledger.find(row.provider_txn_id);
  if (found == ledger.end()) {
    *report->add_missing_in_ledger() = FileSide(row);
    return;
  }
  std::vector<v1::SettlementEntry>& entries = found->second;
  auto entry = entries.begin();
  for (auto it = entries.begin(); it != entries.end(); ++it) {
    if (it->type() == row.type) {
      entry = it;
      break;
    }
  }
  if (entry->type() == row.type && entry->amount() == row.amount) {
    v1::ReconciliationTotal* matched = report->mutable_matched();
    matched->set_count(matched->count() + 1);
    matched->set_amount(matched->amount() + row.amount);
  } else {
    v1::ReconciliationDifference* mismatch = report->add_amount_mismatches();
    *mismatch = FileSide(row);
    mismatch->set_ledger_amount(entry->amount());
    mismatch->set_ledger_type(entry->type());
    if (entry->type() != row.type) {
      mismatch->set_note("the file says " + row.type + ", the ledger " + entry->type());
    }
  }
  entries.erase(entry);
  if (entries.empty()) ledger.erase(found);
}

// Why a transaction of the file may be missing from the day's ledger.
Result<std::string> NoteMissing(Context& context, const std::string& provider,
                                const v1::ReconciliationDifference& difference) {
  auto elsewhere = SettlementsOfTxn(context, provider, difference.provider_txn_id());
  if (!elsewhere.ok()) return elsewhere.status();
  std::string note;
  for (const v1::SettlementEntry& entry : elsewhere.value()) {
    note += note.empty() ? "in the ledger on " : "; and on ";
    note += FormatDate(LocalDayOf(Nanos(entry.applied_at()), context.utc_offset_minutes)) + " as " +
            entry.type() + " " + std::to_string(entry.amount());
  }
  if (!note.empty()) return note;
  std::string key = "t" + provider + '\0' + difference.type() + '\0' + difference.provider_txn_id();
  auto event_id = context.market.staged.Get(Family::kEvents, key);
  if (!event_id.ok()) return event_id.status();
  if (!event_id.value()) return note;
  auto event = ReadStaged<v1::ProviderEvent>(context.market.staged, Family::kEvents,
                                             "e" + *event_id.value());
  if (!event.ok()) return event.status();
  if (event.value() && event.value()->outcome() == v1::EXCEPTION) {
    note = "its event " + event.value()->id() + " became exception " +
           event.value()->exception_id() + " (" + event.value()->reason() + ")";
  }
  return note;
}

// The report's counts and differences, without its identity.
Result<v1::Reconciliation> Reconcile(Context& context, const ReconcileSettlement& command,
                                     std::int64_t day) {
  v1::Reconciliation report;
  report.mutable_matched();  // shown as {"count":0,"amount":"0"} when nothing matched
  auto ledger = LedgerOfDay(context, command.provider_id, day, &report);
  if (!ledger.ok()) return ledger.status();
  std::map<std::string, std::uint32_t> first_lines;
  std::int64_t file_total = 0;
  std::int64_t file_fees = 0;
  for (const SettlementRow& row : command.file.rows) {
    // Within int64 by the parser's limits (kMaxSettlementAmountDong, kMaxSettlementRows).
    file_total += row.amount;
    file_fees += row.fee;
    auto [first, inserted] = first_lines.emplace(row.provider_txn_id, row.line);
    if (inserted) {
      Compare(row, ledger.value(), &report);
      continue;
    }
    v1::ReconciliationDifference* duplicate = report.add_duplicates();
    *duplicate = FileSide(row);
    duplicate->set_first_line(first->second);
  }
  for (const auto& [txn, entries] : ledger.value()) {
    for (const v1::SettlementEntry& entry : entries) {
      v1::ReconciliationDifference* missing = report.add_missing_in_file();
      missing->set_provider_txn_id(txn);
      missing->set_type(entry.type());
      missing->set_ledger_amount(entry.amount());
    }
  }
  for (v1::ReconciliationDifference& missing : *report.mutable_missing_in_ledger()) {
    auto note = NoteMissing(context, command.provider_id, missing);
    if (!note.ok()) return note.status();
    missing.set_note(std::move(note).value());
  }
  for (const SettlementProblem& problem : command.file.malformed) {
    v1::MalformedLine* malformed = report.add_malformed();
    malformed->set_line(problem.line);
    malformed->set_error(problem.error);
  }
  report.set_file_total(file_total);
  report.set_file_fees(file_fees);
  report.set_file_rows(static_cast<std::uint32_t>(command.file.rows.size()));
  return report;
}

// The report an earlier request under the same Idempotency-Key made.
Answer<v1::Reconciliation> Replay(Context& context, const std::string& id) {
  auto stored = ReadStaged<v1::Reconciliation>(context.market.staged, Family::kReconciliations, id);
  if (!stored.ok()) return stored.status();
  M4_ASSERT(stored.value().has_value(), "an idempotency record names a report that is gone");
  return {std::move(*stored.value()), true};
}

}  // namespace

Answer<v1::Reconciliation> ReconcileSettlement::Apply(Context& context) const {
  if (caller.role != Role::kOperator) {
    return Status(Code::kPermissionDenied, "only operators reconcile settlements");
  }
  M4_ASSERT(IsReferenceOf(id, kReconciliationPrefix), "the gateway made a bad reconciliation id");
  Market& market = context.market;
  const std::string scope = CallerScope(caller);
  const std::string fingerprint = Fingerprint("reconcile", provider_id + "/" + date, file_sha256);
  if (!idempotency_key.empty()) {
    auto replay =
        market.idempotency.Recall<v1::Reconciliation>(scope, idempotency_key, fingerprint);
    if (!replay.ok()) return replay.status();
    if (replay.value()) return Replay(context, replay.value()->id());
  }
  auto day = ParseDate(date);
  if (!day) return InvalidField("date must be a business day written YYYY-MM-DD", "date");
  if (Status s = RequireProvider(context, provider_id); !s.ok()) return s;
  auto report = Reconcile(context, *this, *day);
  if (!report.ok()) return report.status();
  report->set_id(id);
  report->set_provider(provider_id);
  report->set_date(date);
  report->set_file_sha256(file_sha256);
  *report->mutable_created_at() = At(context.now);
  report->set_created_by(caller.id);
  market.staged.Put(Family::kReconciliations, id, report->SerializeAsString(), &context.batch);
  if (!idempotency_key.empty()) {
    v1::Reconciliation reference;  // the report itself is stored once, under its id
    reference.set_id(id);
    market.idempotency.Remember(scope, idempotency_key, fingerprint, reference, &context.batch);
  }
  return std::move(report).value();
}

}  // namespace market4::engine

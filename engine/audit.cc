// AuditHistory: proves the stored balances follow from the immutable transfer history.
// Replays every ledger entry in sequence order into fresh balances, then compares them with
// the account records, all read from one snapshot, so it may run while the engine commits.
#include <map>

#include "common/money.h"
#include "engine/ledger_rules.h"
#include "engine/query.h"
#include "engine/records.h"

namespace market4::engine {
namespace {

using storage::Family;

struct Balances {
  Wide debits_pending = 0, debits_posted = 0, credits_pending = 0, credits_posted = 0;
};

void ApplyRecord(const v1::TransferRecord& r, std::map<std::string, std::int64_t>& pending_amounts,
                 std::map<std::string, Balances>& balances) {
  Balances& debit = balances[r.debit_account_id()];
  Balances& credit = balances[r.credit_account_id()];
  switch (r.kind()) {
    case v1::TRANSFER_KIND_POSTED:
      debit.debits_posted += r.amount();
      credit.credits_posted += r.amount();
      break;
    case v1::TRANSFER_KIND_PENDING:
      debit.debits_pending += r.amount();
      credit.credits_pending += r.amount();
      pending_amounts[r.id()] = r.amount();
      break;
    default: {
      std::int64_t reserved = pending_amounts[r.pending_id()];
      debit.debits_pending -= reserved;
      credit.credits_pending -= reserved;
      if (r.kind() == v1::TRANSFER_KIND_POST_PENDING) {
        debit.debits_posted += r.amount();
        credit.credits_posted += r.amount();
      }
    }
  }
}

}  // namespace

Status Query::AuditHistory() const {
  std::map<std::string, std::int64_t> pending_amounts;
  std::map<std::string, Balances> balances;
  Status s =
      ScanRecords<v1::TransferRecord>(view_, Family::kTransfers, std::nullopt,
                                      [&](std::string_view, const v1::TransferRecord& record) {
                                        ApplyRecord(record, pending_amounts, balances);
                                        return true;
                                      });
  if (!s.ok()) return s;
  Status problem;
  s = ScanRecords<v1::AccountRecord>(view_, Family::kAccounts, std::nullopt,
                                     [&](std::string_view key, const v1::AccountRecord& a) {
                                       Balances expected = balances[std::string(key)];
                                       if (expected.debits_pending != a.debits_pending() ||
                                           expected.debits_posted != a.debits_posted() ||
                                           expected.credits_pending != a.credits_pending() ||
                                           expected.credits_posted != a.credits_posted()) {
                                         problem =
                                             Status(Code::kInternal, "balances differ from history")
                                                 .WithDetail("account_id", std::string(key));
                                         return false;
                                       }
                                       balances.erase(std::string(key));
                                       return true;
                                     });
  if (!s.ok()) return s;
  if (!problem.ok()) return problem;
  if (!balances.empty()) {
    return Status(Code::kInternal, "history names an account that does not exist")
        .WithDetail("account_id", balances.begin()->first);
  }
  return Status::Ok();
}

}  // namespace market4::engine

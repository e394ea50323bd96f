// VerifyLedger: the chain, the order of entries and every balance, recomputed from the stored
// entries of one frozen view. Query::AuditHistory is the same check as a Status.
#include "engine/verify.h"

#include <algorithm>
#include <map>

#include "common/crypto.h"
#include "common/money.h"
#include "engine/account_index.h"
#include "engine/chain.h"
#include "engine/query.h"
#include "engine/records.h"
#include "storage/keys.h"

namespace market4::engine {
namespace {

using storage::Family;
namespace v1 = ::market4::v1;

struct Balances {
  Wide debits_pending = 0, debits_posted = 0, credits_pending = 0, credits_posted = 0;
};

class Verifier {
 public:
  Verifier(const storage::ReadView& view, const VerifyProgress& progress)
      : view_(view), progress_(progress) {}

  Result<v1::LedgerVerification> Run();

 private:
  Status ReadMeta();
  Status CheckEntries();
  // False (with the fault recorded) unless the entry at `key` is the next one, intact.
  bool CheckEntry(std::string_view key, std::string_view value);
  bool Apply(const v1::TransferRecord& record);
  Status ReadChangeLogs();
  Status CheckAccounts();
  Status CheckDayCloses();
  void Bad(std::uint64_t sequence, std::string problem) {
    result_.set_ok(false);
    result_.set_first_bad_entry(sequence);
    result_.set_problem(std::move(problem));
  }
  bool failed() const { return !result_.problem().empty(); }

  const storage::ReadView& view_;
  const VerifyProgress& progress_;
  v1::LedgerVerification result_;
  std::uint64_t recorded_last_ = 0;
  std::string recorded_head_;
  std::string hash_ = ChainGenesis();
  std::map<std::string, Balances> balances_;
  // The newest logged balances of each account, and the entry they are as of.
  struct Logged {
    v1::AccountRecord balances;
    std::uint64_t last_sequence = 0;
  };
  std::map<std::string, Logged, std::less<>> logged_;
  std::map<std::string, std::int64_t> pending_amounts_;
};

Status Verifier::ReadMeta() {
  auto last = view_.Get(Family::kMeta, "last_sequence");
  if (!last.ok()) return last.status();
  if (last.value()) recorded_last_ = storage::DecodeSequence(*last.value()).value_or(0);
  auto head = view_.Get(Family::kMeta, "chain_head");
  if (!head.ok()) return head.status();
  recorded_head_ = head.value().value_or(ChainGenesis());
  return Status::Ok();
}

bool Verifier::CheckEntry(std::string_view key, std::string_view value) {
  std::uint64_t expected = result_.entries() + 1;
  auto sequence = storage::DecodeSequence(key);
  if (!sequence || *sequence != expected) {
    Bad(expected, "entry " + std::to_string(expected) + " is missing or out of place");
    return false;
  }
  v1::TransferRecord record;
  if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    Bad(expected, "entry " + std::to_string(expected) + " does not parse");
    return false;
  }
  if (record.sequence() != expected) {
    Bad(expected, "entry " + std::to_string(expected) + " carries another sequence");
    return false;
  }
  hash_ = ChainHash(hash_, record);
  auto stored = StoredChainHash(view_, record);
  if (!stored.ok() || !stored.value() || *stored.value() != hash_) {
    Bad(expected, "entry " + std::to_string(expected) + " does not match its chain hash");
    return false;
  }
  if (!Apply(record)) return false;
  result_.set_entries(expected);
  if (progress_ && expected % kVerifyProgressEvery == 0) progress_(expected, recorded_last_);
  return true;
}

bool Verifier::Apply(const v1::TransferRecord& r) {
  if (r.amount() <= 0 || r.debit_account_id().empty() || r.credit_account_id().empty() ||
      r.debit_account_id() == r.credit_account_id()) {
    Bad(r.sequence(), "entry " + std::to_string(r.sequence()) + " is not a valid movement");
    return false;
  }
  Balances& debit = balances_[r.debit_account_id()];
  Balances& credit = balances_[r.credit_account_id()];
  if (r.kind() == v1::TRANSFER_KIND_POSTED) {
    debit.debits_posted += r.amount();
    credit.credits_posted += r.amount();
  } else if (r.kind() == v1::TRANSFER_KIND_PENDING) {
    debit.debits_pending += r.amount();
    credit.credits_pending += r.amount();
    pending_amounts_[r.id()] = r.amount();
  } else {
    auto it = pending_amounts_.find(r.pending_id());
    if (it == pending_amounts_.end()) {
      Bad(r.sequence(), "entry " + std::to_string(r.sequence()) + " resolves no open reservation");
      return false;
    }
    debit.debits_pending -= it->second;
    credit.credits_pending -= it->second;
    pending_amounts_.erase(it);
    if (r.kind() == v1::TRANSFER_KIND_POST_PENDING) {
      debit.debits_posted += r.amount();
      credit.credits_posted += r.amount();
    }
  }
  return true;
}

Status Verifier::CheckEntries() {
  Status s = view_.Scan(
      Family::kTransfers, "", false, std::nullopt,
      [this](std::string_view key, std::string_view value) { return CheckEntry(key, value); });
  if (!s.ok() || failed()) return s;
  if (result_.entries() != recorded_last_) {
    // The first entry past the shorter of the two: missing, or stored beyond the record.
    Bad(std::min(result_.entries(), recorded_last_) + 1,
        "the ledger records " + std::to_string(recorded_last_) + " entries but " +
            std::to_string(result_.entries()) + " are stored");
  } else if (hash_ != recorded_head_) {
    Bad(recorded_last_, "the recorded chain head differs from the entries' chain");
  }
  return Status::Ok();
}

// A malformed log is a fault of the ledger's like an edited entry, reported as such.
Status Verifier::ReadChangeLogs() {
  Status malformed;
  Status s = ScanChangeLogs(view_, false, [&](std::string_view, const ChangeLog& log) {
    for (std::size_t i = 0; i < log.size(); ++i) {
      auto change = log.At(i);
      if (!change.ok()) {
        malformed = change.status();
        return false;
      }
      Logged& logged = logged_[std::string(change.value().account_id)];
      SetBalances(change.value(), &logged.balances);
      logged.last_sequence = change.value().last_sequence();
    }
    return true;
  });
  if (s.code() == Code::kInternal) malformed = s;  // a log that does not parse
  if (!s.ok() && malformed.ok()) return s;         // the store failed
  if (!malformed.ok()) Bad(0, malformed.message());
  return Status::Ok();
}

// Each account's balances as a reader sees them (its record, or its newest logged change
// past the record's checkpoint_sequence) against those its entries add up to.
Status Verifier::CheckAccounts() {
  if (Status s = ReadChangeLogs(); !s.ok() || failed()) return s;
  std::map<std::string, Wide> sums;  // per currency, posted and pending together
  std::map<std::string, Wide> pending_sums;
  Status s = ScanRecords<v1::AccountRecord>(
      view_, Family::kAccounts, std::nullopt,
      [&](std::string_view key, const v1::AccountRecord& stored) {
        v1::AccountRecord a = stored;
        if (auto logged = logged_.find(key); logged != logged_.end()) {
          if (logged->second.last_sequence > a.checkpoint_sequence()) {
            const v1::AccountRecord& b = logged->second.balances;
            a.set_debits_pending(b.debits_pending());
            a.set_debits_posted(b.debits_posted());
            a.set_credits_pending(b.credits_pending());
            a.set_credits_posted(b.credits_posted());
          }
          logged_.erase(logged);
        }
        auto it = balances_.find(std::string(key));
        Balances expected = it == balances_.end() ? Balances{} : it->second;
        if (it != balances_.end()) balances_.erase(it);
        if (expected.debits_pending != a.debits_pending() ||
            expected.debits_posted != a.debits_posted() ||
            expected.credits_pending != a.credits_pending() ||
            expected.credits_posted != a.credits_posted()) {
          result_.set_account_id(std::string(key));
          Bad(0, "account " + std::string(key) + "'s stored balances differ from its entries");
          return false;
        }
        sums[a.currency()] += Wide(a.credits_posted()) - a.debits_posted();
        pending_sums[a.currency()] += Wide(a.credits_pending()) - a.debits_pending();
        return true;
      });
  if (!s.ok() || failed()) return s;
  if (!logged_.empty()) {
    result_.set_account_id(logged_.begin()->first);
    Bad(0, "a change log names account " + logged_.begin()->first + ", which does not exist");
    return Status::Ok();
  }
  if (!balances_.empty()) {
    result_.set_account_id(balances_.begin()->first);
    Bad(0, "entries name account " + balances_.begin()->first + ", which does not exist");
    return Status::Ok();
  }
  for (const auto& [currency, sum] : sums) {
    if (sum != 0 || pending_sums[currency] != 0) {
      Bad(0, "the " + currency + " accounts do not sum to zero");
      break;
    }
  }
  return Status::Ok();
}

// Each day's close recorded the chain head after its last entry; a chain rebuilt after an
// edit would have to match every one of them.
Status Verifier::CheckDayCloses() {
  return ScanRecords<v1::DayClose>(
      view_, Family::kDays, std::nullopt, [&](std::string_view, const v1::DayClose& close) {
        const v1::DayReport& report = close.report();
        if (report.last_sequence() == 0) return true;
        auto stored = ChainHashAt(view_, report.last_sequence());
        std::string hex = stored.ok() && stored.value() ? HexEncode(*stored.value()) : "";
        if (hex != report.chain_head()) {
          Bad(report.last_sequence(),
              "the chain no longer matches the head recorded by the close of " + close.date());
          return false;
        }
        return true;
      });
}

Result<v1::LedgerVerification> Verifier::Run() {
  result_.set_ok(true);
  for (auto step : {&Verifier::ReadMeta, &Verifier::CheckEntries, &Verifier::CheckAccounts,
                    &Verifier::CheckDayCloses}) {
    if (Status s = (this->*step)(); !s.ok()) return s;
    if (failed()) break;
  }
  result_.set_head(HexEncode(hash_));
  if (progress_) progress_(result_.entries(), recorded_last_);
  return result_;
}

}  // namespace

Result<v1::LedgerVerification> VerifyLedger(const storage::ReadView& view,
                                            const VerifyProgress& progress) {
  Verifier verifier(view, progress);
  return verifier.Run();
}

Status Query::AuditHistory() const {
  auto result = engine::VerifyLedger(view_);
  if (!result.ok()) return result.status();
  if (result.value().ok()) return Status::Ok();
  Status problem(Code::kInternal, result.value().problem());
  if (!result.value().account_id().empty()) {
    problem = std::move(problem).WithDetail("account_id", result.value().account_id());
  }
  return problem;
}

Result<v1::LedgerVerification> Query::VerifyLedger() const { return engine::VerifyLedger(view_); }

}  // namespace market4::engine

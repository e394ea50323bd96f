#include "engine/day_report.h"

#include <map>
#include <utility>

#include "common/business_day.h"
#include "common/crypto.h"
#include "common/money.h"
#include "engine/chain.h"
#include "engine/chart.h"
#include "engine/market.h"
#include "engine/records.h"
#include "storage/keys.h"

namespace market4::engine {
namespace {

using storage::Family;

struct Figures {
  std::string currency;
  Wide opening = 0, debits = 0, credits = 0;
  Wide debits_pending = 0, credits_pending = 0;
};

class DayBuilder {
 public:
  DayBuilder(const storage::ReadView& view, std::int64_t day, int offset)
      : view_(view),
        start_ns_(LocalDayStartNs(day, offset)),
        end_ns_(LocalDayStartNs(day + 1, offset)) {
    report_.set_date(FormatDate(day));
    report_.set_utc_offset(FormatUtcOffset(offset));
    *report_.mutable_starts_at() = At(start_ns_);
    *report_.mutable_ends_at() = At(end_ns_);
  }

  Result<v1::DayReport> Build(const v1::DayReport* previous);

 private:
  void StartFrom(const v1::DayReport& previous);
  Status ScanEntries();
  Status Apply(const v1::TransferRecord& record);
  void Move(const v1::TransferRecord& record, bool today);
  Status AddAccounts();
  Status Finish();

  const storage::ReadView& view_;
  std::int64_t start_ns_, end_ns_;
  v1::DayReport report_;
  std::map<std::string, Figures> figures_;
  std::map<std::uint32_t, std::pair<std::int64_t, Wide>> by_code_;  // count, amount
  std::uint64_t last_sequence_ = 0;
};

void DayBuilder::StartFrom(const v1::DayReport& previous) {
  for (const auto& a : previous.accounts()) {
    Figures& f = figures_[a.account_id()];
    f.currency = a.currency();
    f.opening = a.closing();
  }
  for (const auto& p : previous.pending()) {
    figures_[p.account_id()].debits_pending = p.debits_pending();
    figures_[p.account_id()].credits_pending = p.credits_pending();
  }
  last_sequence_ = previous.last_sequence();
}

void DayBuilder::Move(const v1::TransferRecord& r, bool today) {
  Figures& debit = figures_[r.debit_account_id()];
  Figures& credit = figures_[r.credit_account_id()];
  if (!today) {
    debit.opening -= r.amount();
    credit.opening += r.amount();
    return;
  }
  debit.debits += r.amount();
  credit.credits += r.amount();
  auto& [count, amount] = by_code_[r.code()];
  ++count;
  amount += r.amount();
}

Status DayBuilder::Apply(const v1::TransferRecord& r) {
  bool today = r.timestamp_ns() >= start_ns_;
  Figures& debit = figures_[r.debit_account_id()];
  Figures& credit = figures_[r.credit_account_id()];
  if (r.kind() == v1::TRANSFER_KIND_POSTED) {
    Move(r, today);
  } else if (r.kind() == v1::TRANSFER_KIND_PENDING) {
    debit.debits_pending += r.amount();
    credit.credits_pending += r.amount();
  } else {
    auto reserved = ReadRecord<v1::TransferRecord>(view_, Family::kTransfers, [&] {
      auto sequence = view_.Get(Family::kTransferIds, r.pending_id());
      return sequence.ok() && sequence.value() ? *sequence.value() : std::string();
    }());
    if (!reserved.ok()) return reserved.status();
    if (!reserved.value()) {
      return Status(Code::kInternal, "a resolution names no reservation")
          .WithDetail("transfer_id", r.id());
    }
    debit.debits_pending -= reserved.value()->amount();
    credit.credits_pending -= reserved.value()->amount();
    if (r.kind() == v1::TRANSFER_KIND_POST_PENDING) Move(r, today);
  }
  if (today) {
    if (report_.entries() == 0) report_.set_first_sequence(r.sequence());
    report_.set_entries(report_.entries() + 1);
  }
  last_sequence_ = r.sequence();
  return Status::Ok();
}

Status DayBuilder::ScanEntries() {
  Status problem;
  Status s = view_.Scan(Family::kTransfers, "", false, storage::EncodeSequence(last_sequence_ + 1),
                        [&](std::string_view, std::string_view value) {
                          v1::TransferRecord record;
                          if (!record.ParseFromArray(value.data(), int(value.size()))) {
                            problem = Status(Code::kInternal, "corrupt ledger entry");
                            return false;
                          }
                          if (record.timestamp_ns() >= end_ns_) return false;
                          problem = Apply(record);
                          return problem.ok();
                        });
  return s.ok() ? problem : s;
}

// Every account that existed by the day's end, with its currency, even if nothing moved.
Status DayBuilder::AddAccounts() {
  Status s = ScanRecords<v1::AccountRecord>(view_, Family::kAccounts, std::nullopt,
                                            [&](std::string_view key, const v1::AccountRecord& a) {
                                              if (a.created_at_ns() < end_ns_)
                                                figures_[std::string(key)].currency = a.currency();
                                              return true;
                                            });
  if (!s.ok()) return s;
  for (const auto& [id, f] : figures_) {
    if (f.currency.empty()) {
      return Status(Code::kInternal, "entries name an account that does not exist")
          .WithDetail("account_id", id);
    }
  }
  return Status::Ok();
}

Status DayBuilder::Finish() {
  std::map<std::string, Wide> sums;
  Wide debits = 0, credits = 0;
  for (const auto& [id, f] : figures_) {
    Wide closing = f.opening + f.credits - f.debits;
    if (!FitsInt64(closing) || !FitsInt64(f.opening) || !FitsInt64(f.debits) ||
        !FitsInt64(f.credits)) {
      return Status(Code::kOverflow, "an account's day figures overflow")
          .WithDetail("account_id", id);
    }
    v1::DayAccount* a = report_.add_accounts();
    a->set_account_id(id);
    a->set_currency(f.currency);
    a->set_opening(std::int64_t(f.opening));
    a->set_debits(std::int64_t(f.debits));
    a->set_credits(std::int64_t(f.credits));
    a->set_closing(std::int64_t(closing));
    sums[f.currency] += closing;
    debits += f.debits;
    credits += f.credits;
    if (f.debits_pending != 0 || f.credits_pending != 0) {
      v1::DayPending* p = report_.add_pending();
      p->set_account_id(id);
      p->set_debits_pending(std::int64_t(f.debits_pending));
      p->set_credits_pending(std::int64_t(f.credits_pending));
    }
  }
  for (const auto& [currency, sum] : sums) {
    if (sum != 0) {
      return Status(Code::kInternal, "the day's closings do not sum to zero")
          .WithDetail("currency", currency);
    }
  }
  if (debits != credits || !FitsInt64(debits)) {
    return Status(Code::kInternal, "the day's debits and credits differ");
  }
  report_.mutable_totals()->set_debits(std::int64_t(debits));
  report_.mutable_totals()->set_credits(std::int64_t(credits));
  for (const auto& [code, figures] : by_code_) {
    v1::DayCode* c = report_.add_by_code();
    c->set_code(code);
    c->set_name(CodeName(code));
    c->set_count(figures.first);
    c->set_amount(std::int64_t(figures.second));
  }
  return Status::Ok();
}

Result<v1::DayReport> DayBuilder::Build(const v1::DayReport* previous) {
  if (previous) StartFrom(*previous);
  if (Status s = ScanEntries(); !s.ok()) return s;
  if (Status s = AddAccounts(); !s.ok()) return s;
  if (Status s = Finish(); !s.ok()) return s;
  report_.set_last_sequence(last_sequence_);
  std::string head = ChainGenesis();
  if (last_sequence_ != 0) {
    auto stored = ChainHashAt(view_, last_sequence_);
    if (!stored.ok()) return stored.status();
    if (!stored.value()) return Status(Code::kInternal, "a ledger entry has no chain hash");
    head = *stored.value();
  }
  report_.set_chain_head(HexEncode(head));
  return std::move(report_);
}

}  // namespace

Result<v1::DayReport> BuildDayReport(const storage::ReadView& view, std::int64_t day,
                                     int utc_offset_minutes, const v1::DayReport* previous) {
  DayBuilder builder(view, day, utc_offset_minutes);
  return builder.Build(previous);
}

Result<std::optional<std::int64_t>> FirstDay(const storage::ReadView& view,
                                             int utc_offset_minutes) {
  auto first = ReadRecord<v1::TransferRecord>(view, Family::kTransfers, storage::EncodeSequence(1));
  if (!first.ok()) return first.status();
  if (!first.value()) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(LocalDayOf(first.value()->timestamp_ns(), utc_offset_minutes));
}

std::string DayCloseKey(std::int64_t day) { return "c" + FormatDate(day); }

}  // namespace market4::engine

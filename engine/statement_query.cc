// Statements: an account's posted movements over local business days, with running balances.
//
// The opening balance is the account's posted balance now, less every posted movement since
// the period began: one newest-first pass over the account's index that stops at the first
// entry from before the period. Its cost is the number of entries since `from`, bounded by
// kMaxStatementScannedEntries, whatever the account's age; summing from the account's first
// entry would grow with every day the account lives. The pass relies on entries' times never
// decreasing with their sequence, so that the period is one run of them: each batch takes the
// later of the clock and the previous batch's time (Engine::ApplyBatch). A machine clock set
// back across a restart would break that, and with it the statements of the days involved.
#include <google/protobuf/util/time_util.h>

#include <deque>
#include <limits>

#include "common/limits.h"
#include "common/money.h"
#include "engine/account_index.h"
#include "engine/chart.h"
#include "engine/query.h"
#include "engine/records.h"
#include "engine/statement_lines.h"
#include "storage/keys.h"

namespace market4::engine {
namespace {

using storage::Family;

Status BadField(const std::string& message, const char* field) {
  return Status(Code::kInvalidArgument, message).WithDetail("field", field);
}

Result<std::int64_t> DateOf(std::string_view text, const char* field) {
  auto day = ParseDate(text);
  if (!day) {  // ParseDate refuses days after kLastDay
    return BadField(std::string(field) + " must be a date written YYYY-MM-DD", field);
  }
  return *day;
}

Status CheckPeriod(const StatementPeriod& period) {
  if (period.from_day < 0 || period.to_day > kLastDay) {
    return BadField("the period is outside the dates a statement can cover", "from");
  }
  if (period.from_day > period.to_day) return BadField("from must not be after to", "from");
  if (period.to_day - period.from_day + 1 > kMaxStatementDays) {
    return BadField("a statement covers at most " + std::to_string(kMaxStatementDays) + " days",
                    "to");
  }
  return Status::Ok();
}

// The posted money `record` moved into (+) or out of (-) `account`. Reservations, and the
// voids and expiries that release them, move none.
std::int64_t PostedMovement(const v1::TransferRecord& record, const std::string& account) {
  if (record.kind() != v1::TRANSFER_KIND_POSTED &&
      record.kind() != v1::TRANSFER_KIND_POST_PENDING) {
    return 0;
  }
  return record.credit_account_id() == account ? record.amount() : -record.amount();
}

// Where one pass over an account's entries looks: the period [start_ns, end_ns), the page's
// resume position (lines come after this sequence) and how many lines a page shows.
struct PassBounds {
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;
  std::uint64_t resume_after = 0;
  std::size_t lines = 0;
};

// What a newest-first pass over an account's entries since the period began found.
struct Pass {
  Wide after_period = 0;  // posted movements after the period ended
  Wide in_period = 0;     // ... within the period
  Wide before_page = 0;   // ... within the period, at or before the resume position
  // The oldest lines after the resume position, oldest first: one more than a page, to know
  // whether another page follows.
  std::deque<v1::TransferRecord> page;
  bool older_entries = false;  // the account has entries from before the period
};

void Take(const v1::TransferRecord& record, std::int64_t movement, const PassBounds& bounds,
          Pass& pass) {
  if (record.timestamp_ns() >= bounds.end_ns) {
    pass.after_period += movement;
    return;
  }
  pass.in_period += movement;
  if (movement == 0) return;  // no line: it moved no posted money
  if (record.sequence() <= bounds.resume_after) {
    pass.before_page += movement;
    return;
  }
  pass.page.push_front(record);
  if (pass.page.size() > bounds.lines + 1) pass.page.pop_back();
}

Result<Pass> ReadPass(const storage::ReadView& view, const LiveLogs* live,
                      const v1::AccountRecord& account, const PassBounds& bounds) {
  Pass pass;
  std::size_t examined = 0;
  Status problem;
  Status s = ScanAccountEntries(view, live, account, std::nullopt, [&](std::string_view sequence) {
    auto record = ReadRecord<v1::TransferRecord>(view, Family::kTransfers, sequence);
    if (!record.ok() || !record.value()) {
      problem = record.ok() ? Status(Code::kInternal, "account index points at nothing")
                            : record.status();
      return false;
    }
    if (record.value()->timestamp_ns() < bounds.start_ns) {
      pass.older_entries = true;
      return false;
    }
    if (++examined > kMaxStatementScannedEntries) {
      problem =
          BadField("the account has more than " + std::to_string(kMaxStatementScannedEntries) +
                       " ledger entries since from; ask for a later period",
                   "from");
      return false;
    }
    Take(*record.value(), PostedMovement(*record.value(), account.id()), bounds, pass);
    return true;
  });
  if (!s.ok()) return s;
  if (!problem.ok()) return problem;
  return pass;
}

// "2026-11-28T17:05:00+07:00": the instant in the market's local time.
std::string LocalTime(std::int64_t unix_ns, int utc_offset_minutes) {
  std::int64_t day = LocalDayOf(unix_ns, utc_offset_minutes);
  std::int64_t second = (unix_ns - LocalDayStartNs(day, utc_offset_minutes)) / 1'000'000'000;
  auto two_digits = [](std::int64_t n) {
    return std::string{static_cast<char>('0' + n / 10), static_cast<char>('0' + n % 10)};
  };
  return FormatDate(day) + "T" + two_digits(second / 3600) + ":" + two_digits(second / 60 % 60) +
         ":" + two_digits(second % 60) + FormatUtcOffset(utc_offset_minutes);
}

// Page tokens belong to one account and one period.
std::string StatementScope(const std::string& account_id, const StatementPeriod& period) {
  return account_id + "/" + FormatDate(period.from_day) + "/" + FormatDate(period.to_day);
}

Result<std::uint64_t> ResumeAfter(const std::string& token, const std::string& scope) {
  auto position = PagePosition(PagedList::kStatements, token, scope);
  if (!position.ok()) return position.status();
  if (!position.value()) return std::uint64_t{0};
  auto sequence = storage::DecodeSequence(*position.value());
  if (!sequence) return BadField("page_token is not one this list gave out", "page_token");
  return *sequence;
}

bool FitsAmount(Wide value) {
  return value >= std::numeric_limits<std::int64_t>::min() &&
         value <= std::numeric_limits<std::int64_t>::max();
}

}  // namespace

Result<StatementPeriod> StatementPeriodOf(std::string_view from, std::string_view to,
                                          std::int64_t now_ns, int utc_offset_minutes) {
  StatementPeriod period;
  period.utc_offset_minutes = utc_offset_minutes;
  period.to_day = LocalDayOf(now_ns, utc_offset_minutes);
  if (!to.empty()) {
    auto day = DateOf(to, "to");
    if (!day.ok()) return day.status();
    period.to_day = day.value();
  }
  period.from_day = period.to_day;
  if (!from.empty()) {
    auto day = DateOf(from, "from");
    if (!day.ok()) return day.status();
    period.from_day = day.value();
  }
  if (Status s = CheckPeriod(period); !s.ok()) return s;
  return period;
}

namespace {

// The lines of one page, with running balances from `balance` (the balance before the page's
// first line), and the token for the next page if there is one.
Status FillLines(const storage::ReadView& view, const std::string& scope, const Pass& pass,
                 const PassBounds& bounds, Wide balance, int utc_offset_minutes,
                 v1::Statement* statement) {
  LineDescriber describer(view, statement->account_id());
  std::size_t shown = std::min(bounds.lines, pass.page.size());
  for (std::size_t i = 0; i < shown; ++i) {
    const v1::TransferRecord& record = pass.page[i];
    std::int64_t amount = PostedMovement(record, statement->account_id());
    balance += amount;
    if (!FitsAmount(balance)) return Status(Code::kInternal, "a running balance overflows");
    v1::StatementLine* line = statement->add_lines();
    *line->mutable_time() =
        google::protobuf::util::TimeUtil::NanosecondsToTimestamp(record.timestamp_ns());
    line->set_local_time(LocalTime(record.timestamp_ns(), utc_offset_minutes));
    line->set_amount(amount);
    line->set_balance(static_cast<std::int64_t>(balance));
    line->set_transfer_id(record.id());
    line->set_code(record.code());
    if (Status s = describer.Describe(record, line); !s.ok()) return s;
  }
  if (pass.page.size() > shown) {
    statement->set_next_page_token(PageToken(
        PagedList::kStatements, storage::EncodeSequence(pass.page[shown - 1].sequence()), scope));
  }
  return Status::Ok();
}

}  // namespace

Result<v1::Statement> Query::GetStatement(const std::string& account_id,
                                          const StatementPeriod& period, std::size_t limit,
                                          const std::string& page_token) const {
  if (Status s = CheckPeriod(period); !s.ok()) return s;
  if (limit > kMaxStatementLines) {
    return BadField("limit must be at most " + std::to_string(kMaxStatementLines), "limit");
  }
  const std::string scope = StatementScope(account_id, period);
  auto resume = ResumeAfter(page_token, scope);
  if (!resume.ok()) return resume.status();
  auto account = ReadAccountAsSeen(view_, live_logs_.get(), account_id);
  if (!account.ok()) return account.status();
  const int offset = period.utc_offset_minutes;
  PassBounds bounds{LocalDayStartNs(period.from_day, offset),
                    LocalDayStartNs(period.to_day + 1, offset), resume.value(),
                    limit == 0 ? kMaxStatementLines : limit};
  auto pass = ReadPass(view_, live_logs_.get(), account.value(), bounds);
  if (!pass.ok()) return pass.status();
  Wide closing = Wide(account->credits_posted()) - account->debits_posted() - pass->after_period;
  Wide opening = closing - pass->in_period;
  // With nothing before the period, the opening is the balance of a new account: zero. A
  // cheap check that the stored balances agree with the history just read.
  if ((!pass->older_entries && opening != 0) || !FitsAmount(opening) || !FitsAmount(closing)) {
    return Status(Code::kInternal, "the account's balances differ from its history")
        .WithDetail("account_id", account_id);
  }
  v1::Statement statement;
  statement.set_account_id(account_id);
  statement.set_from(FormatDate(period.from_day));
  statement.set_to(FormatDate(period.to_day));
  statement.set_utc_offset(FormatUtcOffset(offset));
  statement.set_currency(account->currency());
  statement.set_opening(static_cast<std::int64_t>(opening));
  statement.set_closing(static_cast<std::int64_t>(closing));
  Status s = FillLines(view_, scope, pass.value(), bounds, opening + pass->before_page, offset,
                       &statement);
  if (!s.ok()) return s;
  return statement;
}

Result<v1::Statement> Query::GetMerchantStatement(const std::string& merchant_id,
                                                  const StatementPeriod& period, std::size_t limit,
                                                  const std::string& page_token) const {
  auto merchant = GetMerchant(merchant_id);
  if (!merchant.ok()) return merchant.status();
  return GetStatement(AvailableAccount(merchant_id), period, limit, page_token);
}

Result<v1::Statement> Query::GetWalletStatement(const std::string& buyer_id,
                                                const StatementPeriod& period, std::size_t limit,
                                                const std::string& page_token) const {
  auto buyer = GetBuyer(buyer_id);
  if (!buyer.ok()) return buyer.status();
  return GetStatement(WalletAccount(buyer_id), period, limit, page_token);
}

}  // namespace market4::engine

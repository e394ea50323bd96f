// The daily close, maker and checker. An operator closes a local business day once it has
// ended; its report is computed from the entries then and stored, never to change. A
// different operator approves it. Days close in order, from the day of the first entry, so
// each day's opening balances are the previous day's closings.
#include "common/business_day.h"
#include "engine/context.h"
#include "engine/day_report.h"
#include "engine/market.h"
#include "engine/records.h"

namespace market4::engine {
namespace {

using storage::Family;

Result<std::optional<v1::DayClose>> FindClose(Context& context, std::int64_t day) {
  return ReadStaged<v1::DayClose>(context.market.staged, Family::kDays, DayCloseKey(day));
}

void PutClose(Context& context, std::int64_t day, const v1::DayClose& close) {
  context.market.staged.Put(Family::kDays, DayCloseKey(day), close.SerializeAsString(),
                            &context.batch);
}

Status OperatorOnly(const Caller& caller) {
  if (caller.role == Role::kOperator && !caller.id.empty()) return Status::Ok();
  return Status(Code::kPermissionDenied, "only an operator closes and approves days");
}

// The first day not closed yet, for an error that tells the operator where to start.
std::string NextToClose(const storage::ReadView& view, std::int64_t first_day) {
  std::string next = FormatDate(first_day);
  Status s = view.Scan(Family::kDays, "c", true, std::nullopt, [&](std::string_view key, auto) {
    auto day = ParseDate(key.substr(1));
    if (day) next = FormatDate(*day + 1);
    return false;
  });
  return s.ok() ? next : "";
}

// Why `day` cannot be closed now, if it cannot; the close of the day before, if any.
Result<std::optional<v1::DayClose>> CheckClosable(Context& context, const storage::ReadView& view,
                                                  std::int64_t day) {
  int offset = context.utc_offset_minutes;
  if (context.now < LocalDayStartNs(day + 1, offset)) {
    return Status(Code::kFailedPrecondition, "this business day has not ended yet")
        .WithDetail("ends_at", FormatDate(day + 1) + "T00:00:00" + FormatUtcOffset(offset));
  }
  auto first = FirstDay(view, offset);
  if (!first.ok()) return first.status();
  if (!first.value()) return Status(Code::kFailedPrecondition, "the ledger has no entries yet");
  if (day < *first.value()) {
    return Status(Code::kFailedPrecondition, "the first business day is the first entry's day")
        .WithDetail("first_day", FormatDate(*first.value()));
  }
  if (day == *first.value()) return std::optional<v1::DayClose>();
  auto previous = FindClose(context, day - 1);
  if (!previous.ok()) return previous.status();
  if (!previous.value()) {
    return Status(Code::kFailedPrecondition, "days close in order; close the earlier day first")
        .WithDetail("next_day", NextToClose(view, *first.value()));
  }
  if (previous.value()->report().utc_offset() != FormatUtcOffset(offset)) {
    return Status(Code::kFailedPrecondition,
                  "the day before was closed with another UTC offset; restart with it")
        .WithDetail("utc_offset", previous.value()->report().utc_offset());
  }
  return previous;
}

}  // namespace

Answer<v1::DayClose> CloseDay::Apply(Context& context) const {
  if (Status s = OperatorOnly(caller); !s.ok()) return s;
  auto existing = FindClose(context, day);
  if (!existing.ok()) return existing.status();
  if (existing.value()) return {std::move(*existing.value()), true};
  // Every entry of a day that has ended was applied in an earlier batch, so once those are
  // committed (the latest view waits for them) the view holds the whole day.
  storage::ReadView view = context.store.LatestView();
  auto previous = CheckClosable(context, view, day);
  if (!previous.ok()) return previous.status();
  const v1::DayReport* opening = previous.value() ? &previous.value()->report() : nullptr;
  auto report = BuildDayReport(view, day, context.utc_offset_minutes, opening);
  if (!report.ok()) return report.status();
  v1::DayClose close;
  close.set_date(FormatDate(day));
  close.set_status("PENDING_APPROVAL");
  report.value().set_status(close.status());
  close.set_closed_by(caller.id);
  *close.mutable_closed_at() = At(context.now);
  *close.mutable_report() = std::move(report.value());
  PutClose(context, day, close);
  return close;
}

Answer<v1::DayClose> ApproveDay::Apply(Context& context) const {
  if (Status s = OperatorOnly(caller); !s.ok()) return s;
  auto found = FindClose(context, day);
  if (!found.ok()) return found.status();
  if (!found.value()) {
    return Status(Code::kFailedPrecondition, "this day is not closed yet; close it first")
        .WithDetail("date", FormatDate(day));
  }
  v1::DayClose close = std::move(*found.value());
  if (close.status() == "CLOSED") return {close, true};
  if (caller.id == close.closed_by()) {
    return Status(Code::kSameOperator, "a different operator must approve the close")
        .WithDetail("closed_by", close.closed_by());
  }
  auto previous = FindClose(context, day - 1);
  if (!previous.ok()) return previous.status();
  if (previous.value() && previous.value()->status() != "CLOSED") {
    return Status(Code::kFailedPrecondition, "days are approved in order; approve the day before")
        .WithDetail("date", previous.value()->date());
  }
  close.set_status("CLOSED");
  close.mutable_report()->set_status(close.status());  // the figures stay as made
  close.set_approved_by(caller.id);
  *close.mutable_approved_at() = At(context.now);
  PutClose(context, day, close);
  return close;
}

}  // namespace market4::engine

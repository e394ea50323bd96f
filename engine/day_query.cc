// Reads of the operators' day: held corrections (approvals) and day closes with their
// reports, or a preview of a day not closed yet.
#include "common/business_day.h"
#include "common/limits.h"
#include "engine/day_report.h"
#include "engine/query.h"
#include "engine/records.h"

namespace market4::engine {
namespace {

using storage::Family;

// One newest-first page of kApprovals' "n" or kDays' "c" keys (prefix), resuming below the
// last key shown; `add` reads the record of a key and returns false to skip it. Examines at
// most kMaxScannedRecords keys.
template <typename Response, typename Add>
Result<Response> ListNewestFirst(const storage::ReadView& view, Family family, PagedList list,
                                 const std::string& prefix, std::size_t limit,
                                 const std::string& page_token, Add add) {
  auto size = PageSize(limit);
  if (!size.ok()) return size.status();
  auto below = PagePosition(list, page_token);
  if (!below.ok()) return below.status();
  Response response;
  std::size_t shown = 0, scanned = 0;
  std::string last;
  Status problem;
  Status s =
      view.Scan(family, prefix, true, below.value(), [&](std::string_view key, std::string_view) {
        if (below.value() && key >= *below.value()) return true;
        if (shown == size.value() || scanned == kMaxScannedRecords) {
          response.set_next_page_token(PageToken(list, last));
          return false;
        }
        ++scanned;
        last = std::string(key);
        auto kept = add(response, std::string(key));
        if (!kept.ok()) problem = kept.status();
        if (kept.ok() && kept.value()) ++shown;
        return problem.ok();
      });
  if (!s.ok()) return s;
  if (!problem.ok()) return problem;
  return response;
}

}  // namespace

Result<v1::Approval> Query::GetApproval(const std::string& id) const {
  auto record = ReadRecord<v1::Approval>(view_, Family::kApprovals, "a" + id);
  if (!record.ok()) return record.status();
  if (!record.value()) {
    return Status(Code::kNotFound, "no approval with this id").WithDetail("approval_id", id);
  }
  return std::move(*record.value());
}

Result<v1::ListApprovalsResponse> Query::ListApprovals(v1::ApprovalStatus status, std::size_t limit,
                                                       const std::string& page_token) const {
  constexpr std::size_t kTimeBytes = 9;  // "n" + big-endian time
  return ListNewestFirst<v1::ListApprovalsResponse>(
      view_, Family::kApprovals, PagedList::kApprovals, "n", limit, page_token,
      [&](v1::ListApprovalsResponse& response, const std::string& key) -> Result<bool> {
        auto approval = GetApproval(key.substr(kTimeBytes));
        if (!approval.ok()) return approval.status();
        if (status != v1::APPROVAL_STATUS_UNSPECIFIED && approval.value().status() != status) {
          return false;
        }
        *response.add_approvals() = std::move(approval.value());
        return true;
      });
}

Result<v1::ListDaysResponse> Query::ListDays(std::size_t limit,
                                             const std::string& page_token) const {
  return ListNewestFirst<v1::ListDaysResponse>(
      view_, Family::kDays, PagedList::kDays, "c", limit, page_token,
      [&](v1::ListDaysResponse& response, const std::string& key) -> Result<bool> {
        auto close = ReadRecord<v1::DayClose>(view_, Family::kDays, key);
        if (!close.ok()) return close.status();
        if (!close.value()) return false;
        v1::DayClose* shown = response.add_days();
        *shown = std::move(*close.value());
        shown->clear_report();  // the list stays small; GET the report for the figures
        return true;
      });
}

Result<v1::DayReport> Query::GetDayReport(std::int64_t day, int utc_offset_minutes,
                                          std::int64_t now_ns) const {
  auto close = ReadRecord<v1::DayClose>(view_, Family::kDays, DayCloseKey(day));
  if (!close.ok()) return close.status();
  if (close.value()) return std::move(*close.value()->mutable_report());
  auto first = FirstDay(view_, utc_offset_minutes);
  if (!first.ok()) return first.status();
  if (!first.value() || day < *first.value() || LocalDayStartNs(day, utc_offset_minutes) > now_ns) {
    return Status(Code::kNotFound, "no business day with entries on this date")
        .WithDetail("date", FormatDate(day));
  }
  auto previous = ReadRecord<v1::DayClose>(view_, Family::kDays, DayCloseKey(day - 1));
  if (!previous.ok()) return previous.status();
  bool chained = previous.value() &&
                 previous.value()->report().utc_offset() == FormatUtcOffset(utc_offset_minutes);
  auto report = BuildDayReport(view_, day, utc_offset_minutes,
                               chained ? &previous.value()->report() : nullptr);
  if (!report.ok()) return report.status();
  report.value().set_status("OPEN");
  return report;
}

}  // namespace market4::engine

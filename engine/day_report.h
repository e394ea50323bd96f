// Private to engine/: a business day's report, computed from the stored entries. Used by the
// daily close (days.cc, on the writer thread, over a view of the committed ledger: every
// entry of a day that has ended is committed) and by previews (day_query.cc, any thread).
#pragma once

#include <cstdint>
#include <optional>

#include "common/status.h"
#include "market4/v1/operations.pb.h"
#include "storage/store.h"

namespace market4::engine {

// The report of local day `day`: opening balances are the closings of `previous` (the report
// of the day before), or, without one, everything before the day recomputed from the first
// entry. Posted amounts only; reservations open at the day's end are listed apart. INTERNAL if
// the closings do not sum to zero per currency. Leaves `status` empty.
[[nodiscard]] Result<v1::DayReport> BuildDayReport(const storage::ReadView& view, std::int64_t day,
                                                   int utc_offset_minutes,
                                                   const v1::DayReport* previous);

// The local day of the ledger's first entry; nullopt while the ledger is empty.
[[nodiscard]] Result<std::optional<std::int64_t>> FirstDay(const storage::ReadView& view,
                                                           int utc_offset_minutes);

// kDays key of a day's close: "c"+YYYY-MM-DD, which sorts by date.
std::string DayCloseKey(std::int64_t day);

}  // namespace market4::engine

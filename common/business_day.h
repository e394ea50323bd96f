// Business days in the market's local time. The market runs on a fixed offset from UTC
// (Asia/Ho_Chi_Minh is +07:00 all year: Vietnam keeps no daylight saving), so a local day is
// the half-open range [local midnight, next local midnight) of UTC instants. Days are
// numbered from 1970-01-01 and written as YYYY-MM-DD. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace market4 {

// Asia/Ho_Chi_Minh.
inline constexpr int kDefaultUtcOffsetMinutes = 7 * 60;
// "±HH:MM" with HH up to 23 is accepted, so that any instant can be made local 23:59 (tests and
// trials of the daily close); real markets use -12:00..+14:00.
inline constexpr int kMaxUtcOffsetMinutes = 23 * 60 + 59;
inline constexpr std::int64_t kNanosPerMinute = 60'000'000'000;
inline constexpr std::int64_t kNanosPerDay = 24 * 60 * kNanosPerMinute;

// "+07:00" -> 420, "-05:30" -> -330; nullopt unless exactly ±HH:MM within the bounds above.
std::optional<int> ParseUtcOffset(std::string_view text);
// 420 -> "+07:00", 0 -> "+00:00".
std::string FormatUtcOffset(int minutes);

// The last day a date may name, 2262-04-09: the start of the day after it, at any offset up to
// kMaxUtcOffsetMinutes, is still an int64 of nanoseconds (LocalDayStartNs), which for later
// days overflows.
inline constexpr std::int64_t kLastDay = INT64_MAX / kNanosPerDay - 2;

// "2026-11-28" -> days since 1970-01-01; nullopt unless a real Gregorian date in
// 1970-01-01..kLastDay (2262-04-09) written exactly YYYY-MM-DD.
std::optional<std::int64_t> ParseDate(std::string_view text);
// Days since 1970-01-01 -> "YYYY-MM-DD".
std::string FormatDate(std::int64_t day);

// The local day an instant (ns since the epoch, UTC) falls on.
std::int64_t LocalDayOf(std::int64_t unix_ns, int utc_offset_minutes);
// The UTC instant (ns) at which local day `day` begins; it ends where day + 1 begins.
std::int64_t LocalDayStartNs(std::int64_t day, int utc_offset_minutes);

}  // namespace market4

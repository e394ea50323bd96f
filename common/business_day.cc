#include "common/business_day.h"

#include <chrono>
#include <cstdio>

namespace market4 {
namespace {

bool Digits(std::string_view text, std::size_t from, std::size_t count, int* value) {
  *value = 0;
  for (std::size_t i = from; i < from + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    *value = *value * 10 + (text[i] - '0');
  }
  return true;
}

// Floor division: local days before 1970 would otherwise round towards zero.
std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

}  // namespace

std::optional<int> ParseUtcOffset(std::string_view text) {
  int hours = 0, minutes = 0;
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':' ||
      !Digits(text, 1, 2, &hours) || !Digits(text, 4, 2, &minutes) || minutes > 59) {
    return std::nullopt;
  }
  int total = hours * 60 + minutes;
  if (total > kMaxUtcOffsetMinutes) return std::nullopt;
  return text[0] == '-' ? -total : total;
}

std::string FormatUtcOffset(int minutes) {
  char sign = minutes < 0 ? '-' : '+';
  int magnitude = minutes < 0 ? -minutes : minutes;
  char text[8];
  std::snprintf(text, sizeof text, "%c%02d:%02d", sign, magnitude / 60 % 100, magnitude % 60);
  return text;
}

std::optional<std::int64_t> ParseDate(std::string_view text) {
  int year = 0, month = 0, day = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !Digits(text, 0, 4, &year) ||
      !Digits(text, 5, 2, &month) || !Digits(text, 8, 2, &day) || year < 1970) {
    return std::nullopt;
  }
  std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month),
                                   std::chrono::day(day)};
  if (!date.ok()) return std::nullopt;
  std::int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  if (days > kLastDay) return std::nullopt;
  return days;
}

std::string FormatDate(std::int64_t day) {
  std::chrono::year_month_day date{std::chrono::sys_days(std::chrono::days(day))};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

std::int64_t LocalDayOf(std::int64_t unix_ns, int utc_offset_minutes) {
  return FloorDiv(unix_ns + utc_offset_minutes * kNanosPerMinute, kNanosPerDay);
}

std::int64_t LocalDayStartNs(std::int64_t day, int utc_offset_minutes) {
  return day * kNanosPerDay - utc_offset_minutes * kNanosPerMinute;
}

}  // namespace market4

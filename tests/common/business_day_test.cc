#include "common/business_day.h"

#include <gtest/gtest.h>

namespace market4 {
namespace business_day_test {

TEST(BusinessDayTest, OffsetsAreExactlyPlusOrMinusHoursAndMinutes) {
  EXPECT_EQ(ParseUtcOffset("+07:00"), 420);
  EXPECT_EQ(ParseUtcOffset("-05:30"), -330);
  EXPECT_EQ(ParseUtcOffset("+00:00"), 0);
  EXPECT_EQ(ParseUtcOffset("+23:59"), 23 * 60 + 59);
  for (const char* bad : {"07:00", "+7:00", "+07:60", "+24:00", "+07:00 ", "+0700", "", "+07:0a"}) {
    EXPECT_FALSE(ParseUtcOffset(bad)) << bad;
  }
  EXPECT_EQ(FormatUtcOffset(420), "+07:00");
  EXPECT_EQ(FormatUtcOffset(-330), "-05:30");
  EXPECT_EQ(FormatUtcOffset(0), "+00:00");
}

TEST(BusinessDayTest, DatesAreRealGregorianDays) {
  EXPECT_EQ(ParseDate("1970-01-01"), 0);
  EXPECT_EQ(ParseDate("2026-11-28"), 20'785);
  EXPECT_EQ(ParseDate("2024-02-29"), 19'782);
  for (const char* bad : {"2026-02-29", "2026-13-01", "2026-11-31", "1969-12-31", "2026-1-01",
                          "2026/11/28", "20261128", "2026-11-28T"}) {
    EXPECT_FALSE(ParseDate(bad)) << bad;
  }
  EXPECT_EQ(FormatDate(20'785), "2026-11-28");
  EXPECT_EQ(FormatDate(0), "1970-01-01");
}

// Found by fuzz/http_fuzz (fuzz/regressions/http_fuzz/): POST
// /v1/providers/momo/settlements/4052-01-01 took the date, and the engine's writer computed the
// day's start in nanoseconds, which overflowed int64 (undefined; a sanitizer build stopped).
// Closing a day, its report and a day's settlement entries did the same.
TEST(BusinessDayTest, DatesEndWhereNanosecondsDo) {
  EXPECT_EQ(ParseDate("2262-04-09"), kLastDay);
  for (const char* late : {"2262-04-10", "2262-04-12", "4052-01-01", "9999-12-31"}) {
    EXPECT_FALSE(ParseDate(late)) << late;
  }
  for (int offset : {-kMaxUtcOffsetMinutes, 0, kMaxUtcOffsetMinutes}) {
    EXPECT_GT(LocalDayStartNs(kLastDay + 1, offset), LocalDayStartNs(kLastDay, offset));
    EXPECT_EQ(LocalDayOf(LocalDayStartNs(kLastDay + 1, offset) - 1, offset), kLastDay);
  }
}

TEST(BusinessDayTest, LocalMidnightSplitsTheDays) {
  constexpr std::int64_t kSecond = 1'000'000'000;
  std::int64_t day = *ParseDate("2026-11-28");
  // 2026-11-28 00:00 in Ho Chi Minh City is 2026-11-27 17:00 UTC.
  std::int64_t start = LocalDayStartNs(day, 420);
  EXPECT_EQ(start, (day * 86'400 - 7 * 3'600) * kSecond);
  EXPECT_EQ(LocalDayOf(start, 420), day);
  EXPECT_EQ(LocalDayOf(start - 1, 420), day - 1);
  EXPECT_EQ(LocalDayOf(LocalDayStartNs(day + 1, 420) - 1, 420), day);
  EXPECT_EQ(LocalDayOf(start, -300), day - 1);  // 12:00 the day before in UTC-5
}

}  // namespace business_day_test
}  // namespace market4

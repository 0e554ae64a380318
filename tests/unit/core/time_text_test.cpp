#include "core/time_text.h"

#include "support/utc.h"
#include <date/date.h>
#include <date/tz.h>
#include <gtest/gtest.h>

namespace pulsemon {
namespace {

using std::chrono::hours;

using testing::utc;

const date::time_zone &amsterdam() {
  return *date::locate_zone("Europe/Amsterdam");
}

TEST(TimeText, ReadsEpochSecondsAndIsoTimesWithOffsets) {
  EXPECT_EQ(*parse_time("1774800000", amsterdam()), utc_from_epoch_us(1774800000LL * 1000000));
  EXPECT_EQ(*parse_time("1774800000.25", amsterdam()), utc_from_epoch_us(1774800000250000LL));
  EXPECT_EQ(*parse_time("2026-03-29T14:05:30Z", amsterdam()), utc(2026, 3, 29, 14, 5, 30));
  EXPECT_EQ(*parse_time("2026-03-29T14:05+02:00", amsterdam()), utc(2026, 3, 29, 12, 5));
  EXPECT_EQ(*parse_time("2026-03-29T14:05-0530", amsterdam()), utc(2026, 3, 29, 19, 35));
  EXPECT_EQ(*parse_time("2026-03-29T14:05:30.000001Z", amsterdam()),
            utc(2026, 3, 29, 14, 5, 30) + Micros{1});
}

TEST(TimeText, ReadsLocalTimesInTheZone) {
  EXPECT_EQ(*parse_time("2026-03-29", amsterdam()), utc(2026, 3, 28, 23));
  EXPECT_EQ(*parse_time("2026-07-01 12:00", amsterdam()), utc(2026, 7, 1, 10));
  // 02:30 on 25 October happens twice; the first one is taken.
  EXPECT_EQ(*parse_time("2026-10-25T02:30", amsterdam()), utc(2026, 10, 25, 0, 30));
  const auto skipped = parse_time("2026-03-29T02:30", amsterdam());
  ASSERT_FALSE(skipped.ok());
  EXPECT_NE(skipped.error().message.find("does not exist"), std::string::npos);
}

TEST(TimeText, RefusesWhatIsNotATime) {
  for (const char *bad :
       {"", "yesterday", "2026-13-01", "2026-02-30", "2026-03-29T25:00", "2026-03-29T12",
        "2026-03-29X", "12abc", "2026-03-29T12:00:00.1234567Z"}) {
    const auto result = parse_time(bad, amsterdam());
    EXPECT_FALSE(result.ok()) << bad;
  }
}

// Found by tests/fuzz/fuzz_time_text: these parsed, but to instants that
// format_utc cannot write back as the four-digit years it reads.
TEST(TimeText, RefusesOffsetsBeyondFourteenHoursAndYearsOutsideOneTo9999) {
  for (const char *bad : {"0000-01-02+60", "2026-03-29T14:05+15:00", "2026-03-29T14:05+02:60",
                          "0001-01-01T00:00+01:00", "-99999999999"}) {
    const auto result = parse_time(bad, amsterdam());
    EXPECT_FALSE(result.ok()) << bad;
  }
  EXPECT_TRUE(parse_time("2026-03-29T14:05+14:00", amsterdam()).ok());
  EXPECT_TRUE(parse_time("0001-01-01T00:00Z", amsterdam()).ok());
  EXPECT_TRUE(parse_time("9999-12-31T23:59:59.999999Z", amsterdam()).ok());
}

// '0001-01-01' read in Amsterdam (then UTC+0:19:32) is a moment of the
// year 0 in UTC: the message says so rather than that the year 1 lies
// outside the years 1 to 9999.
TEST(TimeText, ADateThatTheZoneMovesBeforeTheYearOneSaysWhy) {
  const auto result = parse_time("0001-01-01", amsterdam());
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("before 0001-01-01T00:00:00Z"), std::string::npos)
      << result.error().message;
  EXPECT_NE(result.error().message.find("Europe/Amsterdam"), std::string::npos)
      << result.error().message;
  EXPECT_EQ(result.error().message.find("outside the years 1 to 9999"), std::string::npos);
  const auto late = parse_time("9999-12-31T23:59-01:00", amsterdam());
  ASSERT_FALSE(late.ok());
  EXPECT_NE(late.error().message.find("not before 10000-01-01"), std::string::npos);
}

TEST(TimeText, FormatsUtcWithMicrosecondsOnlyWhenNeeded) {
  EXPECT_EQ(format_utc(utc(2026, 3, 29, 1)), "2026-03-29T01:00:00Z");
  EXPECT_EQ(format_utc(utc(2026, 3, 29, 1) + Micros{1500}), "2026-03-29T01:00:00.001500Z");
  EXPECT_EQ(format_utc(utc(2026, 12, 31, 23) + std::chrono::minutes{59} + std::chrono::seconds{59} +
                       Micros{999'999}),
            "2026-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_utc(utc_from_epoch_us(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_utc(utc_from_epoch_us(-1)), "1969-12-31T23:59:59.999999Z");
}

} // namespace
} // namespace pulsemon

namespace pulsemon {
namespace {

TEST(DurationText, SaysASpanInTheUnitAPersonWouldUse) {
  EXPECT_EQ(duration_text(std::chrono::seconds{5}), "5 s");
  EXPECT_EQ(duration_text(std::chrono::minutes{12}), "12 min");
  EXPECT_EQ(duration_text(std::chrono::minutes{150}), "2.5 hours");
  EXPECT_EQ(duration_text(std::chrono::hours{77}), "3.2 days");
}

} // namespace
} // namespace pulsemon

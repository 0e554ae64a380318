#include "core/tariff.h"

#include <date/date.h>
#include <date/tz.h>
#include <gtest/gtest.h>

namespace pulsemon {
namespace {

constexpr int monday = 0;
constexpr int friday = 4;
constexpr int saturday = 5;

TEST(Tariff, AFlatPriceAppliesAlways) {
  const auto tariff = parse_tariff("0.28");
  ASSERT_TRUE(tariff.ok());
  EXPECT_DOUBLE_EQ(tariff->price_at(saturday, 3 * 60), 0.28);
  EXPECT_FALSE(tariff->has_periods());
}

TEST(Tariff, PeakOnWeekdaysAndBaseOtherwise) {
  const auto tariff = parse_tariff("0.22;peak=0.35@Mon-Fri 07:00-23:00");
  ASSERT_TRUE(tariff.ok()) << tariff.error().message;
  EXPECT_DOUBLE_EQ(tariff->price_at(monday, 7 * 60), 0.35);
  EXPECT_DOUBLE_EQ(tariff->price_at(friday, 22 * 60 + 59), 0.35);
  EXPECT_DOUBLE_EQ(tariff->price_at(friday, 23 * 60), 0.22);
  EXPECT_DOUBLE_EQ(tariff->price_at(monday, 6 * 60 + 59), 0.22);
  EXPECT_DOUBLE_EQ(tariff->price_at(saturday, 12 * 60), 0.22);
}

TEST(Tariff, APeriodPastMidnightBelongsToTheDayItStarts) {
  const auto tariff = parse_tariff("0.30;night=0.15@Mon-Fri 23:00-07:00");
  ASSERT_TRUE(tariff.ok()) << tariff.error().message;
  EXPECT_DOUBLE_EQ(tariff->price_at(friday, 23 * 60 + 30), 0.15);
  EXPECT_DOUBLE_EQ(tariff->price_at(saturday, 6 * 60), 0.15) << "Friday night runs into Saturday";
  EXPECT_DOUBLE_EQ(tariff->price_at(monday, 6 * 60), 0.30) << "Sunday night is not in the period";
}

TEST(Tariff, TheFirstMatchingPeriodWins) {
  const auto tariff =
      parse_tariff("0.30;weekend=0.18@Sat,Sun 00:00-24:00;night=0.15@all 23:00-07:00");
  ASSERT_TRUE(tariff.ok()) << tariff.error().message;
  EXPECT_DOUBLE_EQ(tariff->price_at(saturday, 2 * 60), 0.18) << "weekend comes before night";
  EXPECT_DOUBLE_EQ(tariff->price_at(monday, 2 * 60), 0.15) << "a weekday night";
}

TEST(Tariff, ReadsTheLocalClockOfTheZone) {
  const auto tariff = parse_tariff("0.22;peak=0.35@Mon-Fri 07:00-23:00");
  ASSERT_TRUE(tariff.ok());
  const auto &amsterdam = *date::locate_zone("Europe/Amsterdam");
  using namespace date::literals;
  // Monday 2026-06-01 05:30 UTC is 07:30 CEST: peak.
  const UtcTime t = UtcTime{date::sys_days{2026_y / 6 / 1}} + std::chrono::minutes{5 * 60 + 30};
  EXPECT_DOUBLE_EQ(tariff->price_at(amsterdam, t), 0.35);
  EXPECT_DOUBLE_EQ(tariff->price_at(*date::locate_zone("UTC"), t), 0.22);
}

TEST(Tariff, RejectsBadTextAndNamesThePart) {
  for (const char *bad :
       {"", "abc", "-1", "0.2;peak", "0.2;peak=x@Mon 07:00-08:00",
        "0.2;peak=0.3@Moonday 07:00-08:00", "0.2;peak=0.3@Mon 07:10-08:00",
        "0.2;peak=0.3@Mon 07:00-07:00", "0.2;peak=0.3@Mon 25:00-26:00", "0.2;peak=0.3@Mon"}) {
    const auto tariff = parse_tariff(bad);
    EXPECT_FALSE(tariff.ok()) << bad;
    if (!tariff.ok()) {
      EXPECT_EQ(tariff.error().code, ErrorCode::invalid_argument);
      EXPECT_EQ(tariff.error().message.rfind("tariff:", 0), 0U) << tariff.error().message;
    }
  }
}

} // namespace
} // namespace pulsemon

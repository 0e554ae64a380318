#include "core/tariff.h"

#include "core/calendar.h"

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
  for (const char *bad : {"",
                          "abc",
                          "-1",
                          "0.2;peak",
                          "0.2;peak=x@Mon 07:00-08:00",
                          "0.2;peak=0.3@Moonday 07:00-08:00",
                          "0.2;peak=0.3@Mon 07:10-08:00",
                          "0.2;peak=0.3@Mon 07:00-07:00",
                          "0.2;peak=0.3@Mon 25:00-26:00",
                          "0.2;peak=0.3@Mon",
                          "0.2/m3",
                          "0.2/kWh/kWh",
                          "/kWh",
                          "0.2;standing",
                          "0.2;standing=-1",
                          "0.2;standing=x",
                          "0.2;fixed=0.3",
                          "0.2;standing=0.3;standing=0.4",
                          "1e308",
                          "0.2;standing=1e300",
                          "0.2;peak=2000000@Mon 07:00-08:00"}) {
    const auto tariff = parse_tariff(bad);
    EXPECT_FALSE(tariff.ok()) << bad;
    if (!tariff.ok()) {
      EXPECT_EQ(tariff.error().code, ErrorCode::invalid_argument);
      EXPECT_EQ(tariff.error().message.rfind("tariff:", 0), 0U) << tariff.error().message;
    }
  }
}

TEST(Tariff, APricePerKwhAndAStandingChargePerDay) {
  const auto tariff = parse_tariff("0.07/kWh;standing=0.29;peak=0.09@Mon-Fri 16:00-19:00");
  ASSERT_TRUE(tariff.ok()) << tariff.error().message;
  EXPECT_EQ(tariff->per, PricedPer::kwh);
  EXPECT_DOUBLE_EQ(tariff->standing_per_day, 0.29);
  EXPECT_DOUBLE_EQ(tariff->price_at(monday, 17 * 60), 0.09);
  EXPECT_DOUBLE_EQ(tariff->price_at(monday, 12 * 60), 0.07);
  const auto plain = parse_tariff("0.28");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->per, PricedPer::meter_unit);
  EXPECT_DOUBLE_EQ(plain->standing_per_day, 0.0);
}

TEST(Tariff, TheStandingChargeIsSpreadOverEachLocalDayAsLongAsItIs) {
  const auto tariff = parse_tariff("0.20;standing=0.46");
  ASSERT_TRUE(tariff.ok());
  const Calendar amsterdam(*date::locate_zone("Europe/Amsterdam"));
  using std::chrono::hours;
  using namespace date::literals;
  // 29 March 2026 in Amsterdam: 23 hours, from 23:00 UTC on the 28th.
  const UtcTime spring_day{date::sys_days{2026_y / 3 / 28} + hours{23}};
  EXPECT_NEAR(tariff->standing_charge(amsterdam, spring_day, spring_day + hours{23}), 0.46, 1e-12);
  EXPECT_NEAR(tariff->standing_charge(amsterdam, spring_day, spring_day + hours{1}), 0.02, 1e-12)
      << "an hour of a 23-hour day";
  // From noon on the 28th (UTC+1) to noon on the 31st (UTC+2): half a day,
  // two whole days (the 29th and 30th), half a day.
  const UtcTime from{date::sys_days{2026_y / 3 / 28} + hours{11}};
  const UtcTime to{date::sys_days{2026_y / 3 / 31} + hours{10}};
  EXPECT_NEAR(tariff->standing_charge(amsterdam, from, to), 3 * 0.46, 1e-12);
  EXPECT_DOUBLE_EQ(tariff->standing_charge(amsterdam, to, from), 0.0);
  // Ten years of days: as many charges as local days.
  const UtcTime start{date::sys_days{2020_y / 1 / 1} - hours{1}};
  const UtcTime end{date::sys_days{2030_y / 1 / 1} - hours{1}};
  EXPECT_NEAR(tariff->standing_charge(amsterdam, start, end), 3653 * 0.46, 1e-9);
}

} // namespace
} // namespace pulsemon

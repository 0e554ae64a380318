#include "core/progress_text.h"

#include <gtest/gtest.h>

namespace pulsemon {
namespace {

TEST(ProgressText, CountsKeepThreeSignificantDigits) {
  EXPECT_EQ(short_count(0), "0");
  EXPECT_EQ(short_count(950), "950");
  EXPECT_EQ(short_count(999.6), "1.00 k");
  EXPECT_EQ(short_count(12'345), "12.3 k");
  EXPECT_EQ(short_count(456'789), "457 k");
  EXPECT_EQ(short_count(25'600'000), "25.6 M");
  EXPECT_EQ(short_count(1'200'000'000), "1.20 G");
  EXPECT_EQ(short_count(-5), "0");
}

TEST(ProgressText, DurationsReadAsAPersonWouldSayThem) {
  EXPECT_EQ(short_duration(7.4), "7 s");
  EXPECT_EQ(short_duration(245), "4 min 05 s");
  EXPECT_EQ(short_duration(7380), "2 h 03 min");
  EXPECT_EQ(short_duration(-1), "?");
}

TEST(ProgressText, AKnownTotalGivesShareRateAndTimeLeft) {
  EXPECT_EQ(progress_line({"importing rows", 12'300'000, 25'600'000, 40.0}),
            "importing rows: 12.3 M of 25.6 M (48 %), 308 k/s, 43 s left");
}

TEST(ProgressText, WithoutATotalTheElapsedTimeStandsInForTimeLeft) {
  EXPECT_EQ(progress_line({"exporting pulses", 1'200'000, std::nullopt, 3.0}),
            "exporting pulses: 1.20 M, 400 k/s, 3 s");
}

TEST(ProgressText, NoRateBeforeThereIsOne) {
  EXPECT_EQ(progress_line({"rebuilding rollups", 0, std::nullopt, 0.0}), "rebuilding rollups: 0 s");
  EXPECT_EQ(progress_line({"checking rows", 0, 100, 5.0}), "checking rows: 0 of 100 (0 %), 5 s");
}

TEST(ProgressText, MoreDoneThanTheTotalNeverShowsOverAHundredPercent) {
  EXPECT_EQ(progress_line({"importing rows", 120, 100, 1.0}),
            "importing rows: 120 of 100 (100 %), 120/s, 1 s");
}

} // namespace
} // namespace pulsemon

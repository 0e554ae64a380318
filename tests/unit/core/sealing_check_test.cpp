#include "core/sealing_check.h"

#include <gtest/gtest.h>

namespace pulsemon {
namespace {

// 2026-01-01 and 2026-01-02 as UTC days since 1970.
constexpr std::int64_t new_year = 20454;

TEST(SealingCheck, NothingKeptIsNothingChecked) {
  const SealingCheck check = compare_sealed_counts({}, {}, {});
  EXPECT_FALSE(check.checked);
  EXPECT_TRUE(check.agrees());
}

TEST(SealingCheck, ADayWithFewerPulsesIsNamedAndOneWithMoreIsOnlyCounted) {
  const std::vector<DayCount> before{{1, new_year, 100}, {1, new_year + 1, 50}, {2, new_year, 7}};
  const std::vector<DayCount> now{{1, new_year, 99}, {1, new_year + 1, 60}, {2, new_year, 7}};
  const std::vector<MeterTotal> totals{{1, 159, 159}, {2, 7, 7}};
  const SealingCheck check = compare_sealed_counts(before, now, totals);
  EXPECT_TRUE(check.checked);
  EXPECT_EQ(check.days, 3);
  EXPECT_EQ(check.gained, 1);
  ASSERT_EQ(check.differences.size(), 1U);
  EXPECT_EQ(check.differences[0], "meter 1, 2026-01-01: 100 pulses before sealing, 99 now");
}

TEST(SealingCheck, APulseKeptTwiceShowsInTheMetersTotal) {
  const std::vector<DayCount> before{{1, new_year, 100}};
  const std::vector<DayCount> now{{1, new_year, 101}};
  const std::vector<MeterTotal> totals{{1, 101, 100}};
  const SealingCheck check = compare_sealed_counts(before, now, totals);
  ASSERT_EQ(check.differences.size(), 1U);
  EXPECT_EQ(check.differences[0], "meter 1: 101 pulses read back, its statistics say 100");
}

TEST(SealingCheck, ADayGoneEntirelyCountsAsNoneNowAndManyDifferencesAreCut) {
  std::vector<DayCount> before;
  for (std::int64_t day = 0; day < 30; ++day) {
    before.push_back({3, new_year + day, 10});
  }
  const SealingCheck check = compare_sealed_counts(before, {}, {}, 5);
  ASSERT_EQ(check.differences.size(), 6U);
  EXPECT_EQ(check.differences[0], "meter 3, 2026-01-01: 10 pulses before sealing, 0 now");
  EXPECT_EQ(check.differences[5], "… and 25 more");
}

} // namespace
} // namespace pulsemon

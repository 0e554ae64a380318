#include "core/rollup_plan.h"

#include <gtest/gtest.h>

namespace pulsemon {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

UtcTime at(std::int64_t s) {
  return utc_from_epoch_us(s * 1'000'000);
}

TEST(RollupPlan, UsesTheCoarsestWholeSlotsAndRawPulsesOnlyAtRaggedEdges) {
  // From 22:07:30 on day 0 to 03:10 on day 2.
  const UtcTime from = at(22 * 3600 + 7 * 60 + 30);
  const UtcTime to = at(2 * 86400 + 3 * 3600 + 10 * 60);
  const auto runs = plan_range(from, to);
  const std::vector<RangeRun> expected{
      {seconds{0}, from, at(22 * 3600 + 15 * 60)},
      {seconds{900}, at(22 * 3600 + 15 * 60), at(23 * 3600)},
      {seconds{3600}, at(23 * 3600), at(86400)},
      {seconds{86400}, at(86400), at(2 * 86400)},
      {seconds{3600}, at(2 * 86400), at(2 * 86400 + 3 * 3600)},
      {seconds{0}, at(2 * 86400 + 3 * 3600), to},
  };
  EXPECT_EQ(runs, expected);
}

TEST(RollupPlan, RunsTileTheRangeExactly) {
  for (std::int64_t from_s : {0LL, 1LL, 899LL, 3599LL, 86399LL, 1'774'800'000LL}) {
    for (std::int64_t length_s : {0LL, 1LL, 900LL, 4000LL, 200'000LL}) {
      const auto runs = plan_range(at(from_s), at(from_s + length_s));
      UtcTime cursor = at(from_s);
      for (const RangeRun &run : runs) {
        EXPECT_EQ(run.from, cursor);
        EXPECT_LT(run.from, run.to);
        if (run.slot_size.count() > 0) {
          EXPECT_EQ(to_epoch_us(run.from) % Micros{run.slot_size}.count(), 0);
          EXPECT_EQ(to_epoch_us(run.to) % Micros{run.slot_size}.count(), 0);
        }
        cursor = run.to;
      }
      EXPECT_EQ(cursor, at(from_s + length_s));
    }
  }
}

TEST(RollupPlan, CanBeLimitedToQuarterHours) {
  const auto runs = plan_range(at(0), at(2 * 86400), seconds{900});
  ASSERT_EQ(runs.size(), 1U);
  EXPECT_EQ(runs[0].slot_size, seconds{900});
}

TEST(RollupPlan, SlotStartsRoundDown) {
  EXPECT_EQ(slot_start(at(3599), seconds{3600}), 0);
  EXPECT_EQ(slot_start(at(3600), seconds{3600}), 3600);
  EXPECT_EQ(slot_start(utc_from_epoch_us(-1), seconds{900}), -900);
}

} // namespace
} // namespace pulsemon

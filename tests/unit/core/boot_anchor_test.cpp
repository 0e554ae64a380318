#include "core/boot_anchor.h"

#include <gtest/gtest.h>

namespace pulsemon {
namespace {

constexpr Micros ms{1'000};
constexpr Micros s{1'000'000};
const UtcTime boot = utc_from_epoch_us(1'767'225'600'000'000); // the node's true boot

TEST(BootAnchor, TheFirstBatchGivesTheFirstEstimate) {
  const BootAnchor anchor = next_boot_anchor(std::nullopt, boot + 60 * s + 3 * ms, 60 * s);
  EXPECT_EQ(anchor.boot, boot + 3 * ms) << "late by the batch's time in transit";
  EXPECT_EQ(anchor.measured, boot + 60 * s + 3 * ms);
}

TEST(BootAnchor, AFasterBatchLowersTheEstimate) {
  const BootAnchor first = next_boot_anchor(std::nullopt, boot + 60 * s + 3 * ms, 60 * s);
  const BootAnchor second = next_boot_anchor(first, boot + 70 * s + 1 * ms, 70 * s);
  EXPECT_EQ(second.boot, boot + 1 * ms);
}

TEST(BootAnchor, ABatchHeldByABrokerDoesNotMoveTheEstimate) {
  const BootAnchor first = next_boot_anchor(std::nullopt, boot + 60 * s + 2 * ms, 60 * s);
  // Sent at 70 s, delivered 95 s later when pulsemon came back.
  const BootAnchor delayed = next_boot_anchor(first, boot + 165 * s, 70 * s);
  EXPECT_EQ(delayed.boot, first.boot);
  EXPECT_EQ(delayed.measured, first.measured);
}

TEST(BootAnchor, ANodeWhoseClockRunsSlowIsFollowed) {
  // 50 ppm slow: the node's clock reads 50 µs less per second that passes.
  std::optional<BootAnchor> anchor;
  for (std::int64_t t = 10; t <= 86'400; t += 10) {
    const Micros node_now = t * s - Micros{t * 50};
    anchor = next_boot_anchor(anchor, boot + t * s + 2 * ms, node_now);
  }
  const UtcTime true_sample = boot + 86'400 * s + 2 * ms - (86'400 * s - Micros{86'400 * 50});
  EXPECT_EQ(anchor->boot, true_sample) << "the estimate keeps up with the drift";
}

TEST(BootAnchor, ANodeWhoseClockRunsFastIsFollowed) {
  std::optional<BootAnchor> anchor;
  for (std::int64_t t = 10; t <= 3'600; t += 10) {
    const Micros node_now = t * s + Micros{t * 50};
    anchor = next_boot_anchor(anchor, boot + t * s + 2 * ms, node_now);
  }
  EXPECT_EQ(anchor->boot, boot + 2 * ms - Micros{3'600 * 50});
}

// The boot's first batch waited 1.2 s in a queue, so its pulse at 10 s
// was stored at boot + 11.2 s; the next batch, on time, has a pulse the
// node saw 1.19 s after that one.
TEST(BootAnchor, AFallingEstimateLeavesHalfTheGapToTheStoredPulseInItsWay) {
  const UtcTime previous = boot + 1'200 * ms;
  const UtcTime lowered = boot + 2 * ms;
  const UtcTime stored = previous + 10 * s;
  const UtcTime first_at_previous = previous + 11'190 * ms;
  const UtcTime placed =
      boot_without_overtaking(previous, lowered, first_at_previous, stored, 10 * ms);
  EXPECT_EQ(placed, previous - 595 * ms) << "half of the 1.19 s gap";
  EXPECT_EQ(placed + 11'190 * ms - stored, 595 * ms) << "the pulse stays after the stored one";
}

TEST(BootAnchor, AFallingEstimateFallsAllTheWayWhenNothingIsInItsWay) {
  EXPECT_EQ(boot_without_overtaking(boot + 1'200 * ms, boot + 2 * ms, boot + 61 * s, std::nullopt,
                                    10 * ms),
            boot + 2 * ms);
}

TEST(BootAnchor, AFallingEstimateKeepsTheMinimumIntervalWhereTheGapIsSmall) {
  // 15 ms between the stored pulse and the next: half would be 7.5 ms,
  // closer than the meter's 10 ms, so the estimate falls 5 ms only.
  const UtcTime previous = boot + 1 * s;
  const UtcTime placed = boot_without_overtaking(previous, boot, previous + 20 * s + 15 * ms,
                                                 previous + 20 * s, 10 * ms);
  EXPECT_EQ(placed, previous - 5 * ms);
  // 8 ms: no room at all; the estimate stays where it was for now.
  EXPECT_EQ(boot_without_overtaking(previous, boot, previous + 20 * s + 8 * ms, previous + 20 * s,
                                    10 * ms),
            previous);
}

TEST(BootAnchor, ARisingEstimateIsNotHeldBack) {
  EXPECT_EQ(
      boot_without_overtaking(boot, boot + 3 * ms, boot + 20 * s, boot + 20 * s - 1 * ms, 10 * ms),
      boot + 3 * ms);
}

TEST(BootAnchor, TheFallLooksForPulsesInItsWayAsFarBackAsTwiceItsSize) {
  // A fall of 1 s from boot + 2 s: a stored pulse up to 2 s (and the
  // minimum interval) before where the first pulse would go is in its way.
  EXPECT_EQ(fall_window_start(boot + 2 * s, boot + 1 * s, boot + 30 * s, 10 * ms),
            boot + 28 * s - 10 * ms);
}

} // namespace
} // namespace pulsemon

#include "core/event_sequence.h"
#include "core/wall_stamper.h"

#include <gtest/gtest.h>

namespace pulsemon {
namespace {

constexpr std::int64_t s = 1'000'000;
const UtcTime epoch_2026 = utc_from_epoch_us(1'767'225'600LL * s);

ClockReading reading(std::int64_t mono_us, UtcTime wall, bool synchronised = true) {
  return {mono_from_us(mono_us), wall, synchronised};
}

TEST(WallStamper, StampsAnEventWithTheOffsetBetweenTheClocks) {
  WallStamper stamper(ClockSyncPolicy::never, Micros{0}, mono_from_us(0));
  // At monotonic 100 s the wall clock reads epoch_2026; an event 2 s earlier.
  const auto now = reading(100 * s, epoch_2026);
  EXPECT_EQ(stamper.stamp(mono_from_us(98 * s), now), epoch_2026 - Micros{2 * s});
}

TEST(WallStamper, AStepBackwardsNeverGivesAnEarlierOrEqualStamp) {
  WallStamper stamper(ClockSyncPolicy::never, Micros{0}, mono_from_us(0));
  const UtcTime first = stamper.stamp(mono_from_us(10 * s), reading(10 * s, epoch_2026));
  // The wall clock is stepped back 60 s; the next pulse comes 5 s later.
  const auto after_step = reading(15 * s, epoch_2026 + Micros{5 * s} - Micros{60 * s});
  const UtcTime second = stamper.stamp(mono_from_us(15 * s), after_step);
  EXPECT_EQ(second - first, Micros{5 * s}) << "the monotonic interval, not -55 s";
  // A quiet spell longer than the step brings the stamps back to the clock.
  const UtcTime later_wall = epoch_2026 + Micros{200 * s} - Micros{60 * s};
  const UtcTime third = stamper.stamp(mono_from_us(210 * s), reading(210 * s, later_wall));
  EXPECT_EQ(third, later_wall);
  EXPECT_GT(third, second);
}

TEST(WallStamper, EventsInOneMicrosecondStillGetDistinctStamps) {
  WallStamper stamper(ClockSyncPolicy::never, Micros{0}, mono_from_us(0));
  const auto now = reading(10 * s, epoch_2026);
  const UtcTime a = stamper.stamp(mono_from_us(5 * s), now);
  const UtcTime b = stamper.stamp(mono_from_us(5 * s), now);
  EXPECT_EQ(b - a, Micros{1});
}

TEST(WallStamper, TheSyncPolicyDecidesWhetherToWait) {
  const Micros ten_minutes{600 * s};
  const WallStamper automatic(ClockSyncPolicy::automatic, ten_minutes, mono_from_us(0));
  EXPECT_EQ(automatic.state(reading(60 * s, epoch_2026, false)), ClockState::waiting);
  EXPECT_EQ(automatic.state(reading(600 * s, epoch_2026, false)), ClockState::unsynchronised);
  EXPECT_EQ(automatic.state(reading(60 * s, epoch_2026, true)), ClockState::synchronised);

  const WallStamper always(ClockSyncPolicy::always, ten_minutes, mono_from_us(0));
  EXPECT_EQ(always.state(reading(86'400 * s, epoch_2026, false)), ClockState::waiting);

  const WallStamper never(ClockSyncPolicy::never, ten_minutes, mono_from_us(0));
  EXPECT_EQ(never.state(reading(1 * s, epoch_2026, false)), ClockState::unsynchronised);
}

TEST(WallStamper, PoliciesAreParsedByName) {
  EXPECT_EQ(*parse_clock_sync_policy("auto"), ClockSyncPolicy::automatic);
  EXPECT_EQ(*parse_clock_sync_policy("never"), ClockSyncPolicy::never);
  EXPECT_FALSE(parse_clock_sync_policy("sometimes").ok());
}

TEST(EventSequence, CountsTheEventsTheKernelDropped) {
  EventSequence sequence;
  EXPECT_EQ(sequence.missing_before(1), 0U);
  EXPECT_EQ(sequence.missing_before(2), 0U);
  EXPECT_EQ(sequence.missing_before(7), 4U);
  EXPECT_EQ(sequence.missing_before(8), 0U);
  EventSequence late_start;
  EXPECT_EQ(late_start.missing_before(17), 16U) << "dropped before the first read";
  EventSequence wrapping;
  (void)wrapping.missing_before(1);
  (void)wrapping.missing_before(0xFFFFFFFFU);
  EXPECT_EQ(wrapping.missing_before(0), 0U);
  EXPECT_EQ(pulses_in_events(3, 2), 2U);
  EXPECT_EQ(pulses_in_events(4, 2), 2U);
  EXPECT_EQ(pulses_in_events(3, 1), 3U);
}

} // namespace
} // namespace pulsemon

#include "core/spaced_pulses.h"

#include <gtest/gtest.h>

namespace pulsemon {
namespace {

UtcTime at_us(std::int64_t us) {
  return utc_from_epoch_us(1'700'000'000'000'000 + us);
}

std::vector<UtcTime> times(std::initializer_list<std::int64_t> us) {
  std::vector<UtcTime> out;
  for (const auto u : us) {
    out.push_back(at_us(u));
  }
  return out;
}

constexpr Micros ten_ms{10'000};

TEST(KeepSpaced, ABurstThreeMicrosecondsApartKeepsOnePerInterval) {
  std::vector<UtcTime> burst;
  for (std::int64_t i = 0; i < 10'000; ++i) {
    burst.push_back(at_us(i * 3));
  }
  const SpacedPulses spaced = keep_spaced(burst, {}, ten_ms);
  // 30 ms of pulses: one at 0, 10.002, 20.004 ms (the first at or after
  // each 10 ms from the one kept before).
  EXPECT_EQ(spaced.kept, times({0, 10'002, 20'004}));
  EXPECT_EQ(spaced.too_close, 10'000 - 3);
}

TEST(KeepSpaced, StoredNeighboursOnEitherSideCount) {
  const auto stored = times({0, 50'000});
  const SpacedPulses spaced = keep_spaced(times({5'000, 25'000, 45'000}), stored, ten_ms);
  EXPECT_EQ(spaced.kept, times({25'000}));
  EXPECT_EQ(spaced.too_close, 2);
}

TEST(KeepSpaced, AResentPulseIsADuplicateNotBounce) {
  const auto stored = times({0, 20'000});
  const SpacedPulses spaced = keep_spaced(times({20'000, 0, 40'000}), stored, ten_ms);
  EXPECT_EQ(spaced.kept, times({0, 20'000, 40'000}));
  EXPECT_EQ(spaced.too_close, 0);
}

TEST(KeepSpaced, WithoutAMinimumIntervalEverythingIsKept) {
  const SpacedPulses spaced = keep_spaced(times({3, 0, 1}), times({2}), Micros{0});
  EXPECT_EQ(spaced.kept, times({0, 1, 3}));
  EXPECT_EQ(spaced.too_close, 0);
}

} // namespace
} // namespace pulsemon

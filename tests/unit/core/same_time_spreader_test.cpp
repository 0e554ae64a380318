#include "core/same_time_spreader.h"

#include <gtest/gtest.h>

#include <vector>

namespace pulsemon {
namespace {

std::vector<std::int64_t> spread(const std::vector<std::int64_t> &stamps_us,
                                 std::int64_t *spread_rows = nullptr) {
  SameTimeSpreader spreader;
  std::vector<std::int64_t> out;
  const auto keep = [&](UtcTime t) { out.push_back(to_epoch_us(t)); };
  for (const std::int64_t us : stamps_us) {
    spreader.add(utc_from_epoch_us(us), keep);
  }
  spreader.finish(keep);
  if (spread_rows != nullptr) {
    *spread_rows = spreader.spread_rows();
  }
  return out;
}

constexpr std::int64_t s = 1'000'000;

TEST(SameTimeSpreader, DistinctSecondsPassUnchanged) {
  std::int64_t moved = -1;
  EXPECT_EQ(spread({10 * s, 11 * s, 13 * s}, &moved),
            (std::vector<std::int64_t>{10 * s, 11 * s, 13 * s}));
  EXPECT_EQ(moved, 0);
}

TEST(SameTimeSpreader, RowsSharingASecondAreSpreadEvenlyWithinIt) {
  std::int64_t moved = 0;
  EXPECT_EQ(spread({10 * s, 10 * s, 10 * s, 10 * s, 12 * s}, &moved),
            (std::vector<std::int64_t>{10 * s, 10 * s + 250'000, 10 * s + 500'000, 10 * s + 750'000,
                                       12 * s}));
  EXPECT_EQ(moved, 4);
}

TEST(SameTimeSpreader, SameInputGivesSameOutput) {
  const std::vector<std::int64_t> input{5 * s, 5 * s, 5 * s, 6 * s, 6 * s, 9 * s};
  EXPECT_EQ(spread(input), spread(input));
}

TEST(SameTimeSpreader, OutputStaysStrictlyIncreasingWhenARunSpillsIntoTheNextStamp) {
  // Sub-second input: three rows at 10.0 s spread to 10.0, 10.333, 10.667,
  // but the next row is at 10.5 s; it must still come after 10.667 s.
  const auto out = spread({10 * s, 10 * s, 10 * s, 10 * s + 500'000});
  ASSERT_EQ(out.size(), 4U);
  for (std::size_t i = 1; i < out.size(); ++i) {
    EXPECT_LT(out[i - 1], out[i]);
  }
}

TEST(SameTimeSpreader, EmptyInputEmitsNothing) {
  EXPECT_TRUE(spread({}).empty());
}

} // namespace
} // namespace pulsemon

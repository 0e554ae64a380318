#include "core/second_spreader.h"

#include <gtest/gtest.h>

#include <vector>

namespace pulsemon {
namespace {

constexpr std::int64_t s = 1'000'000;

std::vector<std::int64_t> spread(const std::vector<std::int64_t> &stamps_us,
                                 std::int64_t *shared_rows = nullptr) {
  SecondSpreader spreader;
  std::vector<std::int64_t> out;
  const auto keep = [&](UtcTime second, const std::vector<UtcTime> &times) {
    for (const UtcTime t : times) {
      EXPECT_EQ(std::chrono::floor<std::chrono::seconds>(t), second) << "left its second";
      out.push_back(to_epoch_us(t));
    }
  };
  for (const std::int64_t us : stamps_us) {
    EXPECT_TRUE(spreader.add(utc_from_epoch_us(us), keep));
  }
  spreader.finish(keep);
  if (shared_rows != nullptr) {
    *shared_rows = spreader.shared_rows();
  }
  return out;
}

TEST(SecondSpreader, DistinctStampsPassUnchanged) {
  std::int64_t moved = -1;
  EXPECT_EQ(spread({10 * s, 10 * s + 500'000, 11 * s, 13 * s}, &moved),
            (std::vector<std::int64_t>{10 * s, 10 * s + 500'000, 11 * s, 13 * s}));
  EXPECT_EQ(moved, 0);
}

TEST(SecondSpreader, WholeSecondRowsAreSpreadEvenlyOverTheirSecond) {
  std::int64_t moved = 0;
  EXPECT_EQ(spread({10 * s, 10 * s, 10 * s, 10 * s, 12 * s}, &moved),
            (std::vector<std::int64_t>{10 * s, 10 * s + 250'000, 10 * s + 500'000, 10 * s + 750'000,
                                       12 * s}));
  EXPECT_EQ(moved, 4);
}

// The case from the field: 1796255999.5, .5, .75 must stay in their
// second (and day) rather than spill over midnight UTC.
TEST(SecondSpreader, FractionalCollisionsStayInsideTheirSecond) {
  const std::int64_t last_second = 1'796'255'999 * s;
  EXPECT_EQ(spread({last_second + 500'000, last_second + 500'000, last_second + 750'000}),
            (std::vector<std::int64_t>{last_second + 500'000, last_second + 625'000,
                                       last_second + 750'000}));
  EXPECT_EQ(spread({last_second + 750'000, last_second + 750'000, last_second + 750'000}),
            (std::vector<std::int64_t>{last_second + 750'000, last_second + 833'333,
                                       last_second + 916'666}));
}

TEST(SecondSpreader, WithoutRoomAfterTheStampTheWholeSecondIsShared) {
  const std::int64_t t = 20 * s + 999'999;
  EXPECT_EQ(
      spread({20 * s + 100, t, t, t}),
      (std::vector<std::int64_t>{20 * s, 20 * s + 250'000, 20 * s + 500'000, 20 * s + 750'000}));
}

TEST(SecondSpreader, SameInputGivesSameOutput) {
  const std::vector<std::int64_t> input{5 * s, 5 * s, 5 * s, 6 * s, 6 * s, 9 * s};
  EXPECT_EQ(spread(input), spread(input));
}

TEST(SecondSpreader, OutputIsStrictlyIncreasing) {
  const auto out = spread({10 * s, 10 * s, 10 * s, 10 * s + 500'000, 10 * s + 500'000, 11 * s});
  ASSERT_EQ(out.size(), 6U);
  for (std::size_t i = 1; i < out.size(); ++i) {
    EXPECT_LT(out[i - 1], out[i]);
  }
}

TEST(SecondSpreader, ASecondWithMoreRowsThanMicrosecondsIsRefused) {
  SecondSpreader spreader;
  const auto ignore = [](UtcTime, const std::vector<UtcTime> &) {};
  for (std::size_t i = 0; i < SecondSpreader::max_rows_per_second; ++i) {
    ASSERT_TRUE(spreader.add(utc_from_epoch_us(7 * s), ignore));
  }
  EXPECT_FALSE(spreader.add(utc_from_epoch_us(7 * s), ignore));
}

TEST(SecondSpreader, EmptyInputEmitsNothing) {
  EXPECT_TRUE(spread({}).empty());
}

} // namespace
} // namespace pulsemon

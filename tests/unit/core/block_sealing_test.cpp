#include "core/block_sealing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

namespace pulsemon {
namespace {

UtcTime at(std::int64_t us) {
  return UtcTime{Micros{us}};
}

std::vector<UtcTime> times(std::int64_t first, std::int64_t step, std::size_t n) {
  std::vector<UtcTime> out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(at(first + step * static_cast<std::int64_t>(i)));
  }
  return out;
}

TEST(BlockSealing, ALatePulseJoinsTheBlockHoldingItOrTheOneBeforeItsSpace) {
  const std::vector<PulseBlockSummary> blocks{
      {at(100), at(200), 5}, {at(300), at(400), 5}, {at(500), at(600), 5}};
  EXPECT_EQ(block_for_late_pulse(blocks, at(10)), 0U) << "before the first block";
  EXPECT_EQ(block_for_late_pulse(blocks, at(100)), 0U);
  EXPECT_EQ(block_for_late_pulse(blocks, at(250)), 0U) << "between the first and second";
  EXPECT_EQ(block_for_late_pulse(blocks, at(300)), 1U);
  EXPECT_EQ(block_for_late_pulse(blocks, at(499)), 1U);
  EXPECT_EQ(block_for_late_pulse(blocks, at(600)), 2U);
}

TEST(BlockSealing, MergingKeepsEachPulseOnceAndSplitsIntoNearEqualBlocks) {
  const std::vector<UtcTime> block = times(0, 10, max_pulses_per_block);
  std::vector<UtcTime> late = times(5, 10, 10); // between the block's pulses
  late.insert(late.begin() + 2, at(20));        // already in the block
  const auto blocks = merge_into_blocks(block, late);
  ASSERT_EQ(blocks.size(), 2U);
  EXPECT_EQ(blocks[0].size() + blocks[1].size(), max_pulses_per_block + 10);
  EXPECT_LE(blocks[0].size() - blocks[1].size(), 1U);
  EXPECT_LT(blocks[0].back(), blocks[1].front());
  std::vector<UtcTime> all = blocks[0];
  all.insert(all.end(), blocks[1].begin(), blocks[1].end());
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "a pulse twice";
}

TEST(BlockSealing, EveryMergedBlockFitsAndNothingIsLostOverRandomMerges) {
  std::mt19937_64 random(36);
  for (int round = 0; round < 200; ++round) {
    std::uniform_int_distribution<std::size_t> size(0, 2 * max_pulses_per_block);
    std::uniform_int_distribution<std::int64_t> when(0, 100'000);
    std::set<std::int64_t> block_set;
    std::set<std::int64_t> late_set;
    const std::size_t block_size = std::min(size(random), max_pulses_per_block);
    while (block_set.size() < block_size) {
      block_set.insert(when(random));
    }
    const std::size_t late_size = size(random) * 3;
    while (late_set.size() < late_size) {
      late_set.insert(when(random));
    }
    std::vector<UtcTime> block;
    std::vector<UtcTime> late;
    for (const auto us : block_set) {
      block.push_back(at(us));
    }
    for (const auto us : late_set) {
      late.push_back(at(us));
    }
    std::set<std::int64_t> expected = block_set;
    expected.insert(late_set.begin(), late_set.end());

    std::vector<std::int64_t> got;
    for (const auto &part : merge_into_blocks(block, late)) {
      ASSERT_LE(part.size(), max_pulses_per_block);
      ASSERT_FALSE(part.empty());
      for (const UtcTime t : part) {
        got.push_back(t.time_since_epoch().count());
      }
    }
    EXPECT_EQ(got, std::vector<std::int64_t>(expected.begin(), expected.end())) << round;
  }
}

} // namespace
} // namespace pulsemon

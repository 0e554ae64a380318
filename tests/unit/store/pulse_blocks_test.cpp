// The rules of sealed blocks and the tail (store/pulse_blocks.h) over rows
// kept in memory, counting what is decoded: a count whose range cuts
// blocks at its two edges decodes those two and no other, a commit of new
// pulses decodes none, and sealing leaves the pulses where reads find them.
#include "store/pulse_blocks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

namespace pulsemon {
namespace {

UtcTime at_s(std::int64_t seconds) {
  return UtcTime{std::chrono::seconds{seconds}};
}

// One backend's rows in maps; counts each block read.
class RowsInMemory final : public BlockRows {
public:
  std::map<std::pair<std::int64_t, UtcTime>, std::pair<PulseBlockSummary, std::string>> blocks;
  std::map<std::int64_t, std::set<UtcTime>> tail;
  std::map<std::int64_t, std::int64_t> unsealed;
  int blocks_read = 0;

  void store(std::int64_t meter_id, UtcTime t) {
    if (tail[meter_id].insert(t).second) {
      ++unsealed[meter_id];
    }
  }

  std::vector<PulseBlockSummary> blocks_within(std::int64_t meter_id, UtcTime from,
                                               UtcTime to) override {
    std::vector<PulseBlockSummary> found;
    for (const auto &[key, block] : blocks) {
      if (key.first == meter_id && block.first.last >= from && block.first.first <= to) {
        found.push_back(block.first);
      }
    }
    return found;
  }
  std::optional<PulseBlockSummary> block_before(std::int64_t meter_id,
                                                std::optional<UtcTime> before) override {
    std::optional<PulseBlockSummary> newest;
    for (const auto &[key, block] : blocks) {
      if (key.first == meter_id && (!before || block.first.last < *before)) {
        newest = block.first;
      }
    }
    return newest;
  }
  std::optional<PulseBlockSummary> block_from(std::int64_t meter_id, UtcTime t) override {
    for (const auto &[key, block] : blocks) {
      if (key.first == meter_id && block.first.last >= t) {
        return block.first;
      }
    }
    return std::nullopt;
  }
  std::string block_bytes(std::int64_t meter_id, UtcTime last) override {
    ++blocks_read;
    return blocks.at({meter_id, last}).second;
  }
  void insert_block(std::int64_t meter_id, const PulseBlockSummary &summary,
                    const std::string &bytes) override {
    blocks[{meter_id, summary.last}] = {summary, bytes};
  }
  void delete_block(std::int64_t meter_id, UtcTime last) override {
    blocks.erase({meter_id, last});
  }
  bool visit_tail(std::int64_t meter_id, UtcTime from, UtcTime to,
                  const std::function<bool(UtcTime)> &visit) override {
    auto &times = tail[meter_id];
    for (auto it = times.lower_bound(from); it != times.end() && *it < to; ++it) {
      if (!visit(*it)) {
        return false;
      }
    }
    return true;
  }
  std::vector<UtcTime> newest_tail(std::int64_t meter_id, std::size_t limit) override {
    const auto &times = tail[meter_id];
    std::vector<UtcTime> all(times.begin(), times.end());
    if (all.size() > limit) {
      all.erase(all.begin(), all.end() - static_cast<std::ptrdiff_t>(limit));
    }
    return all;
  }
  std::int64_t count_tail(std::int64_t meter_id, UtcTime from, UtcTime to) override {
    const auto &times = tail[meter_id];
    return std::distance(times.lower_bound(from), times.lower_bound(to));
  }
  std::int64_t delete_tail(std::int64_t meter_id, UtcTime first, UtcTime last) override {
    auto &times = tail[meter_id];
    const auto begin = times.lower_bound(first);
    const auto end = times.upper_bound(last);
    const auto deleted = static_cast<std::int64_t>(std::distance(begin, end));
    times.erase(begin, end);
    unsealed[meter_id] -= deleted;
    return deleted;
  }
  std::vector<Unsealed> meters_with_tail() override {
    std::vector<Unsealed> meters;
    for (const auto &[meter_id, count] : unsealed) {
      if (count > 0) {
        meters.push_back({meter_id, count});
      }
    }
    return meters;
  }
};

class PulseBlocksTest : public ::testing::Test {
protected:
  static constexpr std::int64_t first = 1000; // s
  RowsInMemory rows;
  PulseBlocks blocks{rows};

  // Ten blocks' worth a second apart from 1 000 s, sealed.
  void store_ten_blocks() {
    for (std::int64_t s = 0; s < 10 * static_cast<std::int64_t>(max_pulses_per_block); ++s) {
      rows.store(1, at_s(first + s));
    }
    while (blocks.seal_tail(3) > 0) {
    }
    ASSERT_EQ(rows.blocks.size(), 10U);
    ASSERT_TRUE(rows.tail[1].empty());
  }
};

TEST_F(PulseBlocksTest, ACountCutAtBothEdgesDecodesTheTwoBlocksItCutsAndNoOther) {
  store_ten_blocks();
  rows.blocks_read = 0;
  // From inside the second block to inside the ninth.
  const std::int64_t from = first + 1024 + 100;
  const std::int64_t to = first + 8 * 1024 + 7;
  EXPECT_EQ(blocks.count(1, at_s(from), at_s(to)), to - from);
  EXPECT_EQ(rows.blocks_read, 2);
  rows.blocks_read = 0;
  EXPECT_EQ(blocks.count(1, at_s(first + 1024), at_s(first + 8 * 1024)), 7 * 1024)
      << "whole blocks only";
  EXPECT_EQ(rows.blocks_read, 0);
  rows.blocks_read = 0;
  EXPECT_EQ(blocks.count(1, at_s(first + 100), at_s(first + 200)), 100) << "inside one block";
  EXPECT_EQ(rows.blocks_read, 1);
}

TEST_F(PulseBlocksTest, NewPulsesAfterTheBlocksAreCheckedWithoutDecodingAny) {
  store_ten_blocks();
  rows.blocks_read = 0;
  const std::vector<UtcTime> fresh{at_s(60'000), at_s(60'001)};
  EXPECT_EQ(blocks.sealed(1, fresh), (std::vector<bool>{false, false}));
  EXPECT_EQ(rows.blocks_read, 0);
  const std::vector<UtcTime> resent{at_s(first + 12), at_s(first + 12) + Micros{1}, at_s(10'000)};
  EXPECT_EQ(blocks.sealed(1, resent), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(rows.blocks_read, 2) << "the two blocks holding them";
}

TEST_F(PulseBlocksTest, LatePulsesMergeIntoTheirBlocksAndReadsFindEveryPulseOnce) {
  store_ten_blocks();
  // Late pulses half a second after stored ones, in three blocks, and one
  // before the first.
  std::set<UtcTime> expected;
  for (std::int64_t s = 0; s < 10 * 1024; ++s) {
    expected.insert(at_s(first + s));
  }
  for (const std::int64_t s : {995LL, 1010LL, 1011LL, 6000LL, 10'000LL}) {
    const UtcTime t = at_s(s) + Micros{500'000};
    rows.store(1, t);
    expected.insert(t);
  }
  const auto all = [&] {
    std::vector<UtcTime> read;
    blocks.visit(1, at_s(0), at_s(100'000), [&](UtcTime t) {
      read.push_back(t);
      return true;
    });
    return read;
  };
  EXPECT_EQ(all(), std::vector<UtcTime>(expected.begin(), expected.end())) << "in the tail";
  while (blocks.seal_tail(2) > 0) {
  }
  EXPECT_TRUE(rows.tail[1].empty());
  EXPECT_EQ(all(), std::vector<UtcTime>(expected.begin(), expected.end())) << "sealed";
  EXPECT_EQ(blocks.last(1, 3), (std::vector<UtcTime>{at_s(11'237), at_s(11'238), at_s(11'239)}));
  for (const auto &[key, block] : rows.blocks) {
    EXPECT_LE(block.first.count, static_cast<std::int64_t>(max_pulses_per_block));
  }
}

TEST_F(PulseBlocksTest, ADamagedBlockStopsTheReadNamingTheMeterAndTheBlock) {
  store_ten_blocks();
  rows.blocks.begin()->second.second.back() ^= 0x01;
  try {
    (void)blocks.count(1, at_s(first + 10), at_s(first + 20));
    FAIL() << "a damaged block was read";
  } catch (const Failure &failure) {
    EXPECT_EQ(failure.code(), ErrorCode::internal);
    EXPECT_NE(failure.message().find("meter 1: the sealed block of pulses ending at "
                                     "1970-01-01T00:33:43Z is damaged"),
              std::string::npos)
        << failure.message();
  }
}

} // namespace
} // namespace pulsemon

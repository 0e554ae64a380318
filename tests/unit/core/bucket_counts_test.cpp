#include "core/bucket_counts.h"
#include "core/calendar.h"

#include <date/tz.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

namespace pulsemon {
namespace {

using std::chrono::seconds;

UtcTime at(std::int64_t s) {
  return utc_from_epoch_us(s * 1'000'000);
}

// A store in miniature: pulses and the rollups a store would keep of them.
struct Pulses {
  std::vector<UtcTime> times; // sorted

  std::int64_t count(UtcTime from, UtcTime to) const {
    return std::lower_bound(times.begin(), times.end(), to) -
           std::lower_bound(times.begin(), times.end(), from);
  }

  // The rollup rows within the spans, as a store answers a plan.
  std::vector<SlotCount> rows(const std::vector<SlotSpan> &spans) const {
    std::vector<SlotCount> found;
    for (const SlotSpan &span : spans) {
      for (UtcTime slot = span.from; slot < span.to; slot += span.size) {
        const std::int64_t pulses = count(slot, slot + span.size);
        if (pulses > 0) { // stores keep no empty slots
          found.push_back({span.size, slot, pulses});
        }
      }
    }
    return found;
  }

  std::vector<std::int64_t> counted(const BucketCountPlan &plan) const {
    std::vector<std::int64_t> raw;
    for (const RawRange &range : plan.raw_ranges()) {
      raw.push_back(count(range.from, range.to));
    }
    return plan.bucket_counts(rows(plan.rollup_spans()), raw);
  }
};

Pulses random_pulses(std::mt19937_64 &random, UtcTime from, UtcTime to, std::size_t n) {
  std::uniform_int_distribution<std::int64_t> when(to_epoch_us(from), to_epoch_us(to) - 1);
  Pulses pulses;
  for (std::size_t i = 0; i < n; ++i) {
    pulses.times.push_back(utc_from_epoch_us(when(random)));
  }
  std::sort(pulses.times.begin(), pulses.times.end());
  pulses.times.erase(std::unique(pulses.times.begin(), pulses.times.end()), pulses.times.end());
  return pulses;
}

TEST(BucketCounts, EveryBucketHoldsExactlyItsPulsesWhereverItsBoundariesFall) {
  std::mt19937_64 random(7);
  const UtcTime start = at(1'774'000'000);
  const Pulses pulses =
      random_pulses(random, start - seconds{86400 * 3}, start + seconds{86400 * 40}, 20'000);
  // Boundaries on the 15-minute grid, on odd seconds, on microseconds.
  std::uniform_int_distribution<std::int64_t> step_quarters(1, 400);
  std::uniform_int_distribution<std::int64_t> jitter_us(0, 900'000'000 - 1);
  for (int round = 0; round < 200; ++round) {
    std::vector<UtcTime> boundaries{start + Micros{round % 3 == 0 ? jitter_us(random) : 0}};
    const int buckets = 1 + round % 30;
    for (int i = 0; i < buckets; ++i) {
      const bool ragged_end = round % 4 == 1 && i == buckets - 1;
      boundaries.push_back(floor_to_slot(boundaries.back(), seconds{900}) +
                           seconds{900 * step_quarters(random)} +
                           Micros{ragged_end ? jitter_us(random) : 0});
    }
    const BucketCountPlan plan(boundaries);
    const std::vector<std::int64_t> counts = pulses.counted(plan);
    ASSERT_EQ(counts.size(), boundaries.size() - 1);
    for (std::size_t i = 0; i < counts.size(); ++i) {
      EXPECT_EQ(counts[i], pulses.count(boundaries[i], boundaries[i + 1]))
          << "round " << round << ", bucket " << i;
    }
  }
}

TEST(BucketCounts, AYearByLocalDayReadsTheDaysAndAFewHoursOfEach) {
  const Calendar calendar(*date::locate_zone("Europe/Amsterdam"));
  const UtcTime from = calendar.bucket_containing(at(1'767'225'600), BucketSize::day).start;
  const UtcTime to = calendar.bucket_containing(at(1'798'761'600), BucketSize::day).start;
  const auto buckets = calendar.buckets(from, to, BucketSize::day, 400);
  ASSERT_TRUE(buckets.ok());
  std::vector<UtcTime> boundaries{from};
  for (const Bucket &bucket : *buckets) {
    boundaries.push_back(bucket.end);
  }
  const BucketCountPlan plan(boundaries);
  std::map<seconds, std::int64_t> slots_read;
  for (const SlotSpan &span : plan.rollup_spans()) {
    slots_read[span.size] += (span.to - span.from) / Micros{span.size};
  }
  EXPECT_LE(slots_read[seconds{86400}], 367);
  // One hour to the next UTC midnight in winter, two in summer.
  EXPECT_LE(slots_read[seconds{3600}], 2 * 366);
  EXPECT_EQ(slots_read[seconds{900}], 0);
  EXPECT_TRUE(plan.raw_ranges().empty());

  // A bucket of the plan still holds what a day holds: one pulse an hour.
  Pulses hourly;
  for (UtcTime t = from; t < to; t += seconds{3600}) {
    hourly.times.push_back(t + seconds{1});
  }
  const std::vector<std::int64_t> counts = hourly.counted(plan);
  ASSERT_EQ(counts.size(), buckets->size());
  EXPECT_EQ(std::count(counts.begin(), counts.end(), 23), 1); // spring forward
  EXPECT_EQ(std::count(counts.begin(), counts.end(), 25), 1); // fall back
  EXPECT_EQ(std::count(counts.begin(), counts.end(), 24), static_cast<long>(counts.size()) - 2);
}

TEST(BucketCounts, RefusesBoundariesOutOfOrderAndRawCountsThatDoNotMatch) {
  const std::vector<UtcTime> backwards{at(7200), at(3600)};
  EXPECT_THROW(BucketCountPlan{backwards}, std::invalid_argument);
  const std::vector<UtcTime> unaligned{at(1), at(7200)};
  const BucketCountPlan plan(unaligned);
  ASSERT_FALSE(plan.raw_ranges().empty());
  EXPECT_THROW((void)plan.bucket_counts({}, {}), std::invalid_argument);
}

TEST(BucketCounts, NoBoundaryOrOneMakeNoBuckets) {
  EXPECT_TRUE(BucketCountPlan(std::vector<UtcTime>{}).bucket_counts({}, {}).empty());
  EXPECT_TRUE(BucketCountPlan(std::vector<UtcTime>{at(900)}).bucket_counts({}, {}).empty());
}

} // namespace
} // namespace pulsemon

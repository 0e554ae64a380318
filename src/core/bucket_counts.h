#pragma once
// Counting many adjacent buckets (the days of a year, the months of ten
// years) from few rollup rows, read at once.
//
// Every bucket boundary b is written as a running count from one anchor A,
// the start of the UTC day that holds the first boundary:
//   C(b) = days[A, floor_day(b)) + hours + quarters + raw up to b   (forward)
//   C(b) = days[A, ceil_day(b))  - hours - quarters - raw from b    (backward)
// whichever reads fewer slots; a bucket [b_i, b_i+1) is C(b_i+1) - C(b_i).
// A local midnight lies a few hours from a UTC midnight, so a year by day
// needs the year's 365 daily rollups and a few hourly ones per day instead
// of 8 760 hourly ones. The store reads the rollups of rollup_spans() (one
// statement in SQLite) and counts the raw pulses of raw_ranges() (only at
// edges that are not on a 15-minute boundary); bucket_counts adds them up.

#include "core/rollup_plan.h"
#include "core/time.h"

#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

namespace pulsemon {

// Whole rollup slots of one size: [from, to), both on that size's grid.
struct SlotSpan {
  std::chrono::seconds size{0};
  UtcTime from;
  UtcTime to;
  friend bool operator==(const SlotSpan &, const SlotSpan &) = default;
};

// One stored rollup: the pulses of the slot of `size` starting at `start`.
struct SlotCount {
  std::chrono::seconds size{0};
  UtcTime start;
  std::int64_t pulses = 0;
};

// Raw pulses to count in [from, to).
struct RawRange {
  UtcTime from;
  UtcTime to;
  friend bool operator==(const RawRange &, const RawRange &) = default;
};

class BucketCountPlan {
public:
  // `boundaries` b_0 < b_1 < … < b_n make the n buckets [b_i, b_i+1).
  // Throws std::invalid_argument when they are not strictly increasing.
  explicit BucketCountPlan(std::span<const UtcTime> boundaries);

  // What to read: disjoint spans, sorted by size and then time.
  [[nodiscard]] const std::vector<SlotSpan> &rollup_spans() const { return reads_; }
  // What to count from raw pulses, in time order.
  [[nodiscard]] const std::vector<RawRange> &raw_ranges() const { return raw_; }

  // The pulses of each bucket, given the stored rollups within
  // rollup_spans() (in any order; a slot without a row holds no pulses)
  // and the count of each of raw_ranges(), in its order.
  [[nodiscard]] std::vector<std::int64_t>
  bucket_counts(std::span<const SlotCount> rows, std::span<const std::int64_t> raw_counts) const;

private:
  struct Term {
    int sign = 1;
    bool raw = false;
    std::size_t index = 0; // into wanted_ or raw_
  };
  void add_span(std::vector<Term> &terms, int sign, std::chrono::seconds size, UtcTime from,
                UtcTime to);
  void add_raw(std::vector<Term> &terms, int sign, UtcTime from, UtcTime to);
  [[nodiscard]] std::vector<Term> forward_terms(UtcTime anchor, UtcTime b);
  [[nodiscard]] std::vector<Term> backward_terms(UtcTime anchor, UtcTime b);

  std::vector<SlotSpan> wanted_; // what the terms name; may overlap
  std::vector<RawRange> raw_;
  std::vector<std::vector<Term>> terms_; // per boundary
  std::vector<SlotSpan> reads_;          // the union of wanted_
};

} // namespace pulsemon

#include "core/bucket_counts.h"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace pulsemon {

namespace {

constexpr std::chrono::seconds quarter_slot{900};
constexpr std::chrono::seconds hour_slot{3600};
constexpr std::chrono::seconds day_slot{86400};

std::int64_t slots_in(UtcTime from, UtcTime to, std::chrono::seconds size) {
  return (to - from) / Micros{size};
}

// Merges overlapping and touching spans of the same size.
std::vector<SlotSpan> union_of(std::vector<SlotSpan> spans) {
  std::sort(spans.begin(), spans.end(), [](const SlotSpan &a, const SlotSpan &b) {
    return a.size != b.size ? a.size < b.size : a.from < b.from;
  });
  std::vector<SlotSpan> merged;
  for (const SlotSpan &span : spans) {
    if (!merged.empty() && merged.back().size == span.size && span.from <= merged.back().to) {
      merged.back().to = std::max(merged.back().to, span.to);
    } else {
      merged.push_back(span);
    }
  }
  return merged;
}

// Each size's rows in time order with running sums, for sums over spans.
class RowSums {
public:
  explicit RowSums(std::span<const SlotCount> rows) {
    for (const SlotCount &row : rows) {
      by_size_[row.size].push_back({row.start, row.pulses});
    }
    for (auto &[size, sums] : by_size_) {
      std::sort(sums.begin(), sums.end(),
                [](const Running &a, const Running &b) { return a.start < b.start; });
      std::int64_t total = 0;
      for (Running &entry : sums) {
        total += entry.pulses;
        entry.pulses = total;
      }
    }
  }

  [[nodiscard]] std::int64_t sum(const SlotSpan &span) const {
    const auto found = by_size_.find(span.size);
    if (found == by_size_.end()) {
      return 0;
    }
    return before(found->second, span.to) - before(found->second, span.from);
  }

private:
  struct Running {
    UtcTime start;
    std::int64_t pulses; // the sum up to and with this row
  };
  static std::int64_t before(const std::vector<Running> &sums, UtcTime t) {
    const auto it =
        std::lower_bound(sums.begin(), sums.end(), t,
                         [](const Running &entry, UtcTime v) { return entry.start < v; });
    return it == sums.begin() ? 0 : std::prev(it)->pulses;
  }
  std::map<std::chrono::seconds, std::vector<Running>> by_size_;
};

} // namespace

BucketCountPlan::BucketCountPlan(std::span<const UtcTime> boundaries) {
  if (boundaries.empty()) {
    return;
  }
  for (std::size_t i = 1; i < boundaries.size(); ++i) {
    if (boundaries[i] <= boundaries[i - 1]) {
      throw std::invalid_argument("bucket boundaries must be strictly increasing");
    }
  }
  const UtcTime anchor = floor_to_slot(boundaries.front(), day_slot);
  for (const UtcTime b : boundaries) {
    const UtcTime q_down = floor_to_slot(b, quarter_slot);
    const UtcTime q_up = ceil_to_slot(b, quarter_slot);
    const std::int64_t forward_cost =
        slots_in(floor_to_slot(b, day_slot), floor_to_slot(b, hour_slot), hour_slot) +
        slots_in(floor_to_slot(b, hour_slot), q_down, quarter_slot);
    const std::int64_t backward_cost =
        slots_in(ceil_to_slot(b, hour_slot), ceil_to_slot(b, day_slot), hour_slot) +
        slots_in(q_up, ceil_to_slot(b, hour_slot), quarter_slot);
    terms_.push_back(backward_cost < forward_cost ? backward_terms(anchor, b)
                                                  : forward_terms(anchor, b));
  }
  reads_ = union_of(wanted_);
}

void BucketCountPlan::add_span(std::vector<Term> &terms, int sign, std::chrono::seconds size,
                               UtcTime from, UtcTime to) {
  if (from >= to) {
    return;
  }
  const SlotSpan span{size, from, to};
  const auto known = std::find(wanted_.begin(), wanted_.end(), span);
  const auto index = static_cast<std::size_t>(known - wanted_.begin());
  if (known == wanted_.end()) {
    wanted_.push_back(span);
  }
  terms.push_back({sign, false, index});
}

void BucketCountPlan::add_raw(std::vector<Term> &terms, int sign, UtcTime from, UtcTime to) {
  if (from >= to) {
    return;
  }
  raw_.push_back({from, to});
  terms.push_back({sign, true, raw_.size() - 1});
}

std::vector<BucketCountPlan::Term> BucketCountPlan::forward_terms(UtcTime anchor, UtcTime b) {
  const UtcTime d = floor_to_slot(b, day_slot);
  const UtcTime h = floor_to_slot(b, hour_slot);
  const UtcTime q = floor_to_slot(b, quarter_slot);
  std::vector<Term> terms;
  add_span(terms, +1, day_slot, anchor, d);
  add_span(terms, +1, hour_slot, d, h);
  add_span(terms, +1, quarter_slot, h, q);
  add_raw(terms, +1, q, b);
  return terms;
}

std::vector<BucketCountPlan::Term> BucketCountPlan::backward_terms(UtcTime anchor, UtcTime b) {
  const UtcTime d = ceil_to_slot(b, day_slot);
  const UtcTime h = ceil_to_slot(b, hour_slot);
  const UtcTime q = ceil_to_slot(b, quarter_slot);
  std::vector<Term> terms;
  add_span(terms, +1, day_slot, anchor, d);
  add_span(terms, -1, hour_slot, h, d);
  add_span(terms, -1, quarter_slot, q, h);
  add_raw(terms, -1, b, q);
  return terms;
}

std::vector<std::int64_t>
BucketCountPlan::bucket_counts(std::span<const SlotCount> rows,
                               std::span<const std::int64_t> raw_counts) const {
  if (raw_counts.size() != raw_.size()) {
    throw std::invalid_argument("one raw count is needed for each raw range");
  }
  const RowSums sums(rows);
  std::vector<std::int64_t> span_sums;
  span_sums.reserve(wanted_.size());
  for (const SlotSpan &span : wanted_) {
    span_sums.push_back(sums.sum(span));
  }
  std::vector<std::int64_t> running;
  running.reserve(terms_.size());
  for (const std::vector<Term> &terms : terms_) {
    std::int64_t count = 0;
    for (const Term &term : terms) {
      count += term.sign * (term.raw ? raw_counts[term.index] : span_sums[term.index]);
    }
    running.push_back(count);
  }
  std::vector<std::int64_t> buckets;
  for (std::size_t i = 1; i < running.size(); ++i) {
    buckets.push_back(running[i] - running[i - 1]);
  }
  return buckets;
}

} // namespace pulsemon

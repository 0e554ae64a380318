#include "core/rollup_plan.h"

namespace pulsemon {

namespace {

std::int64_t floor_div(std::int64_t value, std::int64_t divisor) {
  std::int64_t quotient = value / divisor;
  if (value % divisor != 0 && (value < 0) != (divisor < 0)) {
    --quotient;
  }
  return quotient;
}

void plan_level(UtcTime from, UtcTime to, int level, std::vector<RangeRun> &runs) {
  if (from >= to) {
    return;
  }
  if (level < 0) {
    runs.push_back({std::chrono::seconds{0}, from, to});
    return;
  }
  const std::chrono::seconds size = rollup_slot_sizes[static_cast<std::size_t>(level)];
  const UtcTime inner_from = ceil_to_slot(from, size);
  const UtcTime inner_to = floor_to_slot(to, size);
  if (inner_from >= inner_to) {
    plan_level(from, to, level - 1, runs);
    return;
  }
  plan_level(from, inner_from, level - 1, runs);
  runs.push_back({size, inner_from, inner_to});
  plan_level(inner_to, to, level - 1, runs);
}

} // namespace

UtcTime floor_to_slot(UtcTime t, std::chrono::seconds size) {
  const std::int64_t us = Micros{size}.count();
  return utc_from_epoch_us(floor_div(to_epoch_us(t), us) * us);
}

UtcTime ceil_to_slot(UtcTime t, std::chrono::seconds size) {
  const UtcTime floored = floor_to_slot(t, size);
  return floored == t ? t : floored + size;
}

std::vector<RangeRun> plan_range(UtcTime from, UtcTime to, std::chrono::seconds coarsest) {
  int level = -1;
  for (std::size_t i = 0; i < rollup_slot_sizes.size(); ++i) {
    if (rollup_slot_sizes[i] <= coarsest) {
      level = static_cast<int>(i);
    }
  }
  std::vector<RangeRun> runs;
  plan_level(from, to, level, runs);
  return runs;
}

std::int64_t slot_start(UtcTime t, std::chrono::seconds size) {
  return floor_div(to_epoch_us(t), Micros{size}.count()) * size.count();
}

} // namespace pulsemon

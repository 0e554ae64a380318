#include "core/spaced_pulses.h"

#include <algorithm>
#include <optional>

namespace pulsemon {

SpacedPulses keep_spaced(std::vector<UtcTime> arriving, std::span<const UtcTime> stored,
                         Micros min_interval) {
  SpacedPulses result;
  std::sort(arriving.begin(), arriving.end());
  if (min_interval <= Micros{0}) {
    result.kept = std::move(arriving);
    return result;
  }
  result.kept.reserve(arriving.size());
  std::size_t next_stored = 0;     // the first stored pulse after those at or before t
  std::optional<UtcTime> previous; // the latest stored or kept pulse at or before t
  for (const UtcTime t : arriving) {
    while (next_stored < stored.size() && stored[next_stored] <= t) {
      previous = std::max(previous.value_or(stored[next_stored]), stored[next_stored]);
      ++next_stored;
    }
    const bool duplicate = previous == t;
    const bool after_too_soon = previous && !duplicate && t - *previous < min_interval;
    const bool before_too_close =
        !duplicate && next_stored < stored.size() && stored[next_stored] - t < min_interval;
    if (after_too_soon || before_too_close) {
      ++result.too_close;
      continue;
    }
    result.kept.push_back(t);
    previous = t;
  }
  return result;
}

} // namespace pulsemon

#include "core/downtime.h"

#include <algorithm>

namespace pulsemon {

std::vector<Downtime> downtimes_between(std::span<const DaemonRun> runs, UtcTime from, UtcTime to) {
  std::vector<Downtime> found;
  if (to <= from) {
    return found;
  }
  for (std::size_t i = 1; i < runs.size(); ++i) {
    const DaemonRun &before = runs[i - 1];
    const UtcTime began = before.alive;
    const UtcTime ended = runs[i].started;
    if (ended - began < shortest_downtime || ended <= from || began >= to) {
      continue;
    }
    found.push_back({std::max(began, from), std::min(ended, to), before.stopped_cleanly});
  }
  return found;
}

} // namespace pulsemon

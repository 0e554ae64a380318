#pragma once
// What a source hands on for storage: a meter's accepted pulses, what its
// filter rejected, and the pulses it knows were lost. Every path that
// stores pulses (GPIO, simulator, sensor nodes, power reports, imports)
// speaks in these.

#include "core/pulse_filter.h"
#include "core/time.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pulsemon {

// Pulses known to be lost (a kernel queue overflow, a sensor node's buffer).
struct Gap {
  UtcTime at;
  std::optional<std::int64_t> missing_pulses; // empty when the count is unknown (an outage)
  std::string reason;
};

// Pulses of one meter that its filter accepted, and what the filter rejected
// since the previous batch (the `accepted` field of `rejected` is ignored).
struct PulseBatch {
  std::int64_t meter_id = 0;
  std::vector<UtcTime> pulses;
  FilterCounts rejected;
  std::vector<Gap> gaps; // pulses the source knows it lost, recorded with the batch
  // The power its meter's pipeline estimated as each pulse came (one per
  // pulse), for the live figures once the pulses are committed; empty for
  // pulses from elsewhere (nodes, power reports, imports).
  std::vector<std::optional<double>> powers{};
};

} // namespace pulsemon

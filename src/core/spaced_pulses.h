#pragma once
// The pulse rule's minimum interval applied to pulses that arrive as a
// batch (a sensor node's upload) rather than edge by edge: a pulse closer
// than the meter's minimum interval to a stored pulse, or to one kept
// before it in the batch, is bounce or noise, as it would be from a GPIO
// line. The node applies the rule itself; this keeps a broken or foreign
// node from inflating its meter with what its filter let through.

#include "core/time.h"

#include <cstdint>
#include <span>
#include <vector>

namespace pulsemon {

struct SpacedPulses {
  std::vector<UtcTime> kept; // ascending
  std::int64_t too_close = 0;
};

// `arriving` in any order; `stored`: the meter's stored pulses from one
// minimum interval before the first arriving pulse to one after the last,
// ascending. A pulse equal to a stored or kept one is kept (the store
// counts it as a duplicate, not as bounce).
[[nodiscard]] SpacedPulses keep_spaced(std::vector<UtcTime> arriving,
                                       std::span<const UtcTime> stored, Micros min_interval);

} // namespace pulsemon

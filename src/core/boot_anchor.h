#pragma once
// Where a sensor node's boot lies on the wall clock, for nodes that send
// pulse times as microseconds since they booted ("clock":"boot").
//
// Each batch gives one sample: the time it arrived minus the node's clock
// when it sent it. A sample is late by the batch's time in transit, which
// is milliseconds on a LAN but can be minutes when a broker held the batch
// while pulsemon was down. So the estimate is the lowest sample seen (the
// one that travelled fastest), allowed to rise by at most the drift a
// node's crystal can have since it was taken: a sample later than that is
// a delayed batch and is not believed, while a node whose clock runs slow
// still gets followed. Stamps of one boot thus move by milliseconds between
// batches, never by an outage.

#include "core/time.h"

#include <algorithm>
#include <optional>

namespace pulsemon {

// An ESP8266's crystal is specified to ±10–20 ppm; cheap boards and
// temperature can be worse, and allowing more only lets a little more
// transit delay through.
inline constexpr std::int64_t boot_anchor_drift_ppm = 100;

struct BootAnchor {
  UtcTime boot;     // the wall-clock time of the node's clock reading 0
  UtcTime measured; // when this estimate was last confirmed or lowered
};

// The estimate after a batch that arrived at `received` with the node's
// clock at `node_now` (microseconds since boot). `previous` is the estimate
// for the same boot of the same node, if there is one.
[[nodiscard]] inline BootAnchor next_boot_anchor(const std::optional<BootAnchor> &previous,
                                                 UtcTime received, Micros node_now) {
  const UtcTime sample = received - node_now;
  if (!previous) {
    return {sample, received};
  }
  const Micros elapsed = std::max(Micros{0}, received - previous->measured);
  const UtcTime highest_believable =
      previous->boot + Micros{elapsed.count() * boot_anchor_drift_ppm / 1'000'000};
  if (sample <= highest_believable) {
    return {sample, received};
  }
  return *previous; // a delayed batch: keep the estimate it cannot improve
}

} // namespace pulsemon

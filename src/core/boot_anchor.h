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

// Where a falling estimate may put a batch's pulses. The boot's pulses
// already stored were placed by the higher estimate (its first batches
// waited in a queue, say), so the whole fall could put this batch's first
// pulse onto or before the last of them, where the meter's minimum
// interval would drop one of the two, or so close after it that the
// interval between them, and the power it gives, is many times what the
// node saw. So the estimate falls only as far as it keeps the first pulse
// at least half the gap the node saw, and at least the minimum interval,
// after the stored pulse in its way; later batches, which find more room,
// take the rest of the fall.
//   previous_boot      the estimate the stored pulses were placed by
//   lowered_boot       next_boot_anchor's new, lower estimate
//   first_at_previous  where the batch's first pulse goes by previous_boot
//   in_the_way         the latest stored pulse of the meter within twice
//                      the fall and the minimum interval before
//                      first_at_previous (fall_window_start); none: the
//                      estimate falls all the way
[[nodiscard]] inline UtcTime fall_window_start(UtcTime previous_boot, UtcTime lowered_boot,
                                               UtcTime first_at_previous, Micros min_interval) {
  return first_at_previous - 2 * (previous_boot - lowered_boot) - min_interval;
}

[[nodiscard]] inline UtcTime boot_without_overtaking(UtcTime previous_boot, UtcTime lowered_boot,
                                                     UtcTime first_at_previous,
                                                     std::optional<UtcTime> in_the_way,
                                                     Micros min_interval) {
  if (lowered_boot >= previous_boot || !in_the_way) {
    return lowered_boot;
  }
  const Micros gap = first_at_previous - *in_the_way;
  const Micros room = std::max(Micros{0}, std::min(gap / 2, gap - min_interval));
  return std::max(lowered_boot, previous_boot - room);
}

} // namespace pulsemon

#pragma once
// When pulsemon itself was not running. `serve` records each run: when it
// started, a heartbeat while it runs, and when it stopped cleanly. Between
// two runs no GPIO edge and no simulated pulse was counted, so charts and
// Health show that time as a gap rather than as a house that used nothing.
// A sensor node keeps counting meanwhile and sends its pulses afterwards:
// a chart only blanks a bucket of the downtime that holds no pulse.

#include "core/time.h"

#include <cstdint>
#include <span>
#include <vector>

namespace pulsemon {

struct DaemonRun {
  std::int64_t id = 0;
  UtcTime started;
  UtcTime alive;                // the last heartbeat, or the clean stop
  bool stopped_cleanly = false; // alive is then when it stopped
};

struct Downtime {
  UtcTime from;
  UtcTime to;
  // False after a crash or power cut: it began at some time after `from`
  // (the last heartbeat), within one heartbeat interval.
  bool exact = true;
};

// How often a running daemon records that it is alive.
inline constexpr Micros run_heartbeat{30'000'000};
// Shorter stops (a restart by systemd after an upgrade) are not told.
inline constexpr Micros shortest_downtime{5'000'000};

// The downtimes between `runs` (sorted by start) that overlap [from, to),
// clipped to it. Before the first run there was no pulsemon to be down.
[[nodiscard]] std::vector<Downtime> downtimes_between(std::span<const DaemonRun> runs, UtcTime from,
                                                      UtcTime to);

} // namespace pulsemon

#pragma once
// What every source delivers: one edge of one meter's pulse line, with the
// source's monotonic time (for intervals) and wall time (for storage).

#include "core/pulse_filter.h"
#include "core/time.h"

#include <cstdint>
#include <string>

namespace pulsemon {

struct Edge {
  std::int64_t meter_id = 0;
  EdgeKind kind = EdgeKind::leading;
  MonoTime monotonic;
  UtcTime wall;
  // The source sees one edge per pulse (only leading edges are requested),
  // so a pulse is judged at once on its interval; its width is unknown.
  bool single_edge = false;
};

// Where a source sends its edges. Called from the source's own thread;
// implementations must be thread-safe across sources.
class EdgeSink {
public:
  virtual ~EdgeSink() = default;
  virtual void on_edge(const Edge &edge) = 0;
  // The source knows `pulses` were lost before `at` (a kernel queue overflow).
  virtual void on_lost_pulses(std::int64_t meter_id, UtcTime at, std::int64_t pulses,
                              const std::string &reason) = 0;
};

} // namespace pulsemon

#pragma once
// What every source delivers: one edge of one meter's pulse line, with the
// source's monotonic time (for intervals) and wall time (for storage).

#include "core/pulse_filter.h"
#include "core/time.h"

#include <cstdint>

namespace pulsemon {

struct Edge {
  std::int64_t meter_id = 0;
  EdgeKind kind = EdgeKind::leading;
  MonoTime monotonic;
  UtcTime wall;
};

// Where a source sends its edges. Called from the source's own thread;
// implementations must be thread-safe across sources.
class EdgeSink {
public:
  virtual ~EdgeSink() = default;
  virtual void on_edge(const Edge &edge) = 0;
};

} // namespace pulsemon

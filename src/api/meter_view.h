#pragma once
// A meter as JSON, the same for `meter list --json` and GET /api/meters:
// settings, stored counts, register total, latest power.

#include "store/store.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <vector>

namespace pulsemon {

// What a meter's status is computed from, as the store held it when read.
// The parts that move with the clock (power decaying between pulses, time
// since a node was heard) are computed from these at each answer.
struct MeterFacts {
  Meter meter;
  UtcTime created;
  MeterStats stats;
  RegisterState state;              // at `state_at`
  UtcTime state_at;                 //
  UtcTime settled_from;             // the state is the same at every time from here on
  std::vector<UtcTime> last_pulses; // oldest first, up to two: the power after a restart
  std::vector<NodeStatus> nodes;    // the sensor nodes that upload to the meter
  std::vector<Gap> recent_gaps;     // newest first

  // The register state at `now`, when it needs no reading of the store.
  [[nodiscard]] std::optional<RegisterState> state_if_settled(UtcTime now) const;
};

// Reads the facts of `meter` (run it inside a read snapshot for one state).
[[nodiscard]] MeterFacts read_meter_facts(Store &store, const Meter &meter, UtcTime now);

// A meter's power as its running pipeline lane has it (MeterLiveStatus).
struct LivePower {
  std::optional<double> power; // empty until the lane knows it
  Micros latency{0};           // how late its pulses may be seen (core/power.h)
};

// What a meter's view shows that moves with the clock: the power at `now`
// (the running pipeline's when the meter has a lane, even while it knows
// none yet; else what the stored pulses allow), the register at `now`
// (facts.state_if_settled, or the store's), and how long ago each node was
// heard.
struct MovingFigures {
  std::optional<double> power;
  Micros power_latency{0};
  RegisterState state;
  std::vector<std::int64_t> seconds_since_heard; // per node of the facts
  friend bool operator==(const MovingFigures &, const MovingFigures &) = default;
};

// The power at `now`: the live lane's when given (null: none runs for the
// meter), else what the last stored pulses allow (the CLI, and a meter
// added while the daemon runs).
[[nodiscard]] std::optional<double> power_now(const MeterFacts &facts, UtcTime now,
                                              const LivePower *live);

[[nodiscard]] MovingFigures moving_figures(const MeterFacts &facts, const RegisterState &state,
                                           UtcTime now, const LivePower *live);

// A meter fed by sensor nodes lists them with their last reported health,
// so a dead or struggling node shows here.
[[nodiscard]] nlohmann::json meter_view(const MeterFacts &facts, const MovingFigures &moving);

// Reads and shows one meter in one go (the CLI, and answers to a change).
[[nodiscard]] nlohmann::json meter_view(Store &store, const Meter &meter, UtcTime now);

// A sensor node as JSON (GET /api/nodes and the meter's "nodes").
[[nodiscard]] nlohmann::json node_view(const NodeStatus &node, UtcTime now);
[[nodiscard]] nlohmann::json node_view(const NodeStatus &node, std::int64_t seconds_since_heard);

} // namespace pulsemon

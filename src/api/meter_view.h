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

// What a meter's view shows that moves with the clock: the power at `now`
// (`live_power` from the running pipeline wins over the power derived from
// stored pulses), the register at `now` (facts.state_if_settled, or the
// store's), and how long ago each node was heard.
struct MovingFigures {
  std::optional<double> power;
  RegisterState state;
  std::vector<std::int64_t> seconds_since_heard; // per node of the facts
  friend bool operator==(const MovingFigures &, const MovingFigures &) = default;
};

// The power at `now`: the live pipeline's when given, else what the last
// stored pulses allow (after a restart, before live pulses arrive).
[[nodiscard]] std::optional<double> power_now(const MeterFacts &facts, UtcTime now,
                                              std::optional<double> live_power);

[[nodiscard]] MovingFigures moving_figures(const MeterFacts &facts, const RegisterState &state,
                                           UtcTime now, std::optional<double> live_power);

// A meter fed by sensor nodes lists them with their last reported health,
// so a dead or struggling node shows here.
[[nodiscard]] nlohmann::json meter_view(const MeterFacts &facts, const MovingFigures &moving);

// Reads and shows one meter in one go (the CLI, and answers to a change).
[[nodiscard]] nlohmann::json meter_view(Store &store, const Meter &meter, UtcTime now,
                                        std::optional<double> live_power = std::nullopt);

// A sensor node as JSON (GET /api/nodes and the meter's "nodes").
[[nodiscard]] nlohmann::json node_view(const NodeStatus &node, UtcTime now);
[[nodiscard]] nlohmann::json node_view(const NodeStatus &node, std::int64_t seconds_since_heard);

} // namespace pulsemon

#pragma once
// A meter as JSON, the same for `meter list --json` and GET /api/meters:
// settings, stored counts, register total, latest power.

#include "store/sqlite/sqlite_store.h"

#include <nlohmann/json.hpp>

#include <optional>

namespace pulsemon {

// `live_power` (from the running pipeline) wins over the power derived from
// stored pulses when given. A meter fed by sensor nodes lists them with
// their last reported health, so a dead or struggling node shows here.
[[nodiscard]] nlohmann::json meter_view(SqliteStore &store, const Meter &meter, UtcTime now,
                                        std::optional<double> live_power = std::nullopt);

// A sensor node as JSON (GET /api/nodes and the meter's "nodes").
[[nodiscard]] nlohmann::json node_view(const NodeStatus &node, UtcTime now);

} // namespace pulsemon

#pragma once
// A meter as JSON, the same for `meter list --json` and GET /api/meters:
// settings, stored counts, register total, latest power.

#include "store/sqlite/sqlite_store.h"

#include <nlohmann/json.hpp>

#include <optional>

namespace pulsemon {

// `live_power` (from the running pipeline) wins over the power derived from
// stored pulses when given.
[[nodiscard]] nlohmann::json meter_view(SqliteStore &store, const Meter &meter, UtcTime now,
                                        std::optional<double> live_power = std::nullopt);

} // namespace pulsemon

#pragma once
// A meter's insights (core/alerts.h) from the store: its last 60 days of
// hours, counted from the rollups and read on the household's clock.

#include "core/alerts.h"
#include "core/calendar.h"
#include "store/store.h"

#include <vector>

namespace pulsemon {

// The alerts of `meter` at `now`; the work is bounded (60 days of hours,
// one read of the rollups and of the last pulse).
[[nodiscard]] std::vector<Alert> meter_alerts(Store &store, const Meter &meter,
                                              const Calendar &calendar, UtcTime now,
                                              const AlertSettings &settings);

} // namespace pulsemon

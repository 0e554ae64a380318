#pragma once
// A meter's insights (core/alerts.h) from the store: its last 60 days of
// hours, counted from the rollups and read on the household's clock.

#include "core/alerts.h"
#include "core/calendar.h"
#include "store/store.h"

#include <optional>
#include <vector>

namespace pulsemon {

struct MeterInsights {
  std::vector<Alert> alerts;
  std::optional<double> base_load_w; // electricity meters with a night of data
};

// The alerts and base load of `meter` at `now`; the work is bounded (60
// days of hours, one read of the rollups and of the last pulse).
[[nodiscard]] MeterInsights meter_insights(Store &store, const Meter &meter,
                                           const Calendar &calendar, UtcTime now,
                                           const AlertSettings &settings);

[[nodiscard]] inline std::vector<Alert> meter_alerts(Store &store, const Meter &meter,
                                                     const Calendar &calendar, UtcTime now,
                                                     const AlertSettings &settings) {
  return meter_insights(store, meter, calendar, now, settings).alerts;
}

} // namespace pulsemon

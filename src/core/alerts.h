#pragma once
// Insights that need no one to look at a chart: a meter's hours, read by
// the household's clock, judged for what a household would want to be told.
//
// - leak: a water meter that flowed in every hour of the night (01:00 to
//   05:00) for `leak_nights` nights in a row: a running cistern, a
//   dripping tap, a burst pipe. A household's water stops at night.
// - silent: a meter that usually pulses has been silent half as long again
//   as its longest quiet spell of the four weeks before (and at least
//   `silent_hours`):
//   a sensor that fell off, a node that died, a cable pulled.
// - base_load: an electricity meter's base load (the lowest hour of each
//   night, 00:00 to 05:00), median of the last week against the median of
//   the four weeks before, up by `base_load_rise` and at least
//   `base_load_min_rise_w`: a new always-on device, a heater left on.
// - unusual_day: yesterday used more than `unusual_day_factor` times the
//   most, or less than 1 / `unusual_day_factor` of the least, of the same
//   weekday in the eight weeks before. Not for gas and heat, which follow
//   the weather (a cold snap is not news).
//
// Pure: the hours come counted; no clock, no store.

#include "core/meter.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace pulsemon {

struct AlertSettings {
  int leak_nights = 3;
  int silent_hours = 3;
  double base_load_rise = 0.5;        // +50 %
  double base_load_min_rise_w = 40.0; // and at least this many watts
  double unusual_day_factor = 3.0;
};

// One complete hour of a meter, on the household's clock.
struct LocalHour {
  std::int64_t day = 0; // local days since 1970-01-01
  int hour = 0;         // 0 … 23 (a DST day has 23 or 25 of them)
  int weekday = 0;      // 0 = Monday … 6 = Sunday
  std::int64_t pulses = 0;
};

enum class AlertKind { leak, silent, base_load, unusual_day };
[[nodiscard]] std::string_view to_string(AlertKind kind);

struct Alert {
  AlertKind kind = AlertKind::leak;
  std::int64_t since_day = 0; // the local day it began
  std::string message;
};

// The local day an alert began as YYYY-MM-DD.
[[nodiscard]] std::string since_text(const Alert &alert);

// `hours`: the meter's complete hours, oldest first, up to the hour before
// now (at least the last 36 days for every check to have its history).
// `silent_hours_now`: whole hours since the meter's last pulse (none: it
// never pulsed).
// An electricity meter's base load in W: the median, over its last seven
// nights with data, of each night's lowest hour from 00:00 to 05:00 (what
// the base_load alert compares). Empty for other meters and without a night.
[[nodiscard]] std::optional<double> base_load_watts(const Meter &meter,
                                                    std::span<const LocalHour> hours);

// What a constant load of `watts` on the meter costs in a year (365.25
// days) at its tariff's prices, without the standing charge; empty without
// a tariff.
[[nodiscard]] std::optional<double> yearly_cost_of_load(const Meter &meter, double watts);

[[nodiscard]] std::vector<Alert> find_alerts(const Meter &meter, std::span<const LocalHour> hours,
                                             std::optional<std::int64_t> silent_hours_now,
                                             const AlertSettings &settings);

} // namespace pulsemon

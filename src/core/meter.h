#pragma once
// What a meter is: its kind, its unit and how many pulses make one unit.

#include "core/result.h"
#include "core/time.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pulsemon {

enum class MeterKind { electricity, gas, water, heat };

[[nodiscard]] std::string_view to_string(MeterKind kind);
[[nodiscard]] Result<MeterKind> parse_meter_kind(std::string_view text);
[[nodiscard]] std::string_view default_unit(MeterKind kind);

// How the pulse filter treats a meter's edges (see pulse_filter.md).
struct FilterSettings {
  // An edge closer than this to the previous accepted pulse is a bounce.
  Micros min_interval{Micros{10'000}};
  // With both edges known, a pulse shorter than this is a glitch; 0 = off.
  // LED and S0 pulses last 2–100 ms; noise spikes are far shorter.
  Micros min_width{Micros{1000}};
  friend bool operator==(const FilterSettings &, const FilterSettings &) = default;
};

struct Meter {
  std::int64_t id = 0;
  std::string name;
  std::string location;
  MeterKind kind = MeterKind::electricity;
  std::string unit = "kWh";
  double pulses_per_unit = 1000.0;
  std::string tariff; // tariff text, see tariff.h; empty = no cost
  FilterSettings filter;
  // Power falls to 0 when no pulse came for this long.
  std::chrono::seconds power_timeout{600};
  std::int64_t site_id = 1; // the site that owns it (core/site.h: home_site_id)
  friend bool operator==(const Meter &, const Meter &) = default;
};

// What a meter's settings may be, whichever way they come (CLI, API,
// import): every number from outside is checked against these before use.
inline constexpr std::int64_t max_meter_id = 9'007'199'254'740'991; // 2^53 - 1: exact in JavaScript
inline constexpr double max_pulses_per_unit = 1'000'000.0;
inline constexpr double max_filter_milliseconds = 60'000.0;
inline constexpr std::int64_t max_power_timeout_seconds = 7LL * 24 * 3600;
inline constexpr std::size_t max_meter_text_bytes = 200; // name, location
inline constexpr std::size_t max_unit_bytes = 16;
inline constexpr std::size_t max_tariff_bytes = 2000;

// A filter setting given in milliseconds (min_interval_ms, min_width_ms),
// from 0 to max_filter_milliseconds; `field` names it when it is not.
[[nodiscard]] Result<Micros> filter_milliseconds(std::string_view field, double milliseconds);
// power_timeout_s: whole seconds from 1 to max_power_timeout_seconds.
[[nodiscard]] Result<std::chrono::seconds> power_timeout_seconds(std::string_view field,
                                                                 double seconds);

// Checks the invariants every stored meter must hold; names the bad field.
[[nodiscard]] std::optional<Error> validate_meter(const Meter &meter);

// Half a pulse in the meter's unit: below this, two totals differ by
// rounding, not by a pulse.
[[nodiscard]] inline double half_a_pulse(const Meter &meter) {
  return 0.5 / meter.pulses_per_unit;
}

// Energy (or volume) of a number of pulses, in the meter's unit.
[[nodiscard]] inline double energy_of(std::int64_t pulses, double pulses_per_unit) {
  return static_cast<double>(pulses) / pulses_per_unit;
}

// How a flow of the meter's unit per hour is shown: kWh/h as W, Wh/h as W,
// anything else as unit/h (m³/h for gas, L/h for water).
struct RateUnit {
  double per_unit_per_hour = 1.0; // multiply unit/h by this
  std::string name;               // "W", "m³/h", …
};
[[nodiscard]] RateUnit rate_unit(std::string_view unit);

// kWh in one of the unit, for units of energy (Wh, kWh, MWh); empty for
// volumes and anything else.
[[nodiscard]] std::optional<double> kwh_per_unit(std::string_view unit);

} // namespace pulsemon

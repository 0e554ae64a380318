#include "core/meter.h"

#include <array>
#include <cmath>
#include <utility>

namespace pulsemon {

namespace {
constexpr std::array<std::pair<MeterKind, std::string_view>, 4> kind_names{{
    {MeterKind::electricity, "electricity"},
    {MeterKind::gas, "gas"},
    {MeterKind::water, "water"},
    {MeterKind::heat, "heat"},
}};
} // namespace

std::string_view to_string(MeterKind kind) {
  for (const auto &[k, name] : kind_names) {
    if (k == kind) {
      return name;
    }
  }
  return "unknown";
}

Result<MeterKind> parse_meter_kind(std::string_view text) {
  for (const auto &[kind, name] : kind_names) {
    if (name == text) {
      return kind;
    }
  }
  return invalid_argument("kind: '" + std::string(text) +
                          "' is not one of electricity, gas, water, heat");
}

std::string_view default_unit(MeterKind kind) {
  switch (kind) {
  case MeterKind::electricity:
  case MeterKind::heat:
    return "kWh";
  case MeterKind::gas:
  case MeterKind::water:
    return "m³";
  }
  return "kWh";
}

std::optional<Error> validate_meter(const Meter &meter) {
  if (meter.id <= 0) {
    return invalid_argument("id: must be a positive whole number, got " + std::to_string(meter.id));
  }
  if (meter.name.empty()) {
    return invalid_argument("name: must not be empty");
  }
  if (meter.unit.empty()) {
    return invalid_argument("unit: must not be empty");
  }
  if (!std::isfinite(meter.pulses_per_unit) || meter.pulses_per_unit <= 0) {
    return invalid_argument("ppu: pulses per unit must be a number above 0, got " +
                            std::to_string(meter.pulses_per_unit));
  }
  if (meter.filter.min_interval < Micros{0} || meter.filter.min_width < Micros{0}) {
    return invalid_argument("min_interval_ms/min_width_ms: must not be negative");
  }
  if (meter.power_timeout <= std::chrono::seconds{0}) {
    return invalid_argument("power_timeout_s: must be above 0");
  }
  return std::nullopt;
}

RateUnit rate_unit(std::string_view unit) {
  if (unit == "kWh") {
    return {1000.0, "W"};
  }
  if (unit == "Wh") {
    return {1.0, "W"};
  }
  if (unit == "MWh") {
    return {1.0e6, "W"};
  }
  return {1.0, std::string(unit) + "/h"};
}

} // namespace pulsemon

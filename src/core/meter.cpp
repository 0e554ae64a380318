#include "core/meter.h"

#include "core/quoted_input.h"

#include <array>
#include <cmath>
#include <tuple>
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
  return invalid_argument("kind: " + quoted_input(text) +
                          " is not one of electricity, gas, water, heat");
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

Result<Micros> filter_milliseconds(std::string_view field, double milliseconds) {
  if (!std::isfinite(milliseconds) || milliseconds < 0 || milliseconds > max_filter_milliseconds) {
    return invalid_argument(std::string(field) + ": milliseconds from 0 to " +
                            std::to_string(static_cast<int>(max_filter_milliseconds)));
  }
  return Micros{std::llround(milliseconds * 1000.0)};
}

Result<std::chrono::seconds> power_timeout_seconds(std::string_view field, double seconds) {
  if (!std::isfinite(seconds) || seconds < 1 ||
      seconds > static_cast<double>(max_power_timeout_seconds)) {
    return invalid_argument(std::string(field) + ": seconds from 1 to " +
                            std::to_string(max_power_timeout_seconds));
  }
  return std::chrono::seconds{std::llround(seconds)};
}

namespace {
std::optional<Error> text_too_long(std::string_view field, const std::string &text,
                                   std::size_t limit) {
  if (text.size() <= limit) {
    return std::nullopt;
  }
  return invalid_argument(std::string(field) + ": at most " + std::to_string(limit) +
                          " bytes, got " + std::to_string(text.size()));
}
} // namespace

std::optional<Error> validate_meter(const Meter &meter) {
  if (meter.id <= 0 || meter.id > max_meter_id) {
    return invalid_argument("id: must be a whole number from 1 to " + std::to_string(max_meter_id) +
                            ", got " + std::to_string(meter.id));
  }
  if (meter.name.empty()) {
    return invalid_argument("name: must not be empty");
  }
  if (meter.unit.empty()) {
    return invalid_argument("unit: must not be empty");
  }
  for (const auto &[field, text, limit] :
       {std::tuple{"name", &meter.name, max_meter_text_bytes},
        std::tuple{"location", &meter.location, max_meter_text_bytes},
        std::tuple{"unit", &meter.unit, max_unit_bytes},
        std::tuple{"tariff", &meter.tariff, max_tariff_bytes}}) {
    if (auto error = text_too_long(field, *text, limit)) {
      return error;
    }
  }
  if (!std::isfinite(meter.pulses_per_unit) || meter.pulses_per_unit <= 0 ||
      meter.pulses_per_unit > max_pulses_per_unit) {
    return invalid_argument("ppu: pulses per unit must be a number above 0 and at most " +
                            std::to_string(static_cast<std::int64_t>(max_pulses_per_unit)));
  }
  const Micros max_filter{static_cast<std::int64_t>(max_filter_milliseconds) * 1000};
  if (meter.filter.min_interval < Micros{0} || meter.filter.min_width < Micros{0} ||
      meter.filter.min_interval > max_filter || meter.filter.min_width > max_filter) {
    return invalid_argument("min_interval_ms/min_width_ms: milliseconds from 0 to " +
                            std::to_string(static_cast<int>(max_filter_milliseconds)));
  }
  if (meter.power_timeout <= std::chrono::seconds{0} ||
      meter.power_timeout > std::chrono::seconds{max_power_timeout_seconds}) {
    return invalid_argument("power_timeout_s: seconds from 1 to " +
                            std::to_string(max_power_timeout_seconds));
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

std::optional<double> kwh_per_unit(std::string_view unit) {
  if (unit == "kWh") {
    return 1.0;
  }
  if (unit == "Wh") {
    return 0.001;
  }
  if (unit == "MWh") {
    return 1000.0;
  }
  return std::nullopt;
}

} // namespace pulsemon

#include "store/store_rules.h"

#include "store/store.h"

#include "core/tariff.h"

#include <algorithm>
#include <string>

namespace pulsemon {

std::optional<Error> meter_error(const Meter &meter) {
  if (auto error = validate_meter(meter)) {
    return error;
  }
  if (!meter.tariff.empty()) {
    auto tariff = parse_tariff(meter.tariff);
    if (!tariff) {
      return tariff.error();
    }
    if (tariff->per == PricedPer::kwh && !kwh_per_unit(meter.unit) &&
        meter.kind != MeterKind::gas) {
      return invalid_argument("tariff: priced per kWh, but this " +
                              std::string(to_string(meter.kind)) + " meter counts " + meter.unit +
                              "; give its price per " + meter.unit + " (without /kWh)");
    }
  }
  return std::nullopt;
}

std::optional<Error> meter_change_error(const Meter &before, const Meter &after, bool has_pulses) {
  const bool changes_meaning =
      before.pulses_per_unit != after.pulses_per_unit || before.unit != after.unit;
  if (!changes_meaning || !has_pulses) {
    return std::nullopt;
  }
  const std::string field = before.pulses_per_unit != after.pulses_per_unit ? "ppu" : "unit";
  return invalid_argument(field + ": meter " + std::to_string(after.id) +
                          " already has pulses; changing its " + field +
                          " would change all its past energy. Add a new meter instead");
}

std::optional<Error> batch_error(const PulseBatch &batch) {
  const bool before_epoch = std::any_of(batch.pulses.begin(), batch.pulses.end(),
                                        [](UtcTime t) { return to_epoch_us(t) < 0; });
  if (before_epoch) {
    return invalid_argument("pulses: a pulse time lies before 1970; the source's clock is not set");
  }
  return std::nullopt;
}

std::optional<Error> calorific_value_error(const Meter &meter, const CalorificValue &value) {
  if (meter.kind != MeterKind::gas) {
    return invalid_argument("meter: " + std::to_string(meter.id) + " is not a gas meter");
  }
  // Natural gas is 30–45 MJ/m³, propane about 95; corrections lie near 1.
  if (!(value.megajoules_per_m3 > 0) || !(value.megajoules_per_m3 <= 200) ||
      !(value.volume_correction > 0) || !(value.volume_correction <= 2)) {
    return invalid_argument("calorific value: MJ/m³ above 0 and at most 200, with a volume "
                            "correction above 0 and at most 2");
  }
  return std::nullopt;
}

PulseCounter stored_pulse_counter(Store &store, std::int64_t meter_id) {
  return [&store, meter_id](std::optional<UtcTime> after, UtcTime until) {
    if (!after) {
      // Everything up to a time after the last pulse: the kept total, which
      // every commit updates with the pulses (no sum over the rollups).
      const MeterStats kept = store.stats(meter_id);
      if (!kept.last_pulse || *kept.last_pulse <= until) {
        return kept.pulses;
      }
    }
    // (after, until] in whole microseconds is [after + 1 µs, until + 1 µs).
    const UtcTime from = after ? *after + Micros{1} : utc_from_epoch_us(0);
    return store.count_pulses(meter_id, from, until + Micros{1});
  };
}

} // namespace pulsemon

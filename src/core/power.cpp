#include "core/power.h"

#include <algorithm>

namespace pulsemon {

PowerSettings power_settings_for(const Meter &meter) {
  return PowerSettings{meter.pulses_per_unit, rate_unit(meter.unit).per_unit_per_hour,
                       meter.power_timeout};
}

double rate_for_interval(const PowerSettings &settings, Micros interval) {
  const double hours = to_seconds(interval) / 3600.0;
  return settings.per_unit_per_hour / (settings.pulses_per_unit * hours);
}

std::optional<double> PowerEstimator::on_pulse(MonoTime time) {
  if (last_pulse_ && time <= *last_pulse_) {
    return std::nullopt;
  }
  std::optional<double> power;
  if (last_pulse_) {
    power = rate_for_interval(settings_, time - *last_pulse_);
  }
  last_pulse_ = time;
  last_power_ = power;
  return power;
}

std::optional<double> PowerEstimator::power_at(MonoTime now) const {
  // Until `known_until` every pulse that happened has been seen.
  const MonoTime known_until = now - settings_.latency;
  if (!last_pulse_) {
    if (watching_since_ && known_until - *watching_since_ >= settings_.timeout) {
      return 0.0;
    }
    return std::nullopt;
  }
  const Micros since_last = known_until - *last_pulse_;
  if (since_last >= settings_.timeout) {
    return 0.0;
  }
  if (!last_power_) {
    return std::nullopt;
  }
  if (since_last <= Micros{0}) {
    return last_power_;
  }
  return std::min(*last_power_, rate_for_interval(settings_, since_last));
}

std::optional<double> power_after_stored_pulses(const PowerSettings &settings,
                                                std::span<const UtcTime> oldest_first,
                                                UtcTime now) {
  PowerEstimator estimator(settings);
  for (const UtcTime pulse : oldest_first) {
    estimator.on_pulse(mono_from_us(to_epoch_us(pulse)));
  }
  return estimator.power_at(mono_from_us(to_epoch_us(now)));
}

} // namespace pulsemon

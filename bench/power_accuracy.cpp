// Accuracy: how far the reported power is from the true power of a
// simulated household, for pulsemon's estimate (from the time between
// pulses, src/core/power.h) and for the old firmware's (pulses counted in a
// 30-second window × 120 W at 1000 imp/kWh), sampled at the same instants,
// every 30 s, over PULSEMON_BENCH_ACCURACY_DAYS days (default 30).
//
// Prints name=value lines; power_error_ratio = the old way's mean absolute
// error ÷ pulsemon's (higher is better for pulsemon).
#include "bench_data.h"
#include "core/power.h"

#include <cmath>
#include <cstdio>

namespace pulsemon::bench {
namespace {

int run() {
  constexpr double pulses_per_kwh = 1000.0;
  constexpr Micros window{30'000'000};
  const int days = static_cast<int>(env_number("PULSEMON_BENCH_ACCURACY_DAYS", 30));
  const Simulated data = simulate_household(days, pulses_per_kwh, 7);

  PowerEstimator estimator(PowerSettings{pulses_per_kwh, 1000.0, std::chrono::seconds{600}});
  std::size_t next_pulse = 0;   // pulses before it are fed to the estimator
  std::size_t window_start = 0; // first pulse inside the old firmware's window
  std::size_t step = 0;
  double error_pulsemon = 0;
  double error_old = 0;
  double true_sum = 0;
  std::int64_t samples = 0;
  for (UtcTime t = simulation_start + window; t < data.end; t += window) {
    while (next_pulse < data.pulses.size() && data.pulses[next_pulse] <= t) {
      (void)estimator.on_pulse(mono_from_us(to_epoch_us(data.pulses[next_pulse])));
      ++next_pulse;
    }
    while (window_start < next_pulse && data.pulses[window_start] <= t - window) {
      ++window_start;
    }
    while (step + 1 < data.steps.size() && data.steps[step + 1].from <= t) {
      ++step;
    }
    const std::optional<double> estimate = estimator.power_at(mono_from_us(to_epoch_us(t)));
    if (!estimate) {
      continue; // before the second pulse
    }
    const double true_watts = data.steps[step].rate * 1000.0;
    const double counted = static_cast<double>(next_pulse - window_start);
    const double old_watts = counted * 3600.0 / 30.0 / pulses_per_kwh * 1000.0;
    error_pulsemon += std::abs(*estimate - true_watts);
    error_old += std::abs(old_watts - true_watts);
    true_sum += true_watts;
    ++samples;
  }
  const auto mean = [samples](double sum) { return sum / static_cast<double>(samples); };
  std::printf("power_samples=%lld\n", static_cast<long long>(samples));
  std::printf("power_true_mean_w=%.1f\n", mean(true_sum));
  std::printf("power_mae_pulsemon_w=%.2f\n", mean(error_pulsemon));
  std::printf("power_mae_old_w=%.2f\n", mean(error_old));
  std::printf("power_error_ratio=%.2f\n", error_old / error_pulsemon);
  return 0;
}

} // namespace
} // namespace pulsemon::bench

int main() {
  return pulsemon::bench::run();
}

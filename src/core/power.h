#pragma once
// Instantaneous power (or flow) from the time between pulses.
//
//   at a pulse:      P = rate(Δt) with Δt = time since the previous pulse
//   between pulses:  P(now) = min(P at the last pulse, rate(now − latency − last pulse))
//                    — the next pulse had not come by `now − latency` (a pulse
//                    reaches whoever shows the power up to `latency` late: a
//                    commit interval, a node's upload interval), so the power
//                    can be no higher than that. It holds at the last pulse's
//                    figure until the next pulse is overdue, then decays as 1/t
//   after a timeout: 0 (also when no pulse came within the timeout of the
//                    estimator starting to watch)
//
// rate(Δt) = 3600 / (pulses_per_unit × Δt[s]) unit/h, times RateUnit's
// factor: for 1000 imp/kWh that is 3.6e6 / (1000 × Δt) W.

#include "core/meter.h"
#include "core/time.h"

#include <chrono>
#include <optional>
#include <span>

namespace pulsemon {

// The longest step of a power series (GET /api/meters/{id}/power?step=):
// a leap year. Longer steps are refused before any arithmetic, so a step
// can always be converted to microseconds and added to a time.
inline constexpr std::chrono::seconds max_power_step{366LL * 24 * 3600};

struct PowerSettings {
  double pulses_per_unit = 1000.0;
  double per_unit_per_hour = 1000.0; // RateUnit factor: kWh/h → W
  std::chrono::seconds timeout{600};
  // How late a pulse may become known after it happened; the decay waits
  // this long past the moment the next pulse was due.
  Micros latency{0};
};

// The settings for a meter: its pulses per unit, rate unit and timeout.
[[nodiscard]] PowerSettings power_settings_for(const Meter &meter);

// The rate that one pulse per `interval` means, in display units.
[[nodiscard]] double rate_for_interval(const PowerSettings &settings, Micros interval);

// Not thread-safe: one per meter, fed the accepted pulses in time order.
class PowerEstimator {
public:
  explicit PowerEstimator(PowerSettings settings) : settings_(settings) {}

  // New settings (a changed timeout) from the next pulse or query on.
  void set_settings(PowerSettings settings) { settings_ = settings; }
  [[nodiscard]] const PowerSettings &settings() const { return settings_; }

  // From `since` on, a meter that gives no pulse for its timeout reads 0
  // (without it, the power stays unknown until the first pulse).
  void watch_from(MonoTime since) { watching_since_ = since; }

  // Records an accepted pulse. Returns the power it implies, or nothing for
  // the first pulse (no interval yet) and for a pulse not after the last one.
  std::optional<double> on_pulse(MonoTime time);

  // The power to report at `now`: nothing before the second pulse (unless the
  // timeout has passed, then 0), otherwise held, then decaying as above.
  [[nodiscard]] std::optional<double> power_at(MonoTime now) const;

private:
  PowerSettings settings_;
  std::optional<MonoTime> watching_since_;
  std::optional<MonoTime> last_pulse_;
  std::optional<double> last_power_;
};

// The power at `now` from the last stored pulses (wall times, oldest first),
// as a PowerEstimator fed them would report it. Used after a restart, before
// live pulses arrive: stored pulses carry wall times only, so their
// difference is the best interval there is once the monotonic times are gone.
[[nodiscard]] std::optional<double> power_after_stored_pulses(const PowerSettings &settings,
                                                              std::span<const UtcTime> oldest_first,
                                                              UtcTime now);

} // namespace pulsemon

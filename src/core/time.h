#pragma once
// Wall-clock and monotonic time are different types so that the compiler
// refuses to compute a rate from wall-clock times or to store a monotonic
// time as a date. Neither type has a now(): the core never reads a clock.

#include <chrono>
#include <cstdint>

namespace pulsemon {

using Micros = std::chrono::microseconds;

// A UTC instant with microsecond resolution: storage keys and display.
using UtcTime = std::chrono::sys_time<Micros>;

// A reading of a monotonic clock (CLOCK_MONOTONIC, a kernel line-event
// timestamp, a node's micros() extended past its wrap, a simulated clock).
// Only differences between two readings of the same clock mean anything.
struct MonotonicClock {
  using duration = Micros;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<MonotonicClock, duration>;
  static constexpr bool is_steady = true;
};
using MonoTime = MonotonicClock::time_point;

inline constexpr std::int64_t to_epoch_us(UtcTime t) {
  return t.time_since_epoch().count();
}
inline constexpr UtcTime utc_from_epoch_us(std::int64_t us) {
  return UtcTime{Micros{us}};
}
inline constexpr MonoTime mono_from_us(std::int64_t us) {
  return MonoTime{Micros{us}};
}

// Seconds as a double, for physics (power = energy / time).
inline constexpr double to_seconds(Micros d) {
  return std::chrono::duration<double>(d).count();
}

} // namespace pulsemon

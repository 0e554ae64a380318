#pragma once
// The old stack's logger stored whole epoch seconds, so several pulses in
// one second (a 1000 imp/kWh meter above 3.6 kW does that) share one value,
// and pulsemon's store, keyed on (meter, µs), would keep only one of them.
// The spreader turns a time-ordered stream of such stamps into distinct
// microsecond times: k rows that share a stamp t become
// t, t + 1 s/k, t + 2 s/k, …; every output is later than the one before.
// The same input always gives the same output, so importing a file twice
// stores nothing new the second time.

#include "core/time.h"

#include <cstdint>
#include <vector>

namespace pulsemon {

class SameTimeSpreader {
public:
  // Feed times in ascending order; `emit(UtcTime)` receives the distinct
  // times, in order, once a run of equal stamps is complete.
  template <class Emit> void add(UtcTime stamp, Emit &&emit) {
    if (run_length_ > 0 && stamp != run_stamp_) {
      flush(emit);
    }
    run_stamp_ = stamp;
    ++run_length_;
  }

  // Emits the last run; call once after the last add().
  template <class Emit> void finish(Emit &&emit) { flush(emit); }

  // Rows that shared their stamp with another row and were moved.
  [[nodiscard]] std::int64_t spread_rows() const { return spread_rows_; }

private:
  template <class Emit> void flush(Emit &emit) {
    if (run_length_ == 0) {
      return;
    }
    const std::int64_t step = Micros{std::chrono::seconds{1}}.count() / run_length_;
    for (std::int64_t i = 0; i < run_length_; ++i) {
      UtcTime t = run_stamp_ + Micros{i * step};
      if (has_last_ && t <= last_) {
        t = last_ + Micros{1}; // a later run inside this second: stay in order
      }
      emit(t);
      last_ = t;
      has_last_ = true;
    }
    if (run_length_ > 1) {
      spread_rows_ += run_length_;
    }
    run_length_ = 0;
  }

  UtcTime run_stamp_{};
  std::int64_t run_length_ = 0;
  UtcTime last_{};
  bool has_last_ = false;
  std::int64_t spread_rows_ = 0;
};

} // namespace pulsemon

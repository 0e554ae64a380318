#pragma once
// The old stack's logger stored whole epoch seconds, so several pulses in
// one second (a 1000 imp/kWh meter above 3.6 kW does that) share one value,
// and pulsemon's store, keyed on (meter, µs), would keep only one of them.
// The spreader turns one meter's time-ordered stamps into distinct
// microsecond times, one whole UTC second at a time, never leaving it:
//
// - rows with a stamp of their own keep it;
// - k rows sharing a stamp t are spread over [t, next): t, t + (next - t)/k,
//   …, where next is the next stamp in that second, or the second's end;
//   so whole-second rows become t, t + 1 s/k, t + 2 s/k, …;
// - where that leaves fewer microseconds than rows, all rows of the second
//   are spread evenly over it instead, in order.
//
// Keeping each pulse in its own second keeps the counts of every minute,
// hour and day those of the rows (SQL's epoch / 3600 and epoch / 86400).
// The same rows always give the same times, so importing a file twice
// stores nothing new the second time.

#include "core/time.h"

#include <cstdint>
#include <span>
#include <vector>

namespace pulsemon {

// The times for the rows of one second (stamps ascending, all within it),
// written over `times`.
void spread_within_second(std::span<const UtcTime> stamps, std::vector<UtcTime> &times);

class SecondSpreader {
public:
  // A second holds at most this many distinct microseconds.
  static constexpr std::size_t max_rows_per_second = 1'000'000;

  // Feed stamps in ascending order; `emit(UtcTime second, const
  // std::vector<UtcTime> &times)` receives each second's times once the
  // second is complete. Returns false, emitting nothing, for a stamp that
  // would make its second hold more than max_rows_per_second rows.
  template <class Emit> [[nodiscard]] bool add(UtcTime stamp, Emit &&emit) {
    const UtcTime second = std::chrono::floor<std::chrono::seconds>(stamp);
    if (!stamps_.empty() && second != second_) {
      flush(emit);
    }
    if (stamps_.size() >= max_rows_per_second) {
      return false;
    }
    second_ = second;
    stamps_.push_back(stamp);
    return true;
  }

  // Emits the last second; call once after the last add().
  template <class Emit> void finish(Emit &&emit) { flush(emit); }

  // Rows that shared their stamp with another row (all of them, also the
  // one that kept it).
  [[nodiscard]] std::int64_t shared_rows() const { return shared_rows_; }

private:
  template <class Emit> void flush(Emit &emit) {
    if (stamps_.empty()) {
      return;
    }
    spread_within_second(stamps_, times_);
    for (std::size_t i = 0; i < stamps_.size(); ++i) {
      const bool shared = (i > 0 && stamps_[i] == stamps_[i - 1]) ||
                          (i + 1 < stamps_.size() && stamps_[i] == stamps_[i + 1]);
      shared_rows_ += shared ? 1 : 0;
    }
    emit(second_, static_cast<const std::vector<UtcTime> &>(times_));
    stamps_.clear();
  }

  UtcTime second_{};
  std::vector<UtcTime> stamps_;
  std::vector<UtcTime> times_; // kept, so that a second costs no allocation
  std::int64_t shared_rows_ = 0;
};

} // namespace pulsemon

#include "core/second_spreader.h"

namespace pulsemon {

namespace {

constexpr Micros one_second{std::chrono::seconds{1}};

// Every row of the second at an equal share of it, in order.
void evenly_over(UtcTime second, std::size_t rows, std::vector<UtcTime> &times) {
  times.clear();
  const auto step = one_second.count() / static_cast<std::int64_t>(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    times.push_back(second + Micros{static_cast<std::int64_t>(i) * step});
  }
}

} // namespace

void spread_within_second(std::span<const UtcTime> stamps, std::vector<UtcTime> &times) {
  times.clear();
  if (stamps.empty()) {
    return;
  }
  const UtcTime second = std::chrono::floor<std::chrono::seconds>(stamps.front());
  const UtcTime second_end = second + one_second;
  std::size_t run_begin = 0;
  while (run_begin < stamps.size()) {
    std::size_t run_end = run_begin + 1;
    while (run_end < stamps.size() && stamps[run_end] == stamps[run_begin]) {
      ++run_end;
    }
    const UtcTime from = stamps[run_begin];
    const UtcTime until = run_end < stamps.size() ? stamps[run_end] : second_end;
    const auto rows = static_cast<std::int64_t>(run_end - run_begin);
    const std::int64_t step = (until - from).count() / rows;
    if (step == 0) {
      evenly_over(second, stamps.size(), times);
      return;
    }
    for (std::int64_t i = 0; i < rows; ++i) {
      times.push_back(from + Micros{i * step});
    }
    run_begin = run_end;
  }
}

} // namespace pulsemon

// Any payloads on an old node's power topic (`[[mqtt_power]]`), one report
// a line, the first byte of each line the seconds since the report before.
// The pulses a report stands for must lie in the period it covers, in time
// order, and add up to no more energy than the reports (plus the carried
// fraction of one pulse).
#include "core/power_report.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  constexpr double pulses_per_kwh = 1000.0;
  constexpr pulsemon::Micros max_period{300'000'000};
  pulsemon::PowerReportIntegrator integrator(pulses_per_kwh, max_period);
  std::string_view rest(reinterpret_cast<const char *>(data), size);
  pulsemon::UtcTime at = pulsemon::utc_from_epoch_us(1'780'000'000'000'000);
  std::optional<pulsemon::UtcTime> previous;
  double reported_pulses = 0.0;
  std::size_t emitted = 0;
  while (!rest.empty()) {
    const std::size_t end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    if (line.empty()) {
      continue;
    }
    at += std::chrono::seconds{static_cast<unsigned char>(line[0])};
    const auto kilowatts = pulsemon::parse_kilowatts(line.substr(1));
    if (!kilowatts.ok()) {
      continue; // refused: the subscriber logs it and takes the next
    }
    const auto pulses = integrator.on_report(at, *kilowatts);
    if (previous && at > *previous && std::isfinite(*kilowatts) && *kilowatts >= 0 &&
        *kilowatts <= 1000) {
      const auto period = std::min(at - *previous, max_period);
      reported_pulses += *kilowatts * pulsemon::to_seconds(period) / 3600.0 * pulses_per_kwh;
    }
    const pulsemon::UtcTime start = previous ? std::max(*previous, at - max_period) : at;
    if (!std::is_sorted(pulses.begin(), pulses.end()) ||
        (!pulses.empty() && (pulses.front() <= start || pulses.back() >= at))) {
      std::abort();
    }
    emitted += pulses.size();
    if (static_cast<double>(emitted) > reported_pulses + 1.0) {
      std::abort();
    }
    if (!previous || at > *previous) {
      previous = at;
    }
  }
  return 0;
}

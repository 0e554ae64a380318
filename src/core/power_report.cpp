#include "core/power_report.h"

#include "core/quoted_input.h"

#include <charconv>
#include <cmath>
#include <string>

namespace pulsemon {

Result<double> parse_kilowatts(std::string_view payload) {
  const std::string_view blank = " \t\r\n";
  const auto first = payload.find_first_not_of(blank);
  const std::string_view number =
      first == std::string_view::npos
          ? std::string_view{}
          : payload.substr(first, payload.find_last_not_of(blank) - first + 1);
  double kilowatts = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), kilowatts);
  if (number.empty() || ec != std::errc{} || end != number.data() + number.size()) {
    return invalid_argument(quoted_input(payload) + " is not a number of kW");
  }
  return kilowatts;
}

std::vector<UtcTime> PowerReportIntegrator::on_report(UtcTime at, double kilowatts) {
  std::vector<UtcTime> pulses;
  const std::optional<UtcTime> previous = last_;
  if (previous && at <= *previous) {
    return pulses; // out of order or repeated: no period
  }
  last_ = at;
  if (!previous || !std::isfinite(kilowatts) || kilowatts < 0 || kilowatts > 1000) {
    return pulses;
  }
  const Micros period = std::min(at - *previous, max_period_);
  const double hours = to_seconds(period) / 3600.0;
  const double exact = kilowatts * hours * pulses_per_kwh_ + carry_;
  // No meter pulses faster than a kilohertz (S0 outputs manage some 16 Hz):
  // a report that would need more, with a meter of very many pulses per
  // kWh, is implausible like one above 1000 kW, and is not turned into
  // millions of pulses.
  if (exact > to_seconds(period) * max_pulses_per_second) {
    return pulses;
  }
  // A hair of tolerance, so 99.9999999 pulses from binary rounding count as 100.
  const auto whole = static_cast<std::int64_t>(std::floor(exact + 1e-9));
  carry_ = exact - static_cast<double>(whole);
  const UtcTime start = at - period;
  for (std::int64_t i = 1; i <= whole; ++i) {
    pulses.push_back(start + Micros{period.count() * i / (whole + 1)});
  }
  return pulses;
}

} // namespace pulsemon

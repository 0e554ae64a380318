#pragma once
// Meters that only report power: the old ESP firmware published an average
// kW every 30 s (topic power_consumed) instead of pulses. Such a report is
// turned into the pulses it stands for, so that storage, rollups and every
// query treat the meter like any other; its resolution is that of the
// reports, which the API says.
//
// A report at time t with power P covers the period since the previous
// report (at most max_period, so a node that was silent for hours is not
// assumed to have drawn P all that time). Energy = P × period; the whole
// pulses in it are spread evenly over the period and the fraction carries
// over to the next report, so no energy is lost to rounding.

#include "core/result.h"
#include "core/time.h"

#include <optional>
#include <string_view>
#include <vector>

namespace pulsemon {

// A report's payload as the old firmware sends it: a decimal number of kW
// ("0.412"), with spaces or a line end around it allowed.
[[nodiscard]] Result<double> parse_kilowatts(std::string_view payload);

class PowerReportIntegrator {
public:
  // Faster than any meter's pulse output; a report that would need more
  // pulses than this over its period is refused like one above 1000 kW.
  static constexpr double max_pulses_per_second = 1000.0;

  PowerReportIntegrator(double pulses_per_kwh, Micros max_period)
      : pulses_per_kwh_(pulses_per_kwh), max_period_(max_period) {}

  // The pulses a report of `kilowatts` at `at` stands for (none for the
  // first report, which has no period, or for a negative or absurd value).
  [[nodiscard]] std::vector<UtcTime> on_report(UtcTime at, double kilowatts);

private:
  double pulses_per_kwh_;
  Micros max_period_;
  std::optional<UtcTime> last_;
  double carry_ = 0.0; // a fraction of a pulse not yet emitted
};

} // namespace pulsemon

#pragma once
// The co-operative's data set that coop_bench and sites_bench share: 1 000
// meters of four kinds, each with a simulated household's (or heating's)
// days, thinned to about 15 000 pulses a meter over 30 days.

#include "bench_data.h"
#include "core/meter.h"
#include "core/time_text.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pulsemon::bench {

inline constexpr double pulses_per_meter = 15'000.0;

struct CoopMeter {
  Meter meter;
  simulator::Profile profile = simulator::Profile::electricity;
};

// Six in ten electricity at 1 000 imp/kWh, one at 10 000, two gas, one water.
inline CoopMeter coop_meter(std::int64_t id) {
  CoopMeter made;
  made.meter.id = id;
  made.meter.name = "Flat " + std::to_string(id);
  switch (id % 10) {
  case 6:
    made.meter.pulses_per_unit = 10'000.0;
    break;
  case 7:
  case 8:
    made.meter.kind = MeterKind::gas;
    made.meter.unit = "m³";
    made.meter.pulses_per_unit = 100.0;
    made.profile = simulator::Profile::gas;
    break;
  case 9:
    made.meter.kind = MeterKind::water;
    made.meter.unit = "m³";
    made.meter.pulses_per_unit = 1000.0;
    made.profile = simulator::Profile::water;
    break;
  default:
    break;
  }
  return made;
}

// The meter's pulses over `days`: its profile's days, at the resolution
// that gives about pulses_per_meter pulses.
inline std::vector<UtcTime> coop_pulses(const CoopMeter &coop, int days) {
  simulator::Household household(coop.profile, static_cast<std::uint64_t>(coop.meter.id),
                                 std::chrono::minutes{60});
  std::vector<simulator::RateStep> steps;
  std::vector<UtcTime> ends;
  double units = 0.0;
  for (int day = 0; day < days; ++day) {
    const UtcTime day_start = simulation_start + std::chrono::hours{24 * day};
    const auto today = household.day(day_start);
    for (std::size_t i = 0; i < today.size(); ++i) {
      const UtcTime end =
          i + 1 < today.size() ? today[i + 1].from : day_start + std::chrono::hours{24};
      units += today[i].rate *
               std::chrono::duration<double, std::ratio<3600>>(end - today[i].from).count();
      steps.push_back(today[i]);
      ends.push_back(end);
    }
  }
  simulator::PulseTrain train(units > 0.0 ? pulses_per_meter * days / 30.0 / units : 1.0);
  std::vector<UtcTime> pulses;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    train.run(steps[i].from, ends[i], steps[i].rate, pulses);
  }
  return pulses;
}

// YYYY-MM-DD of the UTC day `time` falls in (the benches' ranges).
inline std::string format_day(UtcTime time) {
  return format_utc(time).substr(0, 10);
}

} // namespace pulsemon::bench

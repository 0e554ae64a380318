#include "sources/simulator/household.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace pulsemon::simulator {

namespace {

constexpr double hour_us = 3.6e9;

// +1 in mid-January, −1 in mid-July: how wintry the day is.
double winter(int day_of_year) {
  return std::cos(2.0 * std::numbers::pi * (day_of_year - 15) / 365.25);
}

int day_of_year(UtcTime local_midnight) {
  const auto days =
      std::chrono::floor<std::chrono::days>(local_midnight).time_since_epoch().count();
  // Days since 1970-01-01 to day of year, close enough for a season.
  return static_cast<int>(std::fmod(static_cast<double>(days), 365.2425));
}

} // namespace

Household::Household(Profile profile, std::uint64_t seed, std::chrono::minutes local_offset)
    : profile_(profile), random_(seed), local_offset_(local_offset),
      base_watts_(random_.uniform(80.0, 150.0)) {}

void Household::electricity_loads(int doy, std::vector<Load> &loads) {
  const double season = winter(doy);

  // Fridge: 12–20 minutes on, 30–50 off, around the clock.
  double h = fridge_next_on_h_;
  while (h < 24.0) {
    const double on = random_.uniform(0.2, 0.33);
    loads.push_back({h, std::min(h + on, 24.0), random_.uniform(90.0, 120.0)});
    h += on + random_.uniform(0.5, 0.8);
  }
  fridge_next_on_h_ = h - 24.0;

  // Kettle: two to five boils a day.
  const int boils = 2 + static_cast<int>(random_.next() % 4);
  for (int i = 0; i < boils; ++i) {
    const double start = random_.uniform(7.0, 22.0);
    loads.push_back(
        {start, start + random_.uniform(2.5, 4.0) / 60.0, random_.uniform(2000.0, 2200.0)});
  }

  // Cooking: the hob most evenings, the oven (thermostat cycling) on some.
  if (random_.chance(0.8)) {
    const double start = random_.uniform(17.3, 18.8);
    loads.push_back(
        {start, start + random_.uniform(20.0, 40.0) / 60.0, random_.uniform(1200.0, 1800.0)});
  }
  if (random_.chance(0.3)) {
    const double start = random_.uniform(17.0, 18.5);
    for (int cycle = 0; cycle < 5; ++cycle) { // 6 minutes on in every 10
      const double on = start + cycle * 10.0 / 60.0;
      loads.push_back({on, on + 6.0 / 60.0, 2400.0});
    }
  }

  // Lighting from before sunset to bedtime; mornings too in winter.
  const double sunset = 18.5 - 2.5 * season;
  loads.push_back({sunset - 0.5, random_.uniform(22.5, 23.5),
                   random_.uniform(60.0, 120.0) + 80.0 * std::max(0.0, season)});
  if (season > 0.3) {
    loads.push_back({6.5, 8.0, 100.0});
  }
  // Television and computer in the evening.
  loads.push_back({19.0, random_.uniform(21.5, 23.5), random_.uniform(80.0, 180.0)});

  // Occasional big appliances.
  if (random_.chance(0.4)) {
    const double start = random_.uniform(9.0, 19.0);
    loads.push_back({start, start + 0.25, 2000.0});       // washing machine heating
    loads.push_back({start + 0.25, start + 1.25, 200.0}); // washing and spinning
    if (random_.chance(0.5)) {
      for (int cycle = 0; cycle < 5; ++cycle) { // dryer, its heater cycling
        const double on = start + 1.5 + cycle * 0.2;
        loads.push_back({on, on + 0.15, 2500.0});
      }
    }
  }
  if (random_.chance(0.5)) {
    const double start = random_.uniform(19.5, 21.5);
    loads.push_back({start, start + 1.0 / 3.0, 1800.0}); // dishwasher heating
    loads.push_back({start + 1.0 / 3.0, start + 4.0 / 3.0, 100.0});
    loads.push_back({start + 4.0 / 3.0, start + 1.5, 1800.0});
  }
}

void Household::gas_loads(int doy, std::vector<Load> &loads) {
  // Rates here are m³/h × 1000, so that the sweep below serves both kinds.
  const double heating = std::clamp(0.5 + 0.6 * winter(doy), 0.0, 1.0);
  if (heating > 0.05) {
    for (const auto &[from, to] : {std::pair{6.0, 9.0}, std::pair{17.0, 23.0}}) {
      // The burner runs 10 minutes, then rests longer the milder the day.
      const double period = 1.0 / 6.0 + (1.0 - heating) * 0.4 + 0.1;
      const int cycles = static_cast<int>(std::ceil((to - from) / period));
      for (int cycle = 0; cycle < cycles; ++cycle) {
        const double on = from + cycle * period;
        loads.push_back({on, on + 1.0 / 6.0, 1000.0 * random_.uniform(1.2, 1.8)});
      }
    }
  }
  const int showers = 1 + static_cast<int>(random_.next() % 3);
  for (int i = 0; i < showers; ++i) {
    const double start = i % 2 == 0 ? random_.uniform(7.0, 8.0) : random_.uniform(21.0, 22.0);
    loads.push_back({start, start + random_.uniform(8.0, 12.0) / 60.0, 2000.0});
  }
  if (random_.chance(0.7)) {
    loads.push_back({18.0, 18.5, 200.0}); // cooking on gas
  }
}

void Household::water_loads(std::vector<Load> &loads) {
  // Rates here are litres an hour (m³/h × 1000). A household of two or
  // three: 150–300 L a day, none of it between midnight and six.
  const auto minutes = [](double m) { return m / 60.0; };
  const int showers = 1 + static_cast<int>(random_.next() % 3);
  for (int i = 0; i < showers; ++i) {
    const double start = i % 2 == 0 ? random_.uniform(6.5, 8.5) : random_.uniform(20.0, 22.5);
    loads.push_back({start, start + minutes(random_.uniform(5.0, 10.0)), 9.0 * 60.0});
  }
  const int flushes = 6 + static_cast<int>(random_.next() % 6);
  for (int i = 0; i < flushes; ++i) {
    const double start = random_.uniform(6.5, 23.5);
    loads.push_back({start, start + minutes(1.0), 6.0 * 60.0}); // a 6 L cistern refilling
  }
  const int taps = 8 + static_cast<int>(random_.next() % 8);
  for (int i = 0; i < taps; ++i) {
    const double start = random_.uniform(7.0, 22.0);
    loads.push_back({start, start + minutes(random_.uniform(0.3, 1.5)), 6.0 * 60.0});
  }
  if (random_.chance(0.4)) {
    // A washing machine's fills: 4 × 12 L over its hour and a half.
    const double start = random_.uniform(9.0, 19.0);
    for (int fill = 0; fill < 4; ++fill) {
      const double at = start + fill * 0.4;
      loads.push_back({at, at + minutes(2.0), 12.0 * 30.0});
    }
  }
}

std::vector<RateStep> Household::day(UtcTime day_start) {
  std::vector<Load> loads;
  const int doy = day_of_year(day_start + local_offset_);
  double base = 0.0;
  if (profile_ == Profile::electricity) {
    base_watts_ = std::clamp(base_watts_ + random_.uniform(-5.0, 5.0), 80.0, 150.0);
    base = base_watts_;
    electricity_loads(doy, loads);
  } else if (profile_ == Profile::gas) {
    gas_loads(doy, loads);
  } else {
    water_loads(loads);
  }

  // Sweep the loads' start and end points into steps of constant rate.
  std::vector<std::pair<double, double>> changes; // (hour, change in watts)
  changes.reserve(loads.size() * 2);
  for (const Load &load : loads) {
    const double from = std::clamp(load.from_h, 0.0, 24.0);
    const double to = std::clamp(load.to_h, 0.0, 24.0);
    if (to > from) {
      changes.emplace_back(from, load.watts);
      changes.emplace_back(to, -load.watts);
    }
  }
  std::sort(changes.begin(), changes.end());

  std::vector<RateStep> steps{{day_start, base / 1000.0}};
  double watts = base;
  for (const auto &[hour, change] : changes) {
    watts += change;
    const UtcTime at = day_start + Micros{static_cast<std::int64_t>(hour * hour_us)};
    const double rate = std::max(0.0, watts) / 1000.0;
    if (steps.back().from == at) {
      steps.back().rate = rate;
    } else {
      steps.push_back({at, rate});
    }
  }
  return steps;
}

void PulseTrain::run(UtcTime from, UtcTime to, double rate, std::vector<UtcTime> &pulses) {
  if (to <= from || rate <= 0.0) {
    return;
  }
  const double span_us = static_cast<double>((to - from).count());
  const double interval_us = hour_us / (pulses_per_unit_ * rate);
  double position = (1.0 - phase_) * interval_us; // of the next pulse, from `from`
  while (position < span_us) {
    pulses.push_back(from + Micros{static_cast<std::int64_t>(position)});
    position += interval_us;
  }
  // Energy used since the last pulse, as a fraction of one pulse.
  phase_ = 1.0 - (position - span_us) / interval_us;
}

void pulses_to_edges(std::span<const UtcTime> pulses, EdgeNoise noise, Random &random,
                     std::vector<SimulatedEdge> &edges, std::optional<UtcTime> following) {
  constexpr Micros nominal_width{30'000};
  for (std::size_t i = 0; i < pulses.size(); ++i) {
    const UtcTime pulse = pulses[i];
    const std::optional<UtcTime> next = i + 1 < pulses.size() ? pulses[i + 1] : following;
    const Micros gap = next ? *next - pulse : Micros{1'000'000};
    const Micros width = std::min(nominal_width, gap / 2);
    if (noise.bounce && random.chance(0.25)) {
      edges.push_back({pulse, true});
      edges.push_back({pulse + Micros{300}, false});
      edges.push_back({pulse + Micros{600}, true});
    } else {
      edges.push_back({pulse, true});
    }
    edges.push_back({pulse + width, false});
    if (noise.glitches && next && random.chance(std::min(1.0, to_seconds(gap) / 3600.0))) {
      const UtcTime middle = pulse + gap / 2;
      if (middle > pulse + width + Micros{1000}) {
        edges.push_back({middle, true});
        edges.push_back({middle + Micros{200}, false});
      }
    }
  }
}

} // namespace pulsemon::simulator

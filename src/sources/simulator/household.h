#pragma once
// A synthetic household, deterministic from a seed: how much power (or gas
// flow) it draws, day by day, as steps of constant rate.
//
// Electricity: base load 80–150 W, a fridge cycling on and off, kettle
// boils, cooking on the hob and sometimes in the oven, evening lighting that
// follows the season, and occasional 2–3 kW appliances (washing machine,
// dryer, dishwasher). Gas: a boiler heating in the morning and evening,
// harder in winter, and hot water for showers. Water: showers, toilet
// flushes, taps and the washing machine from morning to late evening, and
// nothing at night (a flow that never stops at night is a leak).

#include "core/time.h"
#include "sources/simulator/random.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace pulsemon::simulator {

enum class Profile { electricity, gas, water };

// A rate in the meter's unit per hour (kW for electricity, m³/h for gas
// and water),
// constant from `from` until the next step.
struct RateStep {
  UtcTime from;
  double rate = 0.0;
};

class Household {
public:
  // local_offset shifts the household's daily rhythm to a local clock.
  Household(Profile profile, std::uint64_t seed, std::chrono::minutes local_offset);

  // The steps of one day, [day_start, day_start + 24 h), where day_start is
  // local midnight. Days must be asked for in order.
  std::vector<RateStep> day(UtcTime day_start);

private:
  struct Load {
    double from_h; // hours after local midnight
    double to_h;
    double watts; // or m³/h × 1000 (L/h) for gas and water, so one sweep serves all
  };
  void electricity_loads(int day_of_year, std::vector<Load> &loads);
  void gas_loads(int day_of_year, std::vector<Load> &loads);
  void water_loads(std::vector<Load> &loads);

  Profile profile_;
  Random random_;
  std::chrono::minutes local_offset_;
  double base_watts_;
  double fridge_next_on_h_ = 0.3; // carried across midnight
};

// Turns rate steps into pulse times for a meter with `pulses_per_unit`,
// carrying the part of a pulse already accumulated from step to step, so the
// count over any span equals the energy over it to within one pulse.
class PulseTrain {
public:
  explicit PulseTrain(double pulses_per_unit) : pulses_per_unit_(pulses_per_unit) {}

  // Appends the pulses of [from, to) at `rate` unit/h.
  void run(UtcTime from, UtcTime to, double rate, std::vector<UtcTime> &pulses);

private:
  double pulses_per_unit_;
  double phase_ = 0.0; // fraction of the next pulse's energy already used
};

// Edges as a sensor would report them: a leading and a trailing edge per
// pulse, optionally with contact bounce and with short glitches between.
struct SimulatedEdge {
  UtcTime time;
  bool leading = true;
};

struct EdgeNoise {
  bool bounce = false;   // a quarter of pulses start with a 0.3 ms on/off rattle
  bool glitches = false; // about one 0.2 ms spike an hour
};

// Appends the edges of `pulses`. A pulse lasts at most half the time to the
// next one, so the last needs `following` (the pulse after it) when the
// pulses come in pieces; without it, the last lasts the nominal width.
void pulses_to_edges(std::span<const UtcTime> pulses, EdgeNoise noise, Random &random,
                     std::vector<SimulatedEdge> &edges,
                     std::optional<UtcTime> following = std::nullopt);

} // namespace pulsemon::simulator

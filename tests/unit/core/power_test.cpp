#include "core/power.h"

#include <gtest/gtest.h>

namespace pulsemon {
namespace {

MonoTime seconds(double s) {
  return mono_from_us(static_cast<std::int64_t>(s * 1e6));
}

PowerSettings electricity(double imp_per_kwh, int timeout_s = 600) {
  return PowerSettings{imp_per_kwh, 1000.0, std::chrono::seconds{timeout_s}};
}

TEST(Power, TheFirstPulseGivesNoValue) {
  PowerEstimator power(electricity(1000));
  EXPECT_FALSE(power.power_at(seconds(0)).has_value());
  EXPECT_FALSE(power.on_pulse(seconds(10)).has_value());
  EXPECT_FALSE(power.power_at(seconds(11)).has_value());
}

TEST(Power, IsThreePointSixMillionOverPulsesPerKwhTimesInterval) {
  PowerEstimator power(electricity(1000));
  power.on_pulse(seconds(0));
  // 1000 imp/kWh, one pulse a second: 3.6e6 / (1000 × 1) = 3600 W.
  EXPECT_DOUBLE_EQ(*power.on_pulse(seconds(1)), 3600.0);
  // 10000 imp/kWh, 36 s apart: 3.6e6 / (10000 × 36) = 10 W.
  PowerEstimator fine(electricity(10000));
  fine.on_pulse(seconds(100));
  EXPECT_DOUBLE_EQ(*fine.on_pulse(seconds(136)), 10.0);
}

TEST(Power, BetweenPulsesDecaysAsOneOverTheTimeSinceTheLastPulse) {
  PowerEstimator power(electricity(1000));
  power.on_pulse(seconds(0));
  power.on_pulse(seconds(2)); // 1800 W
  EXPECT_DOUBLE_EQ(*power.power_at(seconds(3)), 1800.0) << "not yet past the last interval";
  EXPECT_DOUBLE_EQ(*power.power_at(seconds(6)), 900.0) << "4 s without a pulse: at most 900 W";
  EXPECT_DOUBLE_EQ(*power.power_at(seconds(38)), 100.0);
}

// A pulse reaches whoever shows the power up to `latency` late (the commit
// interval): on a steady 30 kW load at 1000 imp/kWh (a pulse every 120 ms)
// the figure must not sag while the next pulse is merely on its way.
TEST(Power, HoldsUntilTheNextPulseIsOverdueByMoreThanTheLatency) {
  PowerSettings settings = electricity(1000);
  settings.latency = std::chrono::seconds{1};
  PowerEstimator power(settings);
  power.on_pulse(seconds(0));
  EXPECT_DOUBLE_EQ(*power.on_pulse(seconds(0.12)), 30'000.0);
  EXPECT_DOUBLE_EQ(*power.power_at(seconds(0.9)), 30'000.0) << "a pulse may be on its way";
  EXPECT_DOUBLE_EQ(*power.power_at(seconds(1.24)), 30'000.0) << "due, not yet overdue";
  // 2 s after the pulse: none came in the first second of it, so at most
  // a pulse a second.
  EXPECT_NEAR(*power.power_at(seconds(2.12)), 3.6e6 / (1000 * 1.0), 1e-6);

  // A 100 W meter (a pulse every 36 s) holds 100 W until 37 s after its last
  // pulse, then decays.
  PowerEstimator slow(settings);
  slow.on_pulse(seconds(0));
  EXPECT_DOUBLE_EQ(*slow.on_pulse(seconds(36)), 100.0);
  EXPECT_DOUBLE_EQ(*slow.power_at(seconds(36 + 36.5)), 100.0);
  EXPECT_DOUBLE_EQ(*slow.power_at(seconds(36 + 37)), 100.0);
  EXPECT_DOUBLE_EQ(*slow.power_at(seconds(36 + 73)), 50.0);
  EXPECT_DOUBLE_EQ(*slow.power_at(seconds(36 + 601)), 0.0) << "the timeout, counted alike";
}

TEST(Power, AMeterWatchedForItsTimeoutWithoutAPulseReadsZero) {
  PowerEstimator power(electricity(1000, 60));
  EXPECT_FALSE(power.power_at(seconds(500)).has_value()) << "not watched: unknown";
  power.watch_from(seconds(100));
  EXPECT_FALSE(power.power_at(seconds(159)).has_value());
  EXPECT_DOUBLE_EQ(*power.power_at(seconds(160)), 0.0);
  power.on_pulse(seconds(170));
  EXPECT_FALSE(power.power_at(seconds(171)).has_value()) << "one pulse: no interval yet";
}

TEST(Power, FallsToZeroAfterTheTimeout) {
  PowerEstimator power(electricity(1000, 60));
  power.on_pulse(seconds(0));
  EXPECT_FALSE(power.power_at(seconds(59)).has_value());
  EXPECT_DOUBLE_EQ(*power.power_at(seconds(60)), 0.0);
  power.on_pulse(seconds(61));
  EXPECT_DOUBLE_EQ(*power.power_at(seconds(121)), 0.0);
}

TEST(Power, APulseNotAfterTheLastOneIsIgnored) {
  PowerEstimator power(electricity(1000));
  power.on_pulse(seconds(10));
  power.on_pulse(seconds(11));
  EXPECT_FALSE(power.on_pulse(seconds(11)).has_value());
  EXPECT_FALSE(power.on_pulse(seconds(5)).has_value());
  EXPECT_DOUBLE_EQ(*power.power_at(seconds(11.5)), 3600.0) << "the bogus pulse changed nothing";
}

TEST(Power, GasFlowIsCubicMetresPerHour) {
  // 100 imp/m³, a pulse every 36 s: 0.01 m³ / 36 s = 1 m³/h.
  PowerEstimator gas(PowerSettings{100.0, 1.0, std::chrono::seconds{3600}});
  gas.on_pulse(seconds(0));
  EXPECT_DOUBLE_EQ(*gas.on_pulse(seconds(36)), 1.0);
}

} // namespace
} // namespace pulsemon

#include "core/power_report.h"

#include <gtest/gtest.h>

#include <cmath>

namespace pulsemon {
namespace {

constexpr std::int64_t s = 1'000'000;
const UtcTime t0 = utc_from_epoch_us(1'767'225'600LL * s);

TEST(PowerReportIntegrator, EnergyIsThePowerOverEachReportPeriod) {
  PowerReportIntegrator integrator(1000.0, Micros{300 * s});
  EXPECT_TRUE(integrator.on_report(t0, 2.4).empty()) << "the first report has no period";
  // 2.4 kW for 30 s = 20 Wh = 20 pulses at 1000 imp/kWh, inside the period.
  const auto pulses = integrator.on_report(t0 + Micros{30 * s}, 2.4);
  ASSERT_EQ(pulses.size(), 20U);
  EXPECT_GT(pulses.front(), t0);
  EXPECT_LT(pulses.back(), t0 + Micros{30 * s});
}

TEST(PowerReportIntegrator, FractionsCarryOverSoNoEnergyIsLost) {
  PowerReportIntegrator integrator(1000.0, Micros{300 * s});
  (void)integrator.on_report(t0, 0.1);
  std::size_t total = 0;
  for (int i = 1; i <= 120; ++i) { // 0.1 kW for an hour in 30 s reports: 100 Wh
    total += integrator.on_report(t0 + Micros{30 * s * i}, 0.1).size();
  }
  EXPECT_EQ(total, 100U);
}

TEST(PowerReportIntegrator, ASilentSpellIsNotAssumedToHaveDrawnThePower) {
  PowerReportIntegrator integrator(1000.0, Micros{300 * s});
  (void)integrator.on_report(t0, 1.2);
  // The next report comes an hour later: only the last 5 minutes count.
  EXPECT_EQ(integrator.on_report(t0 + Micros{3600 * s}, 1.2).size(), 100U);
}

TEST(PowerReportIntegrator, NonsenseReportsAddNothing) {
  PowerReportIntegrator integrator(1000.0, Micros{300 * s});
  (void)integrator.on_report(t0, 1.0);
  EXPECT_TRUE(integrator.on_report(t0 + Micros{30 * s}, -3.0).empty());
  EXPECT_TRUE(integrator.on_report(t0 + Micros{60 * s}, std::nan("")).empty());
  EXPECT_TRUE(integrator.on_report(t0 + Micros{50 * s}, 1.0).empty()) << "out of order";
}

// Anyone on the broker may publish on a power topic: 1000 kW on a meter of
// a million pulses per kWh would be 83 million pulses for a 5-minute
// period. More than a kilohertz of pulses is refused as implausible.
TEST(PowerReportIntegrator, AReportNeedingMoreThanAKilohertzOfPulsesAddsNothing) {
  PowerReportIntegrator integrator(1'000'000.0, Micros{300 * s});
  (void)integrator.on_report(t0, 1000.0);
  EXPECT_TRUE(integrator.on_report(t0 + Micros{300 * s}, 1000.0).empty());
  // 3.6 kW at 1e6 imp/kWh is exactly 1000 pulses a second: still taken.
  EXPECT_EQ(integrator.on_report(t0 + Micros{301 * s}, 3.6).size(), 1000U);
}

TEST(PowerReportPayload, ReadsTheOldFirmwaresKilowattsWithBlanksAround) {
  EXPECT_DOUBLE_EQ(*parse_kilowatts("0.412"), 0.412);
  EXPECT_DOUBLE_EQ(*parse_kilowatts(" 2\r\n"), 2.0);
  EXPECT_DOUBLE_EQ(*parse_kilowatts("\t1e-3 "), 0.001);
}

TEST(PowerReportPayload, RefusesWhatIsNotOneNumberAndSaysWhat) {
  for (const char *bad : {"", " ", "abc", "1.2.3", "1,5", "0.4 kW", "--1"}) {
    const auto parsed = parse_kilowatts(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.error().message.find("is not a number of kW"), std::string::npos);
  }
}

} // namespace
} // namespace pulsemon

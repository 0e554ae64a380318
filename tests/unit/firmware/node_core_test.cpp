// The sensor node's core on the host, with a fake clock: micros() wraps,
// bursts, bounce, outages and overflow.
#include "pulsenode/node_core.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <vector>

namespace pulsenode {
namespace {

TEST(MicrosExtender, CarriesTimesPastThe71MinuteWrap) {
  MicrosExtender extender;
  EXPECT_EQ(extender.extend(4'294'000'000U), 4'294'000'000ULL);
  EXPECT_EQ(extender.extend(4'294'967'000U), 4'294'967'000ULL);
  EXPECT_EQ(extender.extend(1'000U), (1ULL << 32) + 1'000ULL) << "wrapped once";
  // loop() reads micros() every few ms; 33 minutes between readings still works.
  EXPECT_EQ(extender.extend(2'000'000'000U), (1ULL << 32) + 2'000'000'000ULL);
  EXPECT_EQ(extender.extend(4'000'000'000U), (1ULL << 32) + 4'000'000'000ULL);
  EXPECT_EQ(extender.extend(5U), (2ULL << 32) + 5ULL) << "wrapped twice";
}

TEST(MicrosExtender, AReadingOlderThanTheLatestIsNotAWrap) {
  // loop() drains the ring, then reads micros() for a batch; a pulse the
  // interrupt captured in between is older than that reading.
  MicrosExtender extender;
  EXPECT_EQ(extender.extend(1'000'000U), 1'000'000ULL);
  EXPECT_EQ(extender.extend(1'000'700U), 1'000'700ULL); // the batch's now_us
  EXPECT_EQ(extender.extend(1'000'400U), 1'000'400ULL) << "the pulse: 0.3 ms earlier";
  EXPECT_EQ(extender.extend(1'001'000U), 1'001'000ULL) << "and time goes on unshifted";
}

TEST(MicrosExtender, AnOlderReadingJustAfterTheWrapBelongsBeforeIt) {
  MicrosExtender extender;
  (void)extender.extend(4'294'967'000U);
  EXPECT_EQ(extender.extend(200U), (1ULL << 32) + 200ULL);
  EXPECT_EQ(extender.extend(4'294'967'100U), 4'294'967'100ULL)
      << "captured before the wrap, drained after it";
  EXPECT_EQ(extender.extend(300U), (1ULL << 32) + 300ULL);
}

TEST(MicrosExtender, NoTimeBeforeBoot) {
  MicrosExtender extender;
  (void)extender.extend(1'000U);
  EXPECT_EQ(extender.extend(4'294'966'000U), 0U) << "2.3 ms before boot cannot be";
}

TEST(DrainCapture, AQuietSpellOfThreeDaysShiftsNothing) {
  // A gas meter over a holiday: no pulse for 72 hours, while loop() goes
  // on passing (here every 10 s).
  MicrosExtender extender;
  PulseCapture capture(10'000);
  Outbox<8> outbox;
  uint64_t now = 5'000'000;
  capture.on_edge(static_cast<uint32_t>(now));
  (void)drain_capture(static_cast<uint32_t>(now), extender, capture, outbox);
  const uint64_t quiet_until = now + 72ULL * 3600 * 1'000'000;
  for (; now < quiet_until; now += 10'000'000) {
    EXPECT_EQ(drain_capture(static_cast<uint32_t>(now), extender, capture, outbox), now);
  }
  capture.on_edge(static_cast<uint32_t>(now));
  (void)drain_capture(static_cast<uint32_t>(now + 5'000), extender, capture, outbox);
  ASSERT_EQ(outbox.size(), 2U);
  EXPECT_EQ(outbox.at(1) - outbox.at(0), 72ULL * 3600 * 1'000'000) << "exactly 72 hours apart";
}

TEST(PulseCapture, ThePulseRuleDropsBounceWithoutDelayingTheInterrupt) {
  PulseCapture capture(10'000); // 10 ms
  capture.on_edge(1'000'000);
  capture.on_edge(1'000'300); // bounce
  capture.on_edge(1'002'000); // bounce
  capture.on_edge(1'500'000);
  std::array<uint32_t, PulseCapture::capacity> out{};
  ASSERT_EQ(capture.take(out.data(), out.size()), 2U);
  EXPECT_EQ(out[0], 1'000'000U);
  EXPECT_EQ(out[1], 1'500'000U);
  EXPECT_EQ(capture.too_close(), 2U);
}

TEST(PulseCapture, TheRuleWorksAcrossTheWrapOfMicros) {
  PulseCapture capture(10'000);
  capture.on_edge(4'294'966'000U);
  capture.on_edge(3'000U); // 4.3 ms later, across the wrap: bounce
  capture.on_edge(20'000U);
  std::array<uint32_t, 4> out{};
  EXPECT_EQ(capture.take(out.data(), out.size()), 2U);
  EXPECT_EQ(capture.too_close(), 1U);
}

// The node measures the time since the last pulse in 32 bits, the server
// in 64. For gaps of k × 2^32 µs + d (d under the minimum interval), with
// loop() passing every 10 s as it does, the node must say what the server
// says: the pulse is a pulse. Before the node forgot stale pulses, half of
// these were rejected as bounce.
TEST(PulseCapture, ItsVerdictIsTheServersForEveryGapHoweverLong) {
  const uint32_t min_interval = 10'000;
  const pulserule::Settings server_rule{min_interval, 0};
  int cases = 0;
  for (const uint64_t k : {0ULL, 1ULL, 2ULL}) {
    for (const uint64_t d : {0ULL, 3ULL, 9'999ULL, 10'000ULL, 2'000'000ULL}) {
      for (const uint64_t extra : {0ULL, 1ULL << 31, (1ULL << 31) + 1}) {
        const uint64_t gap = k * (1ULL << 32) + extra + d;
        if (gap == 0) {
          continue;
        }
        MicrosExtender extender;
        PulseCapture capture(min_interval);
        Outbox<8> outbox;
        uint64_t now = 7'000'000;
        capture.on_edge(static_cast<uint32_t>(now));
        const uint64_t second = now + gap;
        for (now += 1'000; now < second; now += 10'000'000) {
          (void)drain_capture(static_cast<uint32_t>(now), extender, capture, outbox);
        }
        capture.on_edge(static_cast<uint32_t>(second));
        (void)drain_capture(static_cast<uint32_t>(second + 1'000), extender, capture, outbox);
        const bool server_accepts =
            pulserule::judge(server_rule, true, static_cast<int64_t>(gap),
                             pulserule::width_unknown) == pulserule::Verdict::accepted;
        EXPECT_EQ(outbox.size() == 2, server_accepts) << "gap " << gap << " µs";
        ++cases;
      }
    }
  }
  EXPECT_EQ(cases, 44);
}

TEST(PulseCapture, APulseIsNotForgottenTooSoonNorWhenANewerOneCame) {
  MicrosExtender extender;
  PulseCapture capture(10'000);
  Outbox<8> outbox;
  capture.on_edge(1'000'000);
  (void)drain_capture(1'001'000, extender, capture, outbox);
  (void)drain_capture(2'000'000'000U, extender, capture, outbox); // 33 minutes: kept
  capture.on_edge(2'000'005'000U);                                // a pulse
  capture.on_edge(2'000'008'000U); // 3 ms later: bounce, judged from the newer pulse
  (void)drain_capture(2'000'010'000U, extender, capture, outbox);
  EXPECT_EQ(outbox.size(), 2U);
  EXPECT_EQ(capture.too_close(), 1U);
}

TEST(BootId, DiffersForEveryStartAndIsNeverZero) {
  EXPECT_NE(boot_id(1, 0x12345678), boot_id(2, 0x12345678)) << "same register, next start";
  EXPECT_NE(boot_id(1, 0x12345678), boot_id(1, 0x87654321)) << "count lost with the power";
  EXPECT_NE(boot_id(0, 0), 0U);
}

TEST(Uptime, FiftyDaysOnTheBootClockAreFiftyDays) {
  // millis() / 1000 wraps after 49.7 days; the 64-bit boot clock does not.
  MicrosExtender extender;
  PulseCapture capture(0);
  Outbox<8> outbox;
  uint64_t now = 0;
  for (; now <= 50ULL * 86'400 * 1'000'000; now += 60'000'000) {
    (void)drain_capture(static_cast<uint32_t>(now), extender, capture, outbox);
  }
  EXPECT_EQ(uptime_seconds(extender.extend(static_cast<uint32_t>(now))), now / 1'000'000);
  EXPECT_GT(uptime_seconds(extender.extend(static_cast<uint32_t>(now))), 50U * 86'400);
}

TEST(PulseCapture, ABurstLargerThanTheRingIsCountedNotHidden) {
  PulseCapture capture(0);
  for (uint32_t i = 0; i < PulseCapture::capacity + 5; ++i) {
    capture.on_edge(1000 + i * 20'000);
  }
  std::array<uint32_t, PulseCapture::capacity> out{};
  EXPECT_EQ(capture.take(out.data(), out.size()), PulseCapture::capacity);
  EXPECT_EQ(capture.ring_overflows(), 5U);
  capture.on_edge(1'000'000'000U); // room again after the drain
  EXPECT_EQ(capture.take(out.data(), out.size()), 1U);
}

TEST(Outbox, KeepsPulsesThroughAnOutageAndCountsWhatDidNotFit) {
  Outbox<100> outbox;
  for (uint64_t i = 0; i < 130; ++i) { // WiFi is down: nothing is acknowledged
    outbox.push(i * 1'000'000);
  }
  EXPECT_EQ(outbox.size(), 100U);
  EXPECT_EQ(outbox.overflows(), 30U);
  EXPECT_EQ(outbox.at(0), 0U) << "the oldest pulses are kept";
  outbox.drop_front(40); // WiFi is back; the first batch is acknowledged
  EXPECT_EQ(outbox.size(), 60U);
  EXPECT_EQ(outbox.at(0), 40'000'000U);
  EXPECT_TRUE(outbox.push(999));
  EXPECT_EQ(outbox.at(60), 999U);
}

TEST(Backoff, DoublesUpToTheMaximumAndResetsAfterASuccess) {
  Backoff backoff(1000, 8000);
  EXPECT_EQ(backoff.after_failure(), 1000U);
  EXPECT_EQ(backoff.after_failure(), 2000U);
  EXPECT_EQ(backoff.after_failure(), 4000U);
  EXPECT_EQ(backoff.after_failure(), 8000U);
  EXPECT_EQ(backoff.after_failure(), 8000U);
  backoff.after_success();
  EXPECT_EQ(backoff.after_failure(), 1000U);
}

TEST(Battery, TheDividerRatioTurnsTheAdcReadingIntoBatteryVolts) {
  BatterySettings bare_module;
  bare_module.divider_ratio = 16.0f; // 150 kΩ over 10 kΩ: (150 + 10) / 10
  EXPECT_NEAR(battery_volts(1023, bare_module), 16.0f, 0.01f);
  BatterySettings nodemcu;
  nodemcu.divider_ratio = 13.2f; // 1 MΩ in front of the board's 220k/100k: (1000 + 320) / 100
  EXPECT_NEAR(battery_volts(960, nodemcu), 12.39f, 0.01f);
}

class BatteryGuardTest : public ::testing::Test {
protected:
  static BatterySettings twelve_volts() {
    BatterySettings settings;
    settings.divider_ratio = 16.0f; // 1023 ≙ 16 V: 1 step ≈ 15.6 mV
    settings.cutoff_volts = 10.5f;
    settings.resume_volts = 11.5f;
    return settings;
  }
  static uint16_t adc(float volts) { return static_cast<uint16_t>(volts / 16.0f * 1023.0f + 0.5f); }
  BatteryGuard guard{twelve_volts()};
};

TEST_F(BatteryGuardTest, OneLowReadingDoesNotPutTheNodeToSleep) {
  for (int i = 0; i < 40; ++i) {
    guard.add_sample(adc(i == 20 ? 3.0f : 12.4f)); // a dip while WiFi transmits
    EXPECT_FALSE(guard.too_low()) << "sample " << i;
  }
}

TEST_F(BatteryGuardTest, NothingIsDecidedBeforeEnoughReadings) {
  for (uint32_t i = 0; i + 1 < BatteryGuard::samples; ++i) {
    guard.add_sample(adc(9.0f));
    EXPECT_FALSE(guard.too_low()) << "the first loop, before WiFi is up, decides nothing";
  }
  guard.add_sample(adc(9.0f));
  EXPECT_TRUE(guard.too_low());
}

TEST_F(BatteryGuardTest, AFallingBatteryIsNoticedOnTheAverage) {
  float volts = 12.0f;
  int samples_until_low = 0;
  while (!guard.too_low() && samples_until_low < 10'000) {
    // Falling 1 mV a reading, with ±0.3 V of noise.
    guard.add_sample(adc(volts + ((samples_until_low % 2 == 0) ? 0.3f : -0.3f)));
    volts -= 0.001f;
    ++samples_until_low;
  }
  EXPECT_LT(guard.volts(), 10.5f);
  EXPECT_NEAR(volts, 10.5f, 0.05f) << "noticed within the averaging window of the cut-off";
}

TEST_F(BatteryGuardTest, AfterASleepTheNodeRunsAgainOnlyAboveTheResumeVoltage) {
  for (uint32_t i = 0; i < BatteryGuard::samples; ++i) {
    guard.add_sample(adc(11.0f)); // above the cut-off, below resume: a battery barely recovered
  }
  EXPECT_FALSE(guard.too_low());
  EXPECT_FALSE(guard.recovered()) << "hysteresis: do not wake, drain and sleep again";
  BatteryGuard charged(twelve_volts());
  for (uint32_t i = 0; i < BatteryGuard::samples; ++i) {
    charged.add_sample(adc(12.6f));
  }
  EXPECT_TRUE(charged.recovered());
}

// docs/sensor-node.md's "nothing added" row reads at most 3.2 V, which
// can never reach a 12 V battery's resume voltage: the sketch's
// static_assert refuses it; a divider for 13.2 V full scale is fine.
TEST(Battery, SettingsWhoseResumeVoltageCannotBeReadAreRefused) {
  EXPECT_FALSE(battery_settings_usable(3.2f, 10.5f, 11.5f));
  EXPECT_TRUE(battery_settings_usable(13.2f, 10.5f, 11.5f));
  EXPECT_TRUE(battery_settings_usable(3.2f, 3.0f, 3.1f)) << "a 3 V supply measured directly";
  EXPECT_FALSE(battery_settings_usable(13.2f, 11.5f, 10.5f)) << "resume below cutoff";
  EXPECT_TRUE(battery_settings_usable(0.0f, 10.5f, 11.5f)) << "off";
}

TEST(Battery, WithoutADividerTheNodeNeverSleeps) {
  BatteryGuard guard{BatterySettings{}};
  for (int i = 0; i < 40; ++i) {
    guard.add_sample(0);
  }
  EXPECT_FALSE(guard.enabled());
  EXPECT_FALSE(guard.too_low());
  EXPECT_TRUE(guard.recovered());
}

TEST(WriteBatch, TheBatchIsTheJsonTheServerTakes) {
  Outbox<10> outbox;
  outbox.push(5'000'000);
  outbox.push((1ULL << 32) + 7);
  Health health;
  health.rssi = -71;
  health.volts = 3.285f;
  health.uptime_s = 3600;
  health.buffered = 2;
  health.firmware = "1.0.0";
  std::array<char, 512> text{};
  const size_t length =
      write_batch(text.data(), text.size(), NodeIdentity{"cupboard", 3, "pmk_1_ab"}, 42, 7,
                  9'000'000'000ULL, outbox, 2, health);
  ASSERT_GT(length, 0U);
  const auto json = nlohmann::json::parse(std::string(text.data(), length));
  EXPECT_EQ(json["node"], "cupboard");
  EXPECT_EQ(json["boot"], 42);
  EXPECT_EQ(json["seq"], 7);
  EXPECT_EQ(json["meter"], 3);
  EXPECT_EQ(json["key"], "pmk_1_ab") << "over MQTT the key travels in the batch";
  EXPECT_EQ(json["clock"], "boot");
  EXPECT_EQ(json["now_us"], 9'000'000'000ULL);
  EXPECT_EQ(json["pulses"], nlohmann::json::array({5'000'000ULL, (1ULL << 32) + 7}));
  EXPECT_EQ(json["health"]["rssi"], -71);
  EXPECT_DOUBLE_EQ(json["health"]["voltage"].get<double>(), 3.285);
  EXPECT_EQ(json["health"]["firmware"], "1.0.0");

  std::array<char, 40> small{};
  EXPECT_EQ(write_batch(small.data(), small.size(), NodeIdentity{"cupboard", 3, nullptr}, 42, 7, 0,
                        outbox, 2, health),
            0U)
      << "too small a buffer is reported, not overrun";
}

} // namespace
} // namespace pulsenode

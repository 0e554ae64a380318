// The sensor node's core on the host, with a fake clock: micros() wraps,
// bursts, bounce, outages and overflow.
#include "node_core.h"

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
  EXPECT_EQ(extender.extend(4'000'000'000U), (1ULL << 32) + 4'000'000'000ULL);
  EXPECT_EQ(extender.extend(5U), (2ULL << 32) + 5ULL) << "wrapped twice";
}

TEST(PulseCapture, TheGlitchFilterDropsBounceWithoutDelayingTheInterrupt) {
  PulseCapture capture(10'000); // 10 ms
  capture.on_edge(1'000'000);
  capture.on_edge(1'000'300); // bounce
  capture.on_edge(1'002'000); // bounce
  capture.on_edge(1'500'000);
  std::array<uint32_t, PulseCapture::capacity> out{};
  ASSERT_EQ(capture.take(out.data(), out.size()), 2U);
  EXPECT_EQ(out[0], 1'000'000U);
  EXPECT_EQ(out[1], 1'500'000U);
  EXPECT_EQ(capture.glitches(), 2U);
}

TEST(PulseCapture, TheFilterWorksAcrossTheWrapOfMicros) {
  PulseCapture capture(10'000);
  capture.on_edge(4'294'966'000U);
  capture.on_edge(3'000U); // 4.3 ms later, across the wrap: bounce
  capture.on_edge(20'000U);
  std::array<uint32_t, 4> out{};
  EXPECT_EQ(capture.take(out.data(), out.size()), 2U);
  EXPECT_EQ(capture.glitches(), 1U);
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

TEST(Battery, BelowTheCutOffTheNodeSleeps) {
  BatterySettings settings;
  settings.divider_ratio = 15.0f; // 150 kΩ over 10 kΩ: 15 V → 1 V
  EXPECT_NEAR(battery_volts(1023, settings), 15.0f, 0.01f);
  EXPECT_FALSE(battery_too_low(battery_volts(800, settings), settings)); // 11.7 V
  EXPECT_TRUE(battery_too_low(battery_volts(700, settings), settings));  // 10.3 V
  EXPECT_FALSE(battery_too_low(3.0f, BatterySettings{})) << "no divider: never sleeps";
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

// Thirty days of a sensor node's time on the host: pulses on a 32-bit
// micros() that wraps every 71.6 minutes, quiet spells of 2, 24 and 72
// hours, and pulses the interrupt captures between loop()'s drain and its
// reading of micros() for a batch. Every batch goes through the text the
// server reads, and is anchored the way the server anchors "clock":"boot"
// times (arrival − (now_us − pulse_us)); every stored interval must equal
// the generated one, to the microsecond.
#include "pulsenode/uploader.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <random>
#include <vector>

namespace pulsenode {
namespace {

constexpr uint64_t second = 1'000'000;
constexpr uint64_t hour = 3600 * second;
constexpr uint64_t day = 24 * hour;

// Pulse times over 30 days: every 2–40 s, except for the quiet spells.
std::vector<uint64_t> generate_pulses(std::mt19937_64 &random) {
  struct Quiet {
    uint64_t from;
    uint64_t length;
  };
  const Quiet quiet[] = {{2 * day, 2 * hour}, {9 * day, 24 * hour}, {20 * day, 72 * hour}};
  std::uniform_int_distribution<uint64_t> gap(2 * second, 40 * second);
  std::vector<uint64_t> pulses;
  for (uint64_t t = 10 * second; t < 30 * day; t += gap(random)) {
    for (const Quiet &spell : quiet) {
      if (t >= spell.from && t < spell.from + spell.length) {
        t = spell.from + spell.length;
      }
    }
    pulses.push_back(t);
  }
  return pulses;
}

TEST(NodeTimekeeping, ThirtyDaysWithQuietSpellsKeepEveryIntervalExact) {
  std::mt19937_64 random(30);
  const std::vector<uint64_t> pulses = generate_pulses(random);
  ASSERT_GT(pulses.size(), 50'000U);

  PulseCapture capture(10'000);
  Outbox<2000> outbox;
  MicrosExtender extender;
  UploadSettings settings;
  settings.send_interval_ms = 60'000;
  Uploader<2000> uploader(outbox, settings, 7);
  const NodeIdentity identity{"gas", 2, nullptr};
  std::vector<char> text(settings.batch_pulses * 21 + 640);
  constexpr int64_t wall_at_boot = 1'780'000'000LL * 1'000'000; // the server's clock

  std::vector<int64_t> stored;
  std::size_t next = 0;
  std::uniform_int_distribution<uint64_t> pass_gap(200'000, 6 * second); // loop() and its delays
  for (uint64_t now = 0; now < 30 * day + hour; now += pass_gap(random)) {
    for (; next < pulses.size() && pulses[next] <= now; ++next) {
      capture.on_edge(static_cast<uint32_t>(pulses[next])); // the interrupt
    }
    (void)drain_capture(static_cast<uint32_t>(now), extender, capture, outbox);
    // Between the drain and the batch's micros(): pulses captured now come
    // out of the ring in the next pass, older than the batch's now_us.
    const uint64_t batch_time = now + 150'000;
    for (; next < pulses.size() && pulses[next] <= batch_time; ++next) {
      capture.on_edge(static_cast<uint32_t>(pulses[next]));
    }
    const auto now_ms = static_cast<uint32_t>(batch_time / 1000);
    if (!uploader.ready(now_ms)) {
      continue;
    }
    const uint64_t now_us = extender.extend(static_cast<uint32_t>(batch_time));
    const size_t length =
        uploader.write(text.data(), text.size(), identity, now_us, Health{}, now_ms);
    ASSERT_GT(length, 0U);
    const auto batch = nlohmann::json::parse(std::string(text.data(), length));
    const auto arrival = wall_at_boot + static_cast<int64_t>(batch_time);
    for (const auto &pulse_us : batch["pulses"]) {
      stored.push_back(arrival - (batch["now_us"].get<int64_t>() - pulse_us.get<int64_t>()));
    }
    ASSERT_TRUE(uploader.acknowledged(7, batch["seq"].get<uint32_t>(), now_ms)); // HTTP 200
  }

  ASSERT_EQ(stored.size(), pulses.size()) << "every pulse was sent once";
  EXPECT_EQ(capture.too_close(), 0U);
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < pulses.size(); ++i) {
    if (stored[i] != wall_at_boot + static_cast<int64_t>(pulses[i])) {
      if (wrong++ == 0) {
        ADD_FAILURE() << "pulse " << i << " at " << pulses[i] << " µs after boot stored "
                      << stored[i] - wall_at_boot - static_cast<int64_t>(pulses[i]) << " µs off";
      }
    }
  }
  EXPECT_EQ(wrong, 0U) << "pulses stored at another time than generated";
}

} // namespace
} // namespace pulsenode

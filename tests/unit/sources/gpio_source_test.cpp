// The GPIO source fed with kernel-format gpio_v2_line_event records through
// a pipe: what reaches the pipeline's batches (the writer's input), the gaps
// reported and the power, with a clock the test controls.
#include "pipeline/meter_pipeline.h"
#include "sources/gpio/gpio_source.h"
#include "support/gpio_fakes.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <mutex>
#include <thread>

namespace pulsemon::gpio {
namespace {

constexpr std::int64_t s = 1'000'000;
const UtcTime wall_at_zero = utc_from_epoch_us(1'767'225'600LL * s); // 2026-01-01

struct Captured {
  std::mutex mutex;
  std::vector<UtcTime> pulses;
  std::vector<Gap> gaps;
  std::vector<std::optional<double>> powers;
  std::vector<std::optional<double>> powers_carried; // with the batches, for on_committed
};

class GpioSourceTest : public ::testing::Test {
protected:
  testing::TestClock clock{wall_at_zero};
  Captured captured;
  testing::LineEventPipe pipe;
  std::unique_ptr<MeterPipelines> pipelines;
  std::unique_ptr<GpioSource> source;

  void start(EdgeChoice edge, SourceOptions options = {}) {
    Meter meter;
    meter.id = 1;
    meter.name = "Main";
    pipelines = std::make_unique<MeterPipelines>(std::vector<Meter>{meter}, [this](PulseBatch b) {
      const std::lock_guard lock(captured.mutex);
      captured.pulses.insert(captured.pulses.end(), b.pulses.begin(), b.pulses.end());
      captured.gaps.insert(captured.gaps.end(), b.gaps.begin(), b.gaps.end());
      captured.powers_carried.insert(captured.powers_carried.end(), b.powers.begin(),
                                     b.powers.end());
    });
    LineSettings settings;
    settings.meter_id = 1;
    settings.edge = edge;
    source =
        std::make_unique<GpioSource>(pipe.take_read_end(), settings, *pipelines, clock, options);
    source->start();
  }

  void send(std::int64_t at_us, bool rising, std::uint32_t skip = 0) {
    pipe.send(at_us, rising, skip);
  }
  void pulse(std::int64_t at_us, bool bounce = false) { pipe.pulse(at_us, bounce); }

  // Ends the source, then commits what it delivered as the writer would:
  // the live figures then show each pulse with the power it came with.
  void finish() {
    pipe.close();
    source->join();
    for (const auto &live : pipelines->on_committed(1, captured.pulses, MonoTime{Micros{0}},
                                                    wall_at_zero, captured.powers_carried)) {
      captured.powers.push_back(live.power);
    }
  }

  std::size_t delivered() {
    const std::lock_guard lock(captured.mutex);
    return captured.pulses.size();
  }

  void wait_until_delivered(std::size_t count) {
    for (int i = 0; i < 2000 && delivered() < count; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds{1});
    }
  }

  void wait_until_held(std::size_t count) const {
    for (int i = 0; i < 2000 && source->held() < count; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds{1});
    }
  }
};

TEST_F(GpioSourceTest, APulseTrainArrivesWithWallTimesFromTheMonotonicStamps) {
  clock.set(100 * s, 0, true);
  start(EdgeChoice::both);
  for (int i = 0; i < 10; ++i) {
    pulse((10 + i) * s); // one pulse a second: 3600 W at 1000 imp/kWh
  }
  finish();
  ASSERT_EQ(captured.pulses.size(), 10U);
  EXPECT_EQ(captured.pulses.front(), wall_at_zero + Micros{10 * s});
  EXPECT_EQ(captured.pulses.back(), wall_at_zero + Micros{19 * s});
  EXPECT_TRUE(captured.gaps.empty());
  ASSERT_TRUE(captured.powers.back().has_value());
  EXPECT_NEAR(*captured.powers.back(), 3600.0, 0.01);
}

// SIGTERM while edges wait in the kernel's queue: they happened, so they are
// read and handed on before the source ends. The stop is asked before the
// source's thread runs, so every edge is still queued when it sees the stop.
TEST_F(GpioSourceTest, EdgesWaitingInTheKernelQueueAtAStopAreAllHandedOn) {
  clock.set(100 * s, 0, true);
  Meter meter;
  meter.id = 1;
  pipelines = std::make_unique<MeterPipelines>(std::vector<Meter>{meter}, [this](PulseBatch b) {
    const std::lock_guard lock(captured.mutex);
    captured.pulses.insert(captured.pulses.end(), b.pulses.begin(), b.pulses.end());
  });
  LineSettings settings;
  settings.meter_id = 1;
  settings.edge = EdgeChoice::falling;
  source = std::make_unique<GpioSource>(pipe.take_read_end(), settings, *pipelines, clock,
                                        SourceOptions{});
  for (int i = 0; i < 1000; ++i) {
    send((10 + i) * s, false);
  }
  source->stop();
  source->start();
  source->join();
  EXPECT_EQ(delivered(), 1000U);
}

TEST_F(GpioSourceTest, ContactBounceIsFilteredAndNoPulseIsLost) {
  clock.set(100 * s, 0, true);
  start(EdgeChoice::both);
  for (int i = 0; i < 10; ++i) {
    pulse((10 + i) * s, i % 2 == 0);
  }
  finish();
  EXPECT_EQ(captured.pulses.size(), 10U);
}

TEST_F(GpioSourceTest, ASequenceGapIsReportedAsLostPulses) {
  clock.set(100 * s, 0, true);
  start(EdgeChoice::both);
  pulse(10 * s);
  send(11 * s, true, 6); // six events (three pulses) dropped by the kernel
  send(11 * s + 30'000, false);
  finish();
  ASSERT_EQ(captured.gaps.size(), 1U);
  EXPECT_EQ(captured.gaps[0].missing_pulses, 3);
  EXPECT_EQ(captured.pulses.size(), 2U);
}

TEST_F(GpioSourceTest, AClockStepBackwardsGivesNoEarlierStampAndNoPowerSpike) {
  clock.set(12 * s, 0, true);
  start(EdgeChoice::falling);
  send(10 * s, false);
  send(11 * s, false);
  send(12 * s, false);
  wait_until_delivered(3);            // stamped before the step
  clock.set(14 * s, -3600 * s, true); // the wall clock is stepped back an hour
  send(13 * s, false);
  send(14 * s, false);
  finish();
  ASSERT_EQ(captured.pulses.size(), 5U);
  for (std::size_t i = 1; i < captured.pulses.size(); ++i) {
    EXPECT_EQ(captured.pulses[i] - captured.pulses[i - 1], Micros{s}) << "pulse " << i;
  }
  for (const auto &power : captured.powers) {
    if (power) {
      EXPECT_NEAR(*power, 3600.0, 0.01);
    }
  }
}

TEST_F(GpioSourceTest, PulsesWaitForTheClockToBeSynchronisedAndAreNeverLost) {
  clock.set(5 * s, 0, false);
  start(EdgeChoice::falling, SourceOptions{ClockSyncPolicy::always, Micros{0}, Micros{5000}});
  send(10 * s, false);
  send(11 * s, false);
  wait_until_held(2);
  EXPECT_EQ(source->clock_state(), ClockState::waiting);
  {
    const std::lock_guard lock(captured.mutex);
    EXPECT_TRUE(captured.pulses.empty()) << "held, not stamped with an unset clock";
  }
  // NTP sets the clock (2 minutes ahead of what it said) and says so.
  clock.set(12 * s, 120 * s, true);
  send(12 * s, false);
  finish();
  EXPECT_EQ(source->clock_state(), ClockState::synchronised);
  ASSERT_EQ(captured.pulses.size(), 3U);
  EXPECT_EQ(captured.pulses[0], wall_at_zero + Micros{130 * s}) << "stamped with the set clock";
  EXPECT_EQ(captured.pulses[2] - captured.pulses[0], Micros{2 * s});
}

TEST_F(GpioSourceTest, HeldPulsesAreStampedWhenTheSourceStopsBeforeTheClockIsSet) {
  clock.set(5 * s, 0, false);
  start(EdgeChoice::falling, SourceOptions{ClockSyncPolicy::always, Micros{0}, Micros{5000}});
  send(10 * s, false);
  send(11 * s, false);
  finish();
  EXPECT_EQ(captured.pulses.size(), 2U);
}

TEST_F(GpioSourceTest, TheInitialStateEdgeRightAfterTheRequestIsNotAPulse) {
  clock.set(1 * s, 0, true);
  start(EdgeChoice::falling);
  send(1 * s + 100, false); // 0.1 ms after the request: the line settling
  send(3 * s, false);
  finish();
  ASSERT_EQ(captured.pulses.size(), 1U);
  EXPECT_EQ(captured.pulses[0], wall_at_zero + Micros{3 * s});
}

} // namespace
} // namespace pulsemon::gpio

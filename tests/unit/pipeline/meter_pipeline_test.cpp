#include "pipeline/meter_pipeline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace pulsemon {
namespace {

// A pulse 20 ms wide every `spacing`, both edges, from t = 1 s.
std::vector<Edge> pulses(std::int64_t meter, Micros spacing, int count, Micros start) {
  std::vector<Edge> edges;
  for (int i = 0; i < count; ++i) {
    const Micros leading = start + spacing * i;
    const Micros trailing = leading + Micros{20'000};
    edges.push_back({meter, EdgeKind::leading, MonoTime{leading}, UtcTime{leading}});
    edges.push_back({meter, EdgeKind::trailing, MonoTime{trailing}, UtcTime{trailing}});
  }
  return edges;
}

TEST(MeterPipelines, ChangedFilterSettingsApplyToTheRunningLaneFromTheNextEdge) {
  Meter meter;
  meter.id = 4;
  meter.name = "Kitchen";
  meter.filter.min_interval = Micros{100'000}; // 100 ms: pulses 50 ms apart are bounces
  std::vector<UtcTime> stored;
  MeterPipelines pipelines({meter}, [&](PulseBatch batch) {
    stored.insert(stored.end(), batch.pulses.begin(), batch.pulses.end());
  });

  for (const Edge &edge : pulses(4, Micros{50'000}, 4, Micros{1'000'000})) {
    pipelines.on_edge(edge);
  }
  EXPECT_EQ(stored.size(), 2U) << "every other pulse is too close";

  meter.name = "Keuken";
  meter.filter.min_interval = Micros{10'000};
  EXPECT_TRUE(pipelines.apply_settings(meter));
  stored.clear();
  for (const Edge &edge : pulses(4, Micros{50'000}, 4, Micros{2'000'000})) {
    pipelines.on_edge(edge);
  }
  EXPECT_EQ(stored.size(), 4U) << "the new 10 ms interval lets all of them through";
  EXPECT_EQ(pipelines.status(MonoTime{Micros{3'000'000}}).front().name, "Keuken");
}

TEST(MeterPipelines, PulsesStoredByANodeReachTheLiveFiguresOnce) {
  Meter meter;
  meter.id = 2;
  meter.pulses_per_unit = 1000.0;
  std::vector<UtcTime> written;
  MeterPipelines pipelines({meter}, [&](PulseBatch batch) {
    written.insert(written.end(), batch.pulses.begin(), batch.pulses.end());
  });
  const Micros s{1'000'000};
  const UtcTime wall_now{1'800'000'000 * s};
  const MonoTime mono_now{50 * s};
  // Pulses 3.6 s apart (1 kW at 1000 imp/kWh), the last one 1 s ago, out of order.
  const UtcTime last = wall_now - s;
  const auto observed = pipelines.on_committed(
      2, {last, last - 7200 * Micros{1000}, last - 3600 * Micros{1000}}, mono_now, wall_now);
  ASSERT_EQ(observed.size(), 3U);
  EXPECT_EQ(observed.back().time, last) << "in time order";
  ASSERT_TRUE(observed.back().power.has_value());
  EXPECT_NEAR(*observed.back().power, 1000.0, 0.001) << "watts from the interval";
  const auto status = pipelines.status(mono_now).front();
  EXPECT_EQ(status.last_pulse, last);
  ASSERT_TRUE(status.power.has_value());
  EXPECT_NEAR(*status.power, 1000.0, 0.001);

  EXPECT_TRUE(
      pipelines.on_committed(2, {last - 3600 * Micros{1000}, last}, mono_now, wall_now).empty())
      << "pulses already seen are not shown again";
  EXPECT_TRUE(written.empty()) << "they are stored already: nothing goes to the writer";
  EXPECT_TRUE(pipelines.on_committed(7, {last + s}, mono_now, wall_now).empty())
      << "a meter without a lane is left alone";
}

// A node that uploads once a minute: its pulses come up to a minute late,
// so its meter's power holds that long past a due pulse rather than
// decaying between uploads like a load that went off.
TEST(MeterPipelines, ANodesPulsesComeAsLateAsItsUploadsAndThePowerAllowsForIt) {
  Meter meter;
  meter.id = 3;
  meter.pulses_per_unit = 1000.0;
  const Micros s{1'000'000};
  const MonoTime started{10 * s};
  MeterPipelines pipelines(
      {meter}, [](PulseBatch) {}, LiveTiming{2 * s, started});
  EXPECT_EQ(pipelines.status(started + 60 * s).front().power_latency, 2 * s);
  EXPECT_FALSE(pipelines.power_now(3, started + 60 * s)) << "nothing known yet: nothing shown";

  const UtcTime wall_now{1'800'000'000 * s};
  const MonoTime mono_now{100 * s};
  std::vector<UtcTime> upload; // 1 kW: a pulse every 3.6 s, the oldest a minute old
  for (int i = 0; i < 17; ++i) {
    upload.push_back(wall_now - 60 * s + i * Micros{3'600'000});
  }
  (void)pipelines.on_committed(3, upload, mono_now, wall_now);
  const MeterLiveStatus status = pipelines.status(mono_now + 30 * s).front();
  EXPECT_EQ(status.power_latency, 60 * s);
  ASSERT_TRUE(status.power);
  EXPECT_NEAR(*status.power, 1000.0, 0.001) << "the next upload is not due yet";
  // 72.4 s after the last pulse, 12.4 s of it certainly without one.
  EXPECT_NEAR(*pipelines.power_now(3, mono_now + 70 * s), 3600.0 / 12.4, 0.001);

  // A backlog of a day (a node that was offline) does not hold the power
  // for a day: at most the meter's timeout.
  MeterPipelines after_outage(
      {meter}, [](PulseBatch) {}, LiveTiming{2 * s, started});
  const UtcTime day_ago = wall_now - std::chrono::hours{24};
  (void)after_outage.on_committed(3, {day_ago, day_ago + 2 * s}, mono_now, wall_now);
  EXPECT_EQ(after_outage.status(mono_now).front().power_latency, meter.power_timeout);
  EXPECT_FALSE(pipelines.power_now(9, mono_now)) << "no lane, no figure";
}

TEST(MeterPipelines, ItsOwnPulsesAreShownOnceCommittedWithThePowerTheyCameWith) {
  Meter meter;
  meter.id = 1;
  meter.pulses_per_unit = 1000.0;
  std::vector<UtcTime> written;
  std::vector<std::optional<double>> powers;
  MeterPipelines pipelines({meter}, [&](PulseBatch batch) {
    ASSERT_EQ(batch.powers.size(), batch.pulses.size()) << "each pulse carries its power";
    written.insert(written.end(), batch.pulses.begin(), batch.pulses.end());
    powers.insert(powers.end(), batch.powers.begin(), batch.powers.end());
  });
  for (const Edge &edge : pulses(1, Micros{1'000'000}, 3, Micros{1'000'000})) {
    pipelines.on_edge(edge);
  }
  ASSERT_EQ(written.size(), 3U);
  // Much later (the store was slow): the powers are still those they came with.
  const MonoTime later{Micros{500'000'000}};
  const UtcTime later_wall{Micros{500'000'000}};
  const auto shown = pipelines.on_committed(1, written, later, later_wall, powers);
  ASSERT_EQ(shown.size(), 3U);
  EXPECT_EQ(shown.back().time, written.back());
  EXPECT_FALSE(shown.front().power.has_value()) << "the first pulse has no interval";
  ASSERT_TRUE(shown.back().power.has_value());
  EXPECT_NEAR(*shown.back().power, 3600.0, 0.01) << "one pulse a second at 1000 imp/kWh";
  EXPECT_TRUE(pipelines.on_committed(1, written, later, later_wall, powers).empty())
      << "shown once";
}

TEST(MeterPipelines, FollowingTheStoresMetersAddsLanesAndAppliesChanges) {
  Meter kitchen;
  kitchen.id = 1;
  kitchen.name = "Kitchen";
  std::vector<PulseBatch> written;
  MeterPipelines pipelines({kitchen}, [&](PulseBatch batch) { written.push_back(batch); });
  const MonoTime now{Micros{5'000'000}};
  EXPECT_TRUE(pipelines.follow_meters({kitchen}, now).added.empty()) << "nothing new";
  EXPECT_TRUE(pipelines.follow_meters({kitchen}, now).changed.empty());

  Meter garage = kitchen;
  garage.id = 2;
  garage.name = "Garage";
  kitchen.name = "Keuken";
  const MeterFollowed followed = pipelines.follow_meters({kitchen, garage}, now);
  ASSERT_EQ(followed.added.size(), 1U);
  EXPECT_EQ(followed.added[0].id, 2);
  ASSERT_EQ(followed.changed.size(), 1U);
  EXPECT_EQ(followed.changed[0].name, "Keuken");
  for (const Edge &edge : pulses(2, Micros{1'000'000}, 2, Micros{6'000'000})) {
    pipelines.on_edge(edge);
  }
  ASSERT_EQ(written.size(), 2U) << "the new lane takes its meter's edges";
  EXPECT_EQ(written[0].meter_id, 2);
  const auto status = pipelines.status(now);
  ASSERT_EQ(status.size(), 2U);
  EXPECT_EQ(status[0].name, "Keuken");
  EXPECT_EQ(status[1].name, "Garage");
}

TEST(MeterPipelines, SettingsForAMeterWithoutALaneAreRefused) {
  MeterPipelines pipelines({}, [](PulseBatch) {});
  Meter other;
  other.id = 9;
  EXPECT_FALSE(pipelines.apply_settings(other));
}

// In the daemon each source feeds its meters from its own thread while the
// API reads status and applies settings and the ingest path hands on
// stored pulses. ThreadSanitizer runs this test too (scripts/test).
TEST(MeterPipelines, SourcesOnTheirOwnThreadsWhileOthersReadAndChangeSettings) {
  Meter kitchen;
  kitchen.id = 1;
  kitchen.filter.min_interval = Micros{10'000};
  Meter garage = kitchen;
  garage.id = 2;
  std::mutex written_mutex;
  std::map<std::int64_t, std::size_t> written;
  MeterPipelines pipelines({kitchen, garage}, [&](PulseBatch batch) {
    std::lock_guard lock(written_mutex);
    written[batch.meter_id] += batch.pulses.size();
  });
  std::atomic<std::size_t> observed{0};

  constexpr int per_meter = 500;
  std::atomic<bool> done{false};
  std::thread reader([&] {
    for (int i = 0; !done; ++i) {
      (void)pipelines.status(MonoTime{Micros{i}});
      kitchen.power_timeout = std::chrono::seconds{60 + i % 2};
      (void)pipelines.apply_settings(kitchen);
      pipelines.hand_on_rejections();
      // Meters added elsewhere while the sources run get lanes of their own.
      Meter added = garage;
      added.id = 100 + i % 50;
      (void)pipelines.follow_meters({kitchen, garage, added}, MonoTime{Micros{i}});
    }
  });
  std::vector<std::thread> sources;
  for (const std::int64_t meter : {std::int64_t{1}, std::int64_t{2}}) {
    sources.emplace_back([&pipelines, meter] {
      for (const Edge &edge : pulses(meter, Micros{100'000}, per_meter, Micros{1'000'000})) {
        pipelines.on_edge(edge);
      }
    });
  }
  // A node's pulses for the garage, stored elsewhere, long after the others.
  const UtcTime later = UtcTime{Micros{1'000'000 + 100'000 * per_meter + 5'000'000}};
  observed +=
      pipelines.on_committed(2, {later, later + Micros{1'000'000}}, MonoTime{Micros{0}}, later)
          .size();
  for (std::thread &source : sources) {
    source.join();
  }
  done = true;
  reader.join();

  std::lock_guard lock(written_mutex);
  EXPECT_EQ(written[1], std::size_t{per_meter});
  EXPECT_EQ(written[2], std::size_t{per_meter});
  EXPECT_EQ(observed.load(), std::size_t{2}) << "the node's two pulses, after all others";
}

} // namespace
} // namespace pulsemon

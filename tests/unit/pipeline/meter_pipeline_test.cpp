#include "pipeline/meter_pipeline.h"

#include <gtest/gtest.h>

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

TEST(MeterPipelines, SettingsForAMeterWithoutALaneAreRefused) {
  MeterPipelines pipelines({}, [](PulseBatch) {});
  Meter other;
  other.id = 9;
  EXPECT_FALSE(pipelines.apply_settings(other));
}

} // namespace
} // namespace pulsemon

// From kernel line events to rows on disk: a GpioSource reading a pipe of
// gpio_v2_line_event records, the meter pipeline, the group-commit writer
// and a real SQLite file.
#include "domain/series.h"
#include "pipeline/meter_pipeline.h"
#include "sources/gpio/gpio_source.h"
#include "store/sqlite/sqlite_store.h"
#include "store/writer.h"
#include "support/gpio_fakes.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

namespace pulsemon {
namespace {

constexpr std::int64_t s = 1'000'000;
const UtcTime wall_at_zero = utc_from_epoch_us(1'767'225'600LL * s); // 2026-01-01

TEST(GpioCapture, EveryPulseAndEveryLossReachesTheStore) {
  testing::TempDir dir;
  SqliteStore store(dir / "pulsemon.db", StoreOptions{Durability::full, true});
  Meter meter;
  meter.id = 1;
  meter.name = "Main";
  store.add_meter(meter, wall_at_zero);

  PulseWriter writer(store, WriterSettings{std::chrono::milliseconds{10}});
  MeterPipelines pipelines({meter},
                           [&writer](PulseBatch batch) { writer.submit(std::move(batch)); });
  testing::TestClock clock(wall_at_zero);
  clock.set(100 * s, 0, true);
  testing::LineEventPipe pipe;
  gpio::LineSettings settings;
  settings.meter_id = 1;
  settings.edge = gpio::EdgeChoice::both;
  gpio::GpioSource source(pipe.take_read_end(), settings, pipelines, clock, {});
  source.start();

  for (int i = 0; i < 10; ++i) {
    pipe.pulse((10 + i) * s, i % 3 == 0); // every third pulse bounces
  }
  pipe.send(20 * s, true, 4); // the kernel dropped 4 events: 2 pulses
  pipe.send(20 * s + 30'000, false);
  pipe.pulse(21 * s);
  pipe.close();
  source.join();
  writer.stop();

  SqliteStore reader(dir / "pulsemon.db", StoreOptions{});
  EXPECT_EQ(reader.count_pulses(1, wall_at_zero, wall_at_zero + std::chrono::hours{1}), 12);
  const auto gaps = reader.gaps(1, 10);
  ASSERT_EQ(gaps.size(), 1U);
  EXPECT_EQ(gaps[0].missing_pulses, 2);
  EXPECT_EQ(gaps[0].at, wall_at_zero + Micros{20 * s});
  EXPECT_EQ(reader.stats(1).duplicates, 0);
  EXPECT_NEAR(*latest_power(reader, 1, wall_at_zero + Micros{21 * s + 1}), 3600.0, 0.01);
}

} // namespace
} // namespace pulsemon

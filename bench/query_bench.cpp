// Queries: energy per day for a year, per hour for a day and per month for
// the whole data set (ten years in the full run) in Europe/Amsterdam,
// through the store (rollups), beside the old stack's way on the same
// pulses: GROUP BY over raw rows of the old `measurement` layout (UTC days,
// as the old stack had them), given an index on (meterid, epoch) it never
// had, so the baseline is the fastest the old layout can be.
//
// PULSEMON_BENCH_DB      a pulsemon database with the pulses on meter 1
// PULSEMON_BENCH_OLD_DB  the same pulses as measurement(id, meterid, epoch)
//
// Each benchmark reports p99_ms over its iterations; bench/run divides the
// old way's mean time by the store's (query_day_year_speedup).
#include "bench_data.h"
#include "core/calendar.h"
#include "domain/series.h"
#include "store/sqlite/sqlite_store.h"

#include <benchmark/benchmark.h>
#include <date/tz.h>
#include <sqlite3.h>

#include <algorithm>
#include <random>
#include <stdexcept>

namespace pulsemon::bench {
namespace {

using std::chrono::hours;

struct Ranges {
  UtcTime year_from, year_to; // the last 365 whole local days
  UtcTime day_from, day_to;   // the last whole local day
  UtcTime all_from, all_to;   // whole months around everything
};

SqliteStore &store() {
  static SqliteStore instance(env_text("PULSEMON_BENCH_DB"), StoreOptions{Durability::full, false});
  return instance;
}

const Calendar &calendar() {
  static const Calendar instance(*date::locate_zone("Europe/Amsterdam"));
  return instance;
}

const Ranges &ranges() {
  static const Ranges instance = [] {
    const MeterStats stats = store().stats(1);
    if (!stats.first_pulse || !stats.last_pulse) {
      throw std::runtime_error("PULSEMON_BENCH_DB has no pulses on meter 1");
    }
    Ranges r{};
    r.year_to = calendar().bucket_containing(*stats.last_pulse, BucketSize::day).start;
    r.year_from = calendar().bucket_containing(r.year_to - hours{24 * 365}, BucketSize::day).start;
    r.day_to = r.year_to;
    r.day_from = calendar().bucket_containing(r.day_to - hours{12}, BucketSize::day).start;
    r.all_from = calendar().bucket_containing(*stats.first_pulse, BucketSize::month).start;
    r.all_to = calendar().bucket_containing(*stats.last_pulse, BucketSize::month).end;
    return r;
  }();
  return instance;
}

sqlite3 *old_db() {
  static sqlite3 *db = [] {
    sqlite3 *opened = nullptr;
    if (sqlite3_open_v2(env_text("PULSEMON_BENCH_OLD_DB").c_str(), &opened, SQLITE_OPEN_READONLY,
                        nullptr) != SQLITE_OK) {
      throw std::runtime_error("cannot open PULSEMON_BENCH_OLD_DB");
    }
    return opened;
  }();
  return db;
}

// Times each iteration and reports the 99th percentile.
template <typename Query> void timed(benchmark::State &state, Query query) {
  std::vector<double> latencies_ms;
  // Once untimed: opening the store (and upgrading one kept a row per
  // pulse) is not a query.
  std::int64_t pulses = query();
  for (auto _ : state) {
    const auto began = std::chrono::steady_clock::now();
    pulses = query();
    latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - began)
            .count());
    benchmark::DoNotOptimize(pulses);
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  const auto at = static_cast<std::size_t>(0.99 * static_cast<double>(latencies_ms.size() - 1));
  state.counters["p99_ms"] = latencies_ms.at(at);
  state.counters["pulses"] = static_cast<double>(pulses);
}

std::int64_t through_store(UtcTime from, UtcTime to, BucketSize size) {
  const auto rows = energy_series(store(), 1, from, to, size, calendar(), 100'000);
  if (!rows.ok()) {
    throw std::runtime_error(rows.error().message);
  }
  std::int64_t pulses = 0;
  for (const EnergyRow &row : *rows) {
    pulses += row.pulses;
  }
  return pulses;
}

// The old stack's query: one row per pulse, grouped on the fly.
std::int64_t old_way(const char *group, UtcTime from, UtcTime to) {
  const std::string sql = std::string("SELECT ") + group +
                          ", count(*) FROM measurement WHERE meterid = 1 AND epoch >= ?1 AND "
                          "epoch < ?2 GROUP BY 1 ORDER BY 1";
  sqlite3_stmt *select = nullptr;
  sqlite3_prepare_v2(old_db(), sql.c_str(), -1, &select, nullptr);
  sqlite3_bind_int64(select, 1, to_epoch_us(from) / 1'000'000);
  sqlite3_bind_int64(select, 2, to_epoch_us(to) / 1'000'000);
  std::int64_t pulses = 0;
  while (sqlite3_step(select) == SQLITE_ROW) {
    pulses += sqlite3_column_int64(select, 1);
  }
  sqlite3_finalize(select);
  return pulses;
}

void BM_StoreDaysOfYear(benchmark::State &state) {
  timed(state, [] { return through_store(ranges().year_from, ranges().year_to, BucketSize::day); });
}
void BM_OldDaysOfYear(benchmark::State &state) {
  timed(state, [] { return old_way("epoch / 86400", ranges().year_from, ranges().year_to); });
}
void BM_StoreHoursOfDay(benchmark::State &state) {
  timed(state, [] { return through_store(ranges().day_from, ranges().day_to, BucketSize::hour); });
}
void BM_OldHoursOfDay(benchmark::State &state) {
  timed(state, [] { return old_way("epoch / 3600", ranges().day_from, ranges().day_to); });
}
void BM_StoreMonthsOfAll(benchmark::State &state) {
  timed(state, [] { return through_store(ranges().all_from, ranges().all_to, BucketSize::month); });
}
void BM_OldMonthsOfAll(benchmark::State &state) {
  timed(state, [] {
    return old_way("strftime('%Y-%m', epoch, 'unixepoch')", ranges().all_from, ranges().all_to);
  });
}

// Ranges that start and end anywhere (a power series, "since I left"): a
// hundred in one call, 1 minute to 36 hours long, over the last year; their
// ragged edges are counted from the pulses themselves.
void BM_StoreRaggedRanges(benchmark::State &state) {
  std::mt19937_64 random(36);
  const std::int64_t span_us = to_epoch_us(ranges().year_to) - to_epoch_us(ranges().year_from);
  std::uniform_int_distribution<std::int64_t> start(0, span_us - 36LL * 3'600'000'000);
  std::uniform_int_distribution<std::int64_t> length(60'000'000, 36LL * 3'600'000'000);
  std::vector<RawRange> raw;
  for (int i = 0; i < 100; ++i) {
    const UtcTime from = ranges().year_from + Micros{start(random)};
    raw.push_back({from, from + Micros{length(random)}});
  }
  timed(state, [&] {
    std::int64_t pulses = 0;
    for (const std::int64_t count : store().count_pulses_in(1, raw)) {
      pulses += count;
    }
    return pulses;
  });
}

BENCHMARK(BM_StoreDaysOfYear)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_StoreRaggedRanges)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_OldDaysOfYear)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StoreHoursOfDay)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_OldHoursOfDay)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StoreMonthsOfAll)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_OldMonthsOfAll)->Unit(benchmark::kMillisecond);

} // namespace
} // namespace pulsemon::bench

BENCHMARK_MAIN();

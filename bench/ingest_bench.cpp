// Ingest: pulses per second through pulsemon's real write path, beside the
// most SQLite does with the same rows, in the same run.
//
//   BM_Writer     edges → MeterPipelines (pulse filter, power) → PulseWriter
//                 (group commit) → SqliteStore (INSERT OR IGNORE, 15-minute,
//                 hourly and daily rollups, statistics), synchronous = FULL.
//   BM_RawInsert  the same pulse times through one prepared INSERT with bound
//                 parameters into a bare two-column table, same pragmas, in
//                 transactions as large as the writer's largest.
//
// bench/run reports BM_Writer's rate ÷ BM_RawInsert's as ingest_ratio.
// PULSEMON_BENCH_INGEST_DAYS sets how many days of a household (default 30).
#include "bench_data.h"
#include "pipeline/meter_pipeline.h"
#include "store/sqlite/sqlite_store.h"
#include "store/writer.h"

#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <filesystem>
#include <stdexcept>

namespace pulsemon::bench {
namespace {

const Simulated &household() {
  static const Simulated data =
      simulate_household(static_cast<int>(env_number("PULSEMON_BENCH_INGEST_DAYS", 30)), 1000.0);
  return data;
}

// A fresh directory for one iteration's database.
class ScratchDir {
public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "pulsemon-bench-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("cannot make a temporary directory");
    }
    path_ = pattern;
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  ScratchDir(const ScratchDir &) = delete;
  ScratchDir &operator=(const ScratchDir &) = delete;
  [[nodiscard]] const std::filesystem::path &path() const { return path_; }

private:
  std::filesystem::path path_;
};

void BM_Writer(benchmark::State &state) {
  const Simulated &data = household();
  for (auto _ : state) {
    state.PauseTiming();
    ScratchDir dir;
    Meter meter;
    meter.id = 1;
    meter.name = "household";
    {
      SqliteStore setup(dir.path() / "pulsemon.db", StoreOptions{Durability::full, true});
      setup.add_meter(meter, simulation_start);
    }
    state.ResumeTiming();

    SqliteStore store(dir.path() / "pulsemon.db", StoreOptions{Durability::full, false});
    PulseWriter writer(store, WriterSettings{});
    MeterPipelines pipelines({meter},
                             [&writer](PulseBatch batch) { writer.submit(std::move(batch)); });
    for (const UtcTime pulse : data.pulses) {
      // A sensor's two edges per pulse, 30 ms apart, as the simulator makes them.
      const MonoTime at = mono_from_us(to_epoch_us(pulse));
      pipelines.on_edge(Edge{1, EdgeKind::leading, at, pulse, false});
      pipelines.on_edge(
          Edge{1, EdgeKind::trailing, at + Micros{30'000}, pulse + Micros{30'000}, false});
    }
    writer.flush();
    writer.stop();
    if (writer.stats().committed_pulses != data.pulses.size()) {
      state.SkipWithError("the writer did not store every pulse");
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * data.pulses.size()));
}

void check(int rc, sqlite3 *db) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    throw std::runtime_error(sqlite3_errmsg(db));
  }
}

void BM_RawInsert(benchmark::State &state) {
  const Simulated &data = household();
  const std::size_t per_transaction = WriterSettings{}.commit_at_pulses;
  for (auto _ : state) {
    state.PauseTiming();
    ScratchDir dir;
    state.ResumeTiming();

    sqlite3 *db = nullptr;
    check(sqlite3_open((dir.path() / "raw.db").c_str(), &db), db);
    check(sqlite3_exec(db,
                       "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                       "CREATE TABLE pulses (meter_id INTEGER NOT NULL, ts_us INTEGER NOT NULL)",
                       nullptr, nullptr, nullptr),
          db);
    sqlite3_stmt *insert = nullptr;
    check(sqlite3_prepare_v2(db, "INSERT INTO pulses (meter_id, ts_us) VALUES (?1, ?2)", -1,
                             &insert, nullptr),
          db);
    for (std::size_t i = 0; i < data.pulses.size(); ++i) {
      if (i % per_transaction == 0) {
        check(sqlite3_exec(db, i == 0 ? "BEGIN" : "COMMIT; BEGIN", nullptr, nullptr, nullptr), db);
      }
      sqlite3_bind_int64(insert, 1, 1);
      sqlite3_bind_int64(insert, 2, to_epoch_us(data.pulses[i]));
      check(sqlite3_step(insert), db);
      sqlite3_reset(insert);
    }
    check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db);
    sqlite3_finalize(insert);
    sqlite3_close(db);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * data.pulses.size()));
}

BENCHMARK(BM_Writer)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_RawInsert)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

} // namespace
} // namespace pulsemon::bench

BENCHMARK_MAIN();

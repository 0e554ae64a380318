// This run of serve in a real SQLite file: begun at start, kept by its
// heartbeat, ended at the stop; and a store that cannot take the run at
// start (here its table is gone) does not stop serve: the run is begun at
// the first heartbeat that can write it.
#include "app/run_record.h"
#include "clock/time_source.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

namespace pulsemon {
namespace {

void execute(const std::filesystem::path &database, const char *sql) {
  sqlite3 *db = nullptr;
  ASSERT_EQ(sqlite3_open(database.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

const UtcTime start = utc_from_epoch_us(1'780'000'000'000'000);

TEST(RunRecord, BeginsKeepsAndEndsTheRun) {
  testing::TempDir dir;
  SqliteStore store(dir / "pulsemon.db", StoreOptions{Durability::full, true});
  SimulatedTime time(start);
  {
    RunRecord run(store, time);
    time.advance(std::chrono::seconds{10});
    run.heartbeat(); // not yet due
    EXPECT_EQ(store.runs_around(start, start + std::chrono::hours{1}, 10).at(0).alive, start);
    time.advance(run_heartbeat);
    run.heartbeat();
    EXPECT_EQ(store.runs_around(start, start + std::chrono::hours{1}, 10).at(0).alive,
              start + std::chrono::seconds{10} + run_heartbeat);
    time.advance(std::chrono::seconds{5});
    run.stop();
  }
  const auto runs = store.runs_around(start, start + std::chrono::hours{1}, 10);
  ASSERT_EQ(runs.size(), 1U);
  EXPECT_TRUE(runs[0].stopped_cleanly);
  EXPECT_EQ(runs[0].alive, start + std::chrono::seconds{15} + run_heartbeat);
}

TEST(RunRecord, AStoreThatCannotTakeTheRunAtStartTakesItAtAHeartbeat) {
  testing::TempDir dir;
  SqliteStore store(dir / "pulsemon.db", StoreOptions{Durability::full, true});
  execute(dir / "pulsemon.db", "ALTER TABLE daemon_runs RENAME TO runs_elsewhere");
  SimulatedTime time(start);
  RunRecord run(store, time); // logs, does not throw
  execute(dir / "pulsemon.db", "ALTER TABLE runs_elsewhere RENAME TO daemon_runs");
  time.advance(run_heartbeat);
  run.heartbeat();
  const auto runs = store.runs_around(start, start + std::chrono::hours{1}, 10);
  ASSERT_EQ(runs.size(), 1U);
  EXPECT_EQ(runs[0].started, start + run_heartbeat);
  EXPECT_NO_THROW(run.stop());
}

} // namespace
} // namespace pulsemon

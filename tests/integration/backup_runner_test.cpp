// The daemon's backup thread on a simulated clock: the first backup at
// once, the next at the quiet time of the household's clock and not
// before, and rotation to `keep` once a new one is in place.
#include "app/backup_runner.h"
#include "core/time_text.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

#include <date/tz.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

namespace pulsemon {
namespace {

using namespace std::chrono_literals;

UtcTime utc(const char *text) {
  return parse_time(text, *date::locate_zone("UTC")).value();
}

std::vector<std::string> backups_in(const std::filesystem::path &folder) {
  std::vector<std::string> names;
  if (std::filesystem::exists(folder)) {
    for (const auto &entry : std::filesystem::directory_iterator(folder)) {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

// The runner's status once it made a backup at `made` (real waiting, for
// the copy itself: at most 30 s).
BackupStatus once_made(BackupRunner &runner, UtcTime made) {
  BackupStatus status = runner.status();
  for (int i = 0; i < 300 && status.last_good != made; ++i) {
    std::this_thread::sleep_for(100ms);
    status = runner.status();
  }
  return status;
}

TEST(BackupRunner, MakesTheFirstAtOnceTheNextAtTheQuietTimeAndKeepsTheNewest) {
  testing::TempDir dir;
  const auto database = dir / "pulsemon.db";
  { SqliteStore store(database, StoreOptions{Durability::full, true}); }
  SimulatedTime time(utc("2026-06-10T12:00:00Z"));
  BackupSchedule schedule; // daily at 03:30, Amsterdam: 01:30 UTC in June
  schedule.keep = 2;
  const auto folder = dir / "usb";
  BackupRunner runner(database, {}, folder, schedule, *date::locate_zone("Europe/Amsterdam"), time);
  runner.start();

  // None yet: one at once.
  BackupStatus status = once_made(runner, utc("2026-06-10T12:00:00Z"));
  ASSERT_EQ(status.last_good, utc("2026-06-10T12:00:00Z"));
  ASSERT_TRUE(time.settle(1));
  EXPECT_EQ(runner.status().next_due, utc("2026-06-11T01:30:00Z"));
  EXPECT_EQ(backups_in(folder), std::vector<std::string>{"pulsemon-20260610T120000Z.db"});

  // Just before the quiet time: nothing.
  time.advance(13h + 29min);
  ASSERT_TRUE(time.settle(1));
  EXPECT_EQ(backups_in(folder).size(), 1U);
  // At it: the second.
  time.advance(1min);
  status = once_made(runner, utc("2026-06-11T01:30:00Z"));
  EXPECT_EQ(status.last_good, utc("2026-06-11T01:30:00Z"));
  ASSERT_TRUE(time.settle(1));
  EXPECT_EQ(backups_in(folder).size(), 2U);

  // A day on, the third; keep = 2 lets the first go.
  time.advance(24h);
  (void)once_made(runner, utc("2026-06-12T01:30:00Z"));
  ASSERT_TRUE(time.settle(1));
  EXPECT_EQ(backups_in(folder), (std::vector<std::string>{"pulsemon-20260611T013000Z.db",
                                                          "pulsemon-20260612T013000Z.db"}));
  EXPECT_FALSE(runner.status().overdue);
  EXPECT_TRUE(runner.status().last_failure.empty());

  // Off for three days (no time passes for the runner while stopped), then
  // started again: the missed backup at once.
  runner.stop();
  time.advance(72h);
  BackupRunner later(database, {}, folder, schedule, *date::locate_zone("Europe/Amsterdam"), time);
  later.start();
  EXPECT_EQ(once_made(later, utc("2026-06-15T01:30:00Z")).last_good, utc("2026-06-15T01:30:00Z"));
}

} // namespace
} // namespace pulsemon

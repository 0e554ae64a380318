#include "core/backup_schedule.h"
#include "core/time_text.h"

#include <date/tz.h>
#include <gtest/gtest.h>

namespace pulsemon {
namespace {

UtcTime utc(const char *text) {
  return parse_time(text, *date::locate_zone("UTC")).value();
}

const date::time_zone &amsterdam() {
  return *date::locate_zone("Europe/Amsterdam");
}

TEST(BackupSchedule, NoBackupYetOrAMissedOneIsDueAtOnce) {
  const BackupSchedule daily;
  const UtcTime now = utc("2026-06-10T14:00:00Z");
  EXPECT_EQ(next_backup_due(daily, std::nullopt, now, amsterdam()), now) << "never made";
  // The machine was off over the quiet time: the backup runs at the start.
  EXPECT_EQ(next_backup_due(daily, utc("2026-06-09T01:30:00Z"), now, amsterdam()), now);
}

TEST(BackupSchedule, ADailyBackupFallsAtTheQuietTimeOfTheLocalClock) {
  const BackupSchedule daily; // 03:30 local
  // Summer: Amsterdam is UTC+2, so 03:30 local is 01:30 UTC.
  EXPECT_EQ(
      next_backup_due(daily, utc("2026-06-10T01:30:00Z"), utc("2026-06-10T09:00:00Z"), amsterdam()),
      utc("2026-06-11T01:30:00Z"));
  // Winter: UTC+1.
  EXPECT_EQ(
      next_backup_due(daily, utc("2026-01-10T02:30:00Z"), utc("2026-01-10T09:00:00Z"), amsterdam()),
      utc("2026-01-11T02:30:00Z"));
  // A backup made at a start in the afternoon: back to the quiet time the
  // next night, not 24 hours later.
  EXPECT_EQ(
      next_backup_due(daily, utc("2026-06-10T14:00:00Z"), utc("2026-06-10T14:00:05Z"), amsterdam()),
      utc("2026-06-11T01:30:00Z"));
  // One made just before the quiet time is not followed a minute later.
  EXPECT_EQ(
      next_backup_due(daily, utc("2026-06-10T01:29:00Z"), utc("2026-06-10T01:29:30Z"), amsterdam()),
      utc("2026-06-11T01:30:00Z"));
}

TEST(BackupSchedule, TheNightTheClocksChangeKeepsTheLocalQuietTime) {
  BackupSchedule at_two_thirty;
  at_two_thirty.at = std::chrono::minutes{2 * 60 + 30}; // skipped on 2026-03-29 in Amsterdam
  const UtcTime due = next_backup_due(at_two_thirty, utc("2026-03-28T01:30:00Z"),
                                      utc("2026-03-28T12:00:00Z"), amsterdam());
  EXPECT_EQ(due, utc("2026-03-29T01:00:00Z")) << "02:30 does not exist: the moment after the gap";
  // After the change, 03:30 local is 01:30 UTC.
  EXPECT_EQ(next_backup_due(BackupSchedule{}, utc("2026-03-28T02:30:00Z"),
                            utc("2026-03-28T12:00:00Z"), amsterdam()),
            utc("2026-03-29T01:30:00Z"));
}

TEST(BackupSchedule, HourlyAndWeeklyBackups) {
  BackupSchedule hourly;
  hourly.every = BackupEvery::hourly;
  hourly.at = std::chrono::minutes{17};
  EXPECT_EQ(next_backup_due(hourly, utc("2026-06-10T10:17:00Z"), utc("2026-06-10T10:20:00Z"),
                            amsterdam()),
            utc("2026-06-10T11:17:00Z"));
  BackupSchedule weekly;
  weekly.every = BackupEvery::weekly;
  EXPECT_EQ(next_backup_due(weekly, utc("2026-06-10T01:30:00Z"), utc("2026-06-12T00:00:00Z"),
                            amsterdam()),
            utc("2026-06-17T01:30:00Z"));
}

TEST(BackupSchedule, OverdueAfterTwiceTheInterval) {
  const BackupSchedule daily;
  const UtcTime now = utc("2026-06-10T12:00:00Z");
  EXPECT_TRUE(backup_overdue(daily, std::nullopt, now));
  EXPECT_FALSE(backup_overdue(daily, utc("2026-06-08T12:00:00Z"), now)) << "exactly two days";
  EXPECT_TRUE(backup_overdue(daily, utc("2026-06-08T11:59:59Z"), now));
}

TEST(BackupSchedule, RotationKeepsTheNewestAndRemovesTheOldestFirst) {
  const std::vector<UtcTime> good{utc("2026-06-03T01:30:00Z"), utc("2026-06-01T01:30:00Z"),
                                  utc("2026-06-04T01:30:00Z"), utc("2026-06-02T01:30:00Z")};
  EXPECT_EQ(backups_to_remove(good, 2),
            (std::vector<UtcTime>{utc("2026-06-01T01:30:00Z"), utc("2026-06-02T01:30:00Z")}));
  EXPECT_TRUE(backups_to_remove(good, 4).empty());
  EXPECT_TRUE(backups_to_remove(good, 7).empty());
  EXPECT_EQ(backups_to_remove(good, 0).size(), 3U) << "the newest is always kept";
}

TEST(BackupSchedule, WordsAreCheckedAndNamed) {
  EXPECT_EQ(parse_backup_every("weekly").value(), BackupEvery::weekly);
  EXPECT_FALSE(parse_backup_every("monthly").ok());
  EXPECT_EQ(parse_time_of_day("03:30").value(), std::chrono::minutes{210});
  EXPECT_EQ(parse_time_of_day("23:59").value(), std::chrono::minutes{1439});
  for (const char *bad : {"3:30", "24:00", "12:60", "ab:cd", "03:30:00", ""}) {
    EXPECT_FALSE(parse_time_of_day(bad).ok()) << bad;
  }
}

TEST(BackupSchedule, FileNamesSayTheirTimeAndNothingElsePassesForOne) {
  const UtcTime t = utc("2026-12-05T03:15:09Z");
  EXPECT_EQ(backup_file_name(t), "pulsemon-20261205T031509Z.db");
  EXPECT_EQ(backup_file_time(backup_file_name(t)), t);
  for (const char *other :
       {"pulsemon-20261205T031509Z.db.partial", "pulsemon-20261205T031509Z.toml", "pulsemon.db",
        "pulsemon-2026120XT031509Z.db", "notes.txt"}) {
    EXPECT_FALSE(backup_file_time(other)) << other;
  }
}

} // namespace
} // namespace pulsemon

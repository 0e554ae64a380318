#pragma once
// When the daemon makes its scheduled backups and which old ones it lets go
// (the I/O is app/backup_runner.h). Pure: every time comes in as an argument.
//
// A backup is due at the schedule's quiet time (`at`, on the household's
// local clock) once at least a quarter of an interval has passed since the
// last good one (six and a half days for weekly ones), so that a backup made
// off-schedule (at a start after the machine was off) falls back to the
// next quiet time, and one made just before it is not followed at once. One older than a whole
// interval, or none at all, is due at once: a missed backup runs at the next start.

#include "core/result.h"
#include "core/time.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace date {
class time_zone;
}

namespace pulsemon {

enum class BackupEvery { hourly, daily, weekly };

[[nodiscard]] Result<BackupEvery> parse_backup_every(std::string_view text);
[[nodiscard]] std::string_view to_string(BackupEvery every);
[[nodiscard]] Micros backup_interval(BackupEvery every);

struct BackupSchedule {
  BackupEvery every = BackupEvery::daily;
  // The local time of day of a daily or weekly backup; of an hourly one,
  // only its minutes count.
  std::chrono::minutes at{3 * 60 + 30};
  int keep = 7; // good backups kept; older ones are removed after a new one
};

// "03:30" → 210 minutes; an error naming what is expected otherwise.
[[nodiscard]] Result<std::chrono::minutes> parse_time_of_day(std::string_view text);

// When the next backup is due, given the last good one (none: never).
[[nodiscard]] UtcTime next_backup_due(const BackupSchedule &schedule,
                                      std::optional<UtcTime> last_good, UtcTime now,
                                      const date::time_zone &zone);

// Whether the last good backup is older than twice the interval (or there
// is none), which the status and the alerts report.
[[nodiscard]] bool backup_overdue(const BackupSchedule &schedule, std::optional<UtcTime> last_good,
                                  UtcTime now);

// Where a backup made at `t` goes: "pulsemon-20261205T031500Z.db" (names
// that sort by time and hold no ':'), and the time a name says (none for
// any other name, a copy in progress among them).
[[nodiscard]] std::string backup_file_name(UtcTime t);
// The time part of such a name ("20261205T031500Z"), for other files that
// sort by time (a database set aside by restore).
[[nodiscard]] std::string backup_stamp(UtcTime t);
[[nodiscard]] std::optional<UtcTime> backup_file_time(std::string_view name);

// What the daemon says of its scheduled backups (/api/status, /metrics).
struct BackupStatus {
  std::string dir;
  BackupSchedule schedule;
  std::optional<UtcTime> last_good; // the newest good backup
  std::int64_t last_bytes = 0;
  std::string last_file;
  UtcTime next_due{};
  bool overdue = false;
  std::string last_failure; // why the last attempt failed; "" when it worked
  std::optional<UtcTime> last_failure_at;
  std::uint64_t failures = 0; // since start
};

// Of the good backups (by time, any order), those to remove so that the
// newest `keep` stay; oldest first.
[[nodiscard]] std::vector<UtcTime> backups_to_remove(std::vector<UtcTime> good, int keep);

} // namespace pulsemon

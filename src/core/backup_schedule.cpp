#include "core/backup_schedule.h"

#include <date/tz.h>

#include <algorithm>

namespace pulsemon {

namespace {

constexpr Micros one_hour{std::chrono::hours{1}};
constexpr Micros one_day{std::chrono::hours{24}};

// The least time between two scheduled backups.
Micros least_gap(BackupEvery every) {
  return every == BackupEvery::weekly ? backup_interval(every) - one_day / 2
                                      : backup_interval(every) / 4;
}

} // namespace

Result<BackupEvery> parse_backup_every(std::string_view text) {
  if (text == "hourly") {
    return BackupEvery::hourly;
  }
  if (text == "daily") {
    return BackupEvery::daily;
  }
  if (text == "weekly") {
    return BackupEvery::weekly;
  }
  return invalid_argument("\"" + std::string(text) + "\" is not hourly, daily or weekly");
}

std::string_view to_string(BackupEvery every) {
  switch (every) {
  case BackupEvery::hourly:
    return "hourly";
  case BackupEvery::daily:
    return "daily";
  case BackupEvery::weekly:
    return "weekly";
  }
  return "daily";
}

Micros backup_interval(BackupEvery every) {
  switch (every) {
  case BackupEvery::hourly:
    return one_hour;
  case BackupEvery::daily:
    return one_day;
  case BackupEvery::weekly:
    return 7 * one_day;
  }
  return one_day;
}

Result<std::chrono::minutes> parse_time_of_day(std::string_view text) {
  const auto digit = [&](std::size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  if (text.size() != 5 || text[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4)) {
    return invalid_argument("\"" + std::string(text) + "\" is not a time of day as HH:MM");
  }
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (hours > 23 || minutes > 59) {
    return invalid_argument("\"" + std::string(text) + "\" is not a time of day (00:00 to 23:59)");
  }
  return std::chrono::minutes{hours * 60 + minutes};
}

UtcTime next_backup_due(const BackupSchedule &schedule, std::optional<UtcTime> last_good,
                        UtcTime now, const date::time_zone &zone) {
  if (!last_good || now - *last_good >= backup_interval(schedule.every)) {
    return now; // never made, or missed
  }
  const UtcTime earliest = *last_good + least_gap(schedule.every);
  // The first quiet time at or after `earliest`, on the local clock: that
  // day's (or hour's) slot, else the next one. A slot in a skipped local
  // hour (DST begins) maps to the instant after the gap.
  const auto local = zone.to_local(std::chrono::time_point_cast<std::chrono::seconds>(earliest));
  const auto to_utc = [&](date::local_seconds slot) {
    return std::chrono::time_point_cast<Micros>(zone.to_sys(slot, date::choose::latest));
  };
  if (schedule.every == BackupEvery::hourly) {
    const auto minute = schedule.at % std::chrono::hours{1};
    date::local_seconds slot = std::chrono::floor<std::chrono::hours>(local) + minute;
    while (to_utc(slot) < earliest) {
      slot += std::chrono::hours{1};
    }
    return to_utc(slot);
  }
  date::local_seconds slot = std::chrono::floor<date::days>(local) + schedule.at;
  while (to_utc(slot) < earliest) {
    slot += date::days{1};
  }
  return to_utc(slot);
}

bool backup_overdue(const BackupSchedule &schedule, std::optional<UtcTime> last_good, UtcTime now) {
  return !last_good || now - *last_good > 2 * backup_interval(schedule.every);
}

std::string backup_stamp(UtcTime t) {
  return date::format("%Y%m%dT%H%M%SZ", std::chrono::floor<std::chrono::seconds>(t));
}

std::string backup_file_name(UtcTime t) {
  return "pulsemon-" + backup_stamp(t) + ".db";
}

std::optional<UtcTime> backup_file_time(std::string_view name) {
  // pulsemon-YYYYMMDDTHHMMSSZ.db
  constexpr std::string_view head = "pulsemon-";
  constexpr std::string_view tail = ".db";
  constexpr std::size_t stamp_size = 16;
  if (name.size() != head.size() + stamp_size + tail.size() || !name.starts_with(head) ||
      !name.ends_with(tail)) {
    return std::nullopt;
  }
  // YYYYMMDDTHHMMSSZ, read digit by digit (date::parse trips g++'s
  // maybe-uninitialized warning at -O2).
  const std::string_view stamp = name.substr(head.size(), stamp_size);
  const auto digits = [&](std::size_t from, std::size_t count) -> std::optional<int> {
    int value = 0;
    for (std::size_t i = from; i < from + count; ++i) {
      if (stamp[i] < '0' || stamp[i] > '9') {
        return std::nullopt;
      }
      value = value * 10 + (stamp[i] - '0');
    }
    return value;
  };
  const auto year = digits(0, 4);
  const auto month = digits(4, 2);
  const auto day_of_month = digits(6, 2);
  const auto hours = digits(9, 2);
  const auto minutes = digits(11, 2);
  const auto seconds = digits(13, 2);
  if (stamp[8] != 'T' || stamp[15] != 'Z' || !year || !month || !day_of_month || !hours ||
      !minutes || !seconds || *hours > 23 || *minutes > 59 || *seconds > 59) {
    return std::nullopt;
  }
  const date::year_month_day date{date::year{*year}, date::month{static_cast<unsigned>(*month)},
                                  date::day{static_cast<unsigned>(*day_of_month)}};
  if (!date.ok()) {
    return std::nullopt;
  }
  return UtcTime{date::sys_days{date}} + std::chrono::hours{*hours} +
         std::chrono::minutes{*minutes} + std::chrono::seconds{*seconds};
}

std::vector<UtcTime> backups_to_remove(std::vector<UtcTime> good, int keep) {
  std::sort(good.begin(), good.end());
  const auto kept = static_cast<std::size_t>(std::max(keep, 1));
  if (good.size() <= kept) {
    return {};
  }
  good.resize(good.size() - kept);
  return good;
}

} // namespace pulsemon

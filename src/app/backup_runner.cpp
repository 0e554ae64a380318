#include "app/backup_runner.h"

#include "app/backup_files.h"
#include "core/time_text.h"
#include "store/sqlite/sqlite_backup.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

namespace pulsemon {

namespace {

// How long the thread sleeps at most before it looks again: the wall clock
// may be set meanwhile, and someone may have removed the backups.
constexpr Micros longest_sleep{std::chrono::minutes{1}};

Micros retry_after(const BackupSchedule &schedule) {
  return std::min<Micros>(backup_interval(schedule.every) / 4, std::chrono::hours{1});
}

} // namespace

BackupRunner::BackupRunner(std::filesystem::path database, std::filesystem::path config_file,
                           std::filesystem::path folder, BackupSchedule schedule,
                           const date::time_zone &zone, TimeSource &time)
    : database_(std::move(database)), config_file_(std::move(config_file)),
      folder_(std::move(folder)), schedule_(schedule), zone_(zone), time_(time) {
  status_.dir = folder_.string();
  status_.schedule = schedule_;
}

BackupRunner::~BackupRunner() {
  stop();
}

void BackupRunner::start() {
  thread_ = std::thread([this] { run(); });
}

void BackupRunner::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

std::vector<BackupRunner::Found> BackupRunner::good_backups() const {
  std::vector<Found> found;
  std::error_code error;
  for (std::filesystem::directory_iterator it(folder_, error), end; !error && it != end;
       it.increment(error)) {
    if (const auto made = backup_file_time(it->path().filename().string());
        made && it->is_regular_file(error)) {
      found.push_back(Found{*made, it->path()});
    }
  }
  std::sort(found.begin(), found.end(),
            [](const Found &a, const Found &b) { return a.made < b.made; });
  return found;
}

void BackupRunner::look_at_folder() {
  const std::vector<Found> found = good_backups();
  std::int64_t bytes = 0;
  if (!found.empty()) {
    std::error_code error;
    const auto size = std::filesystem::file_size(found.back().file, error);
    bytes = error ? 0 : static_cast<std::int64_t>(size);
  }
  const std::lock_guard lock(mutex_);
  status_.last_good.reset();
  status_.last_file.clear();
  status_.last_bytes = bytes;
  if (!found.empty()) {
    status_.last_good = found.back().made;
    status_.last_file = found.back().file.string();
  }
}

BackupStatus BackupRunner::status() {
  const UtcTime now = time_.wall_now();
  const std::lock_guard lock(mutex_);
  BackupStatus status = status_;
  status.next_due = next_backup_due(schedule_, status.last_good, now, zone_);
  if (retry_at_ && *retry_at_ > status.next_due) {
    status.next_due = *retry_at_;
  }
  status.overdue = backup_overdue(schedule_, status.last_good, now);
  return status;
}

void BackupRunner::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    look_at_folder();
    const BackupStatus now_status = status();
    const UtcTime now = time_.wall_now();
    lock.lock();
    if (now_status.next_due <= now) {
      lock.unlock();
      make_backup();
      lock.lock();
      continue;
    }
    if (now_status.next_due != announced_due_) {
      // Said once per due time: when the next one is, and what it follows.
      announced_due_ = now_status.next_due;
      spdlog::info("backup: the next is due at {}{}", format_utc(now_status.next_due),
                   now_status.last_good ? "; the newest is of " + format_utc(*now_status.last_good)
                                        : std::string{});
    }
    const Micros until_due = now_status.next_due - now;
    (void)time_.wait_for(wake_, lock, std::min(until_due, longest_sleep),
                         [this] { return stopping_; });
  }
}

void BackupRunner::make_backup() {
  const UtcTime started = time_.wall_now();
  const std::filesystem::path file = folder_ / backup_file_name(started);
  try {
    std::filesystem::create_directories(folder_);
    remove_partial_backups(folder_);
    const sqlite::DatabaseFigures copied = sqlite::copy_database(database_, file);
    if (!config_file_.empty()) {
      std::filesystem::path beside = file;
      beside.replace_extension(".toml");
      copy_owner_only(config_file_, beside);
    }
    // Only now, with a new good one in place, do the oldest go.
    std::vector<UtcTime> good;
    for (const Found &found : good_backups()) {
      good.push_back(found.made);
    }
    const std::vector<UtcTime> expired = backups_to_remove(good, schedule_.keep);
    for (const UtcTime old : expired) {
      std::filesystem::path gone = folder_ / backup_file_name(old);
      std::filesystem::remove(gone);
      std::filesystem::remove(gone.replace_extension(".toml"));
    }
    look_at_folder(); // before the log says so: the status shows the new one
    spdlog::info("backup: {} ({:.1f} MB, {} pulses), checked; {} older removed (keep = {})",
                 file.string(), static_cast<double>(copied.bytes) / 1e6, copied.pulses(),
                 expired.size(), schedule_.keep);
    const std::lock_guard lock(mutex_);
    if (!status_.last_failure.empty()) {
      spdlog::info("backup: backups work again");
    }
    status_.last_failure.clear();
    retry_at_.reset();
  } catch (const std::exception &failure) {
    const std::lock_guard lock(mutex_);
    if (status_.last_failure != failure.what()) {
      spdlog::error("backup: could not back up to {}: {}; older backups are kept, and the "
                    "backup is tried again at {}",
                    folder_.string(), failure.what(), format_utc(started + retry_after(schedule_)));
    }
    status_.last_failure = failure.what();
    status_.last_failure_at = started;
    ++status_.failures;
    retry_at_ = started + retry_after(schedule_);
  }
}

} // namespace pulsemon

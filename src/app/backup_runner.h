#pragma once
// The daemon's scheduled backups ([backup] in the config): a thread that
// sleeps until core/backup_schedule.h says one is due, copies the store
// with sqlite/sqlite_backup.h into the backup folder, and only once the new
// copy checked out removes the good ones beyond `keep`. A failure (a full
// disk, a share gone) is logged once per cause and reported in the status;
// it never removes a backup, and the attempt is repeated a quarter of an
// interval later (at most an hour). The backups already in the folder say
// when the last good one was, so the schedule survives restarts.

#include "clock/time_source.h"
#include "core/backup_schedule.h"

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

namespace date {
class time_zone;
}

namespace pulsemon {

class BackupRunner {
public:
  // `config_file` ("" none) is copied beside each backup, as `pulsemon
  // backup` does.
  BackupRunner(std::filesystem::path database, std::filesystem::path config_file,
               std::filesystem::path folder, BackupSchedule schedule, const date::time_zone &zone,
               TimeSource &time);
  ~BackupRunner(); // stop()s
  BackupRunner(const BackupRunner &) = delete;
  BackupRunner &operator=(const BackupRunner &) = delete;

  void start();
  // Ends the thread; a copy in progress finishes first.
  void stop();

  // What the thread last found in the folder, with the schedule's view of
  // it now. Never touches the folder itself: the API asks from its event
  // loop, and a NAS share that hangs must not hang it.
  [[nodiscard]] BackupStatus status();

private:
  struct Found {
    UtcTime made;
    std::filesystem::path file;
  };
  [[nodiscard]] std::vector<Found> good_backups() const;
  // Lists the folder (on the runner's thread) into status_.
  void look_at_folder();
  void run();
  void make_backup();

  std::filesystem::path database_;
  std::filesystem::path config_file_;
  std::filesystem::path folder_;
  BackupSchedule schedule_;
  const date::time_zone &zone_;
  TimeSource &time_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  BackupStatus status_;
  std::optional<UtcTime> retry_at_; // after a failure
  UtcTime announced_due_{};         // the due time last said in the log (runner's thread)
  std::thread thread_;
};

} // namespace pulsemon

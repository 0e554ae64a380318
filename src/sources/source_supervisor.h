#pragma once
// Keeps the daemon's sources running: a source that dies (a GPIO chip that
// went away, a read that failed) is logged, shown in the status line,
// sd_notify STATUS and /api/status, and started again with backoff
// (core/restart_backoff.h) by a thread of the supervisor's own, until the
// daemon stops. Starting again means making the source afresh (for GPIO,
// requesting the line again); while that fails, it is tried again later.

#include "core/restart_backoff.h"
#include "core/source_health.h"
#include "sources/source.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace pulsemon {

class SourceSupervisor {
public:
  // Makes a fresh source; throws (a Failure naming what is wrong) when it
  // cannot.
  using Make = std::function<std::unique_ptr<Source>()>;
  // Health changed: a source died or came back. Called on the supervisor's
  // thread.
  using Changed = std::function<void()>;

  explicit SourceSupervisor(BackoffSettings backoff = {}, Changed changed = {});
  ~SourceSupervisor();
  SourceSupervisor(const SourceSupervisor &) = delete;
  SourceSupervisor &operator=(const SourceSupervisor &) = delete;
  SourceSupervisor(SourceSupervisor &&) = delete;
  SourceSupervisor &operator=(SourceSupervisor &&) = delete;

  // Starts `first` (made before any thread started, so that its errors end
  // the start-up) and watches it; `make_again` makes its successors.
  void add(std::string name, std::int64_t meter_id, std::unique_ptr<Source> first, Make make_again);

  [[nodiscard]] std::vector<SourceHealth> health() const;

  // Stops watching, then stops each source in the order added. Idempotent.
  void stop();

private:
  using Clock = std::chrono::steady_clock;

  struct Watched {
    std::string name;
    std::int64_t meter_id = 0;
    Make make_again;
    std::unique_ptr<Source> source; // null while down
    Clock::time_point started_at;
    bool died = false; // set by the source's thread; the supervisor acts on it
    std::string why;
    RestartBackoff backoff;
    Clock::time_point restart_at;
    SourceHealth health;
  };

  // The supervisor's thread: buries dead sources, restarts them when due.
  void supervise();
  // Starts `source` as the watched one's current (mutex_ held); its death
  // is noted under the mutex and wakes the supervisor's thread.
  void start_locked(Watched &watched, std::unique_ptr<Source> source);
  // Takes a dead source off (to be joined outside the mutex) and
  // schedules its restart (mutex_ held).
  [[nodiscard]] std::unique_ptr<Source> bury(Watched &watched, Clock::time_point now);
  void schedule_restart(Watched &watched, Clock::time_point now, Micros ran_for,
                        const std::string &why);
  // Makes a fresh source outside the mutex and starts it, or schedules
  // the next try (`lock` held on entry and on return).
  void restart(Watched &watched, std::unique_lock<std::mutex> &lock);
  void tell_changed();

  BackoffSettings backoff_settings_;
  Changed changed_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::unique_ptr<Watched>> watched_;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace pulsemon

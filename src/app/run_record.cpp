#include "app/run_record.h"

#include "core/time_text.h"

#include <spdlog/spdlog.h>

namespace pulsemon {

RunRecord::RunRecord(Store &store, TimeSource &time)
    : store_(store), time_(time), next_heartbeat_(time.monotonic_now() + run_heartbeat) {
  begin();
}

void RunRecord::begin() {
  const UtcTime now = time_.wall_now();
  std::vector<DaemonRun> before;
  try {
    before = store_.runs_around(now, now, 0);
    id_ = store_.begin_run(now);
  } catch (const std::exception &failure) {
    spdlog::warn("could not record that pulsemon started (tried again in {} s): {}",
                 std::chrono::duration_cast<std::chrono::seconds>(run_heartbeat).count(),
                 failure.what());
    return;
  }
  if (before.empty()) {
    return;
  }
  const DaemonRun &last = before.back();
  const Micros down = now - last.alive;
  if (down < shortest_downtime) {
    return;
  }
  spdlog::warn("pulsemon was not running from {}{} to {} ({}): pulses from GPIO lines and "
               "simulators in that time were not counted, and charts and Health show it as a "
               "gap (sensor nodes send what they kept)",
               last.stopped_cleanly ? "" : "about ", format_utc(last.alive), format_utc(now),
               duration_text(down));
}

void RunRecord::heartbeat() {
  if (time_.monotonic_now() < next_heartbeat_) {
    return;
  }
  next_heartbeat_ = time_.monotonic_now() + run_heartbeat;
  if (!id_) {
    begin();
    return;
  }
  try {
    store_.keep_run(*id_, time_.wall_now(), false);
  } catch (const std::exception &failure) {
    spdlog::warn("could not record that pulsemon is running (tried again in {} s): {}",
                 std::chrono::duration_cast<std::chrono::seconds>(run_heartbeat).count(),
                 failure.what());
  }
}

void RunRecord::stop() {
  if (id_) {
    store_.keep_run(*id_, time_.wall_now(), true);
  }
}

} // namespace pulsemon

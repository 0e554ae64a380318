#pragma once
// This run of `serve` in the store (core/downtime.h): begun at start, a
// heartbeat while it runs, and its clean stop, so that the time pulsemon
// was not running shows as a gap. Says in the log how long it was down
// before this run.

#include "clock/time_source.h"
#include "store/store.h"

#include <cstdint>
#include <optional>

namespace pulsemon {

class RunRecord {
public:
  // `store` is the calling thread's handle and must outlive this. A store
  // that cannot be written now (a full disk, read-only) does not stop
  // serve: the run is begun at the first heartbeat that can write it.
  RunRecord(Store &store, TimeSource &time);
  RunRecord(const RunRecord &) = delete;
  RunRecord &operator=(const RunRecord &) = delete;

  // Records that the daemon is alive, every run_heartbeat at most.
  void heartbeat();
  // Records the clean stop.
  void stop();

private:
  void begin();

  Store &store_;
  TimeSource &time_;
  std::optional<std::int64_t> id_; // empty until the run is recorded
  MonoTime next_heartbeat_;
};

} // namespace pulsemon

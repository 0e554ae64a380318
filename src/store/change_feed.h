#pragma once
// The change feed: the pulses every instance of pulsemon on one shared
// store committed, in commit order, so that each instance's live figures,
// live stream and MQTT-out follow the pulses the others stored (a node's
// upload taken by instance A reaches a browser connected to instance B).
// A backend that serves one process only (SQLite, memory) has none: there
// the in-process bus (store/pulse_bus.h) already carries every commit.
//
// The feed is for following, not for keeping: the store is the truth, and
// an entry older than a few minutes may be gone.
//
// Thread safety: none; one thread follows one feed.

#include "core/time.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace pulsemon {

// The pulses one write transaction stored for one meter (new ones only:
// a duplicate is not in the feed), and which instance stored them.
struct FeedEntry {
  std::int64_t position = 0; // ascending in commit order
  std::string origin;        // StoreOptions::feed_origin of the handle that committed
  std::int64_t meter_id = 0;
  std::vector<UtcTime> pulses;
};

class ChangeFeed {
public:
  ChangeFeed() = default;
  ChangeFeed(const ChangeFeed &) = delete;
  ChangeFeed &operator=(const ChangeFeed &) = delete;
  virtual ~ChangeFeed() = default;

  // The position of the latest entry (0 when there is none): following
  // from here sees what is committed from now on.
  [[nodiscard]] virtual std::int64_t head() = 0;
  // Up to `limit` entries after `position`, oldest first.
  [[nodiscard]] virtual std::vector<FeedEntry> after(std::int64_t position, std::size_t limit) = 0;
  // Returns when an entry may have come, or after `timeout` (also when the
  // store cannot be reached: the caller reads and finds out).
  virtual void wait(std::chrono::milliseconds timeout) = 0;
  // Drops entries older than `age` (best effort: throws when the store
  // cannot be reached).
  virtual void forget_older_than(std::chrono::seconds age) = 0;
};

} // namespace pulsemon

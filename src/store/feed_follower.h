#pragma once
// Brings the pulses other instances commit into this instance's bus: a
// thread follows the store's change feed (store/change_feed.h) and
// publishes every entry another origin committed, so that the live
// figures, the live stream and MQTT-out show them as they show this
// instance's own. Entries of its own origin are left out: those reached
// the bus from the commit that made them.
//
// A store that cannot be reached is said once in the log, and again when
// it answers; the follower carries on from where it was (entries older
// than the feed keeps are gone, and only the live surfaces miss them).

#include "store/change_feed.h"
#include "store/pulse_bus.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

namespace pulsemon {

class FeedFollower {
public:
  // Reads where the feed stands now (throws Failure when it cannot); the
  // following starts there.
  FeedFollower(std::unique_ptr<ChangeFeed> feed, std::string own_origin, PulseBus &bus);
  ~FeedFollower() { stop(); }
  FeedFollower(const FeedFollower &) = delete;
  FeedFollower &operator=(const FeedFollower &) = delete;

  void start();
  void stop();
  // Entries of other instances published so far.
  [[nodiscard]] std::uint64_t followed() const { return followed_; }

private:
  void follow(const std::stop_token &stop);
  void read_new_entries();

  std::unique_ptr<ChangeFeed> feed_;
  std::string own_origin_;
  PulseBus &bus_;
  std::int64_t position_ = 0;
  std::atomic<std::uint64_t> followed_{0};
  std::jthread thread_;
};

} // namespace pulsemon

#pragma once
// Keeps each friend's share fresh (core/friend_link.h): a thread of its own
// with a store connection of its own fetches every friend's share when it
// is added, when a household asks, and then every `every` (at least an
// hour), with the kept copy's ETag; each answer is checked
// (friends/share_document.h) and the friend's state, reason and copy kept.
//
// What a fetch's answer makes of a friend is after_fetch, pure: a revoked
// or expired link drops the kept figures (the friend took back what they
// gave); an unreachable friend or a refused answer keeps the last good
// copy, shown with its age.

#include "clock/time_source.h"
#include "core/friend_link.h"
#include "friends/share_fetcher.h"
#include "store/store.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

namespace pulsemon {

[[nodiscard]] FriendLink after_fetch(FriendLink link, const FetchAnswer &answer, UtcTime now);

class FriendRefresher {
public:
  FriendRefresher(std::unique_ptr<Store> store, FetchLimits limits, std::chrono::minutes every,
                  TimeSource &time);
  ~FriendRefresher();
  FriendRefresher(const FriendRefresher &) = delete;
  FriendRefresher &operator=(const FriendRefresher &) = delete;

  // Fetches the friend's share soon (a new friend, a household's "refresh
  // now"). Thread-safe.
  void refresh_soon(std::int64_t friend_id);

private:
  void run();
  void refresh_due();

  std::unique_ptr<Store> store_;
  FetchLimits limits_;
  std::chrono::minutes every_;
  TimeSource &time_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::set<std::int64_t> asked_; // under mutex_
  bool stopping_ = false;        // under mutex_
  std::thread thread_;
};

} // namespace pulsemon

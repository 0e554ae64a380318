#pragma once
// Counts failures per key (a client address, a user name) in a sliding
// window and says when a key must wait. Pure: times come in as arguments.
// Memory is bounded: keys whose failures have all aged out are forgotten,
// and beyond max_keys the oldest keys are dropped first.

#include "core/time.h"

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <string>

namespace pulsemon {

// How long a key must wait that has `failures` within the window, the
// oldest of them `oldest_age` ago: until that one ages out, once the key
// has `max_failures`; at least a second then.
[[nodiscard]] std::chrono::seconds wait_until_free(std::size_t failures, Micros oldest_age,
                                                   std::size_t max_failures,
                                                   std::chrono::seconds window);

class FailureLimiter {
public:
  FailureLimiter(std::size_t max_failures, std::chrono::seconds window,
                 std::size_t max_keys = 10'000)
      : max_failures_(max_failures), window_(window), max_keys_(max_keys) {}

  // Zero when `key` may try now; otherwise how long until it may.
  [[nodiscard]] std::chrono::seconds wait_time(const std::string &key, MonoTime now);
  void record_failure(const std::string &key, MonoTime now);
  void forget(const std::string &key) { failures_.erase(key); }
  // Keys with failures in memory (never more than max_keys).
  [[nodiscard]] std::size_t keys() const { return failures_.size(); }

private:
  void age_out(std::deque<MonoTime> &times, MonoTime now) const;

  std::size_t max_failures_;
  std::chrono::seconds window_;
  std::size_t max_keys_;
  std::map<std::string, std::deque<MonoTime>> failures_;
};

} // namespace pulsemon

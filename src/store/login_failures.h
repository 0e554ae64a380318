#pragma once
// Failed logins kept in the store, so that the login limits hold across
// every instance on it: a client that guesses passwords gets five tries a
// minute, not five per instance behind the load balancer. A store one
// process serves has none; the API's own limiters (core/rate_limiter.h)
// then count alone.

#include "core/time.h"

#include <cstdint>
#include <optional>
#include <string>

namespace pulsemon {

// A key's failures since a time: how many, and the oldest of them.
struct FailureWindow {
  std::int64_t count = 0;
  std::optional<UtcTime> oldest;
};

class SharedLoginFailures {
public:
  SharedLoginFailures() = default;
  SharedLoginFailures(const SharedLoginFailures &) = delete;
  SharedLoginFailures &operator=(const SharedLoginFailures &) = delete;
  virtual ~SharedLoginFailures() = default;

  // Records a failure of `key` at `at`, and drops every failure before
  // `forget_before` (bounded however many keys an attacker makes up).
  virtual void record(const std::string &key, UtcTime at, UtcTime forget_before) = 0;
  [[nodiscard]] virtual FailureWindow since(const std::string &key, UtcTime from) = 0;
  virtual void forget(const std::string &key) = 0;
};

} // namespace pulsemon

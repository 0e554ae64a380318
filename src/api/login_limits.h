#pragma once
// The limits on failed logins: five a minute for a user from one address,
// so that someone's wrong guesses turn away neither the same user
// elsewhere nor another user behind the same address (a household's
// router); and a ceiling of thirty a minute per address, whatever the user
// names. Counted in this process, and in the store as well where several
// instances share it (store/login_failures.h), so that a client cannot
// multiply its guesses by the number of instances behind a load balancer.
//
// Thread safety: none; the API's handlers' thread uses it.

#include "core/rate_limiter.h"
#include "store/login_failures.h"

#include <chrono>
#include <string>

namespace pulsemon {

class LoginLimits {
public:
  // `shared`: the store's shared failures, or null (counted here only).
  explicit LoginLimits(SharedLoginFailures *shared) : shared_(shared) {}

  // Zero when the user may try from the address now; otherwise how long
  // until it may. Throws Failure when the shared store cannot be read.
  [[nodiscard]] std::chrono::seconds wait(const std::string &user, const std::string &address,
                                          MonoTime now, UtcTime wall_now);
  void failed(const std::string &user, const std::string &address, MonoTime now, UtcTime wall_now);
  // A right password forgets the user's failures from that address.
  void succeeded(const std::string &user, const std::string &address);

private:
  FailureLimiter by_user_at_address_{per_user_at_address, window};
  FailureLimiter by_address_{per_address, window};
  SharedLoginFailures *shared_;

  static constexpr std::size_t per_user_at_address = 5;
  static constexpr std::size_t per_address = 30;
  static constexpr std::chrono::seconds window{60};
};

} // namespace pulsemon

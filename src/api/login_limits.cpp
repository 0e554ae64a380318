#include "api/login_limits.h"

#include <algorithm>

namespace pulsemon {

namespace {

// The limiters' keys. In this process: the user name and the address with
// a NUL between (a user name holds none). In the store, whose text holds
// no NUL: a kind and the user name's length in front.
std::string user_at_address(const std::string &user, const std::string &address) {
  std::string key = user;
  key += '\0';
  key += address;
  return key;
}

std::string stored_user_key(const std::string &user, const std::string &address) {
  return "user " + std::to_string(user.size()) + " " + user + " " + address;
}

std::string stored_address_key(const std::string &address) {
  return "address " + address;
}

} // namespace

std::chrono::seconds LoginLimits::wait(const std::string &user, const std::string &address,
                                       MonoTime now, UtcTime wall_now) {
  std::chrono::seconds longest =
      std::max(by_address_.wait_time(address, now),
               by_user_at_address_.wait_time(user_at_address(user, address), now));
  if (shared_ != nullptr) {
    const auto shared_wait = [&](const std::string &key, std::size_t max_failures) {
      const FailureWindow failures = shared_->since(key, wall_now - window);
      return failures.oldest ? wait_until_free(static_cast<std::size_t>(failures.count),
                                               wall_now - *failures.oldest, max_failures, window)
                             : std::chrono::seconds{0};
    };
    longest = std::max({longest, shared_wait(stored_address_key(address), per_address),
                        shared_wait(stored_user_key(user, address), per_user_at_address)});
  }
  return longest;
}

void LoginLimits::failed(const std::string &user, const std::string &address, MonoTime now,
                         UtcTime wall_now) {
  by_address_.record_failure(address, now);
  by_user_at_address_.record_failure(user_at_address(user, address), now);
  if (shared_ != nullptr) {
    shared_->record(stored_address_key(address), wall_now, wall_now - window);
    shared_->record(stored_user_key(user, address), wall_now, wall_now - window);
  }
}

void LoginLimits::succeeded(const std::string &user, const std::string &address) {
  by_user_at_address_.forget(user_at_address(user, address));
  if (shared_ != nullptr) {
    shared_->forget(stored_user_key(user, address));
  }
}

} // namespace pulsemon

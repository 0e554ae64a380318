#include "core/rate_limiter.h"

#include <algorithm>

namespace pulsemon {

void FailureLimiter::age_out(std::deque<MonoTime> &times, MonoTime now) const {
  while (!times.empty() && now - times.front() >= window_) {
    times.pop_front();
  }
}

std::chrono::seconds FailureLimiter::wait_time(const std::string &key, MonoTime now) {
  const auto found = failures_.find(key);
  if (found == failures_.end()) {
    return std::chrono::seconds{0};
  }
  age_out(found->second, now);
  if (found->second.empty()) {
    failures_.erase(found);
    return std::chrono::seconds{0};
  }
  return wait_until_free(found->second.size(), now - found->second.front(), max_failures_, window_);
}

std::chrono::seconds wait_until_free(std::size_t failures, Micros oldest_age,
                                     std::size_t max_failures, std::chrono::seconds window) {
  if (failures < max_failures) {
    return std::chrono::seconds{0};
  }
  // Free again when the oldest failure in the window ages out.
  return std::max(std::chrono::seconds{1},
                  std::chrono::ceil<std::chrono::seconds>(window - oldest_age));
}

void FailureLimiter::record_failure(const std::string &key, MonoTime now) {
  if (failures_.size() >= max_keys_ && !failures_.contains(key)) {
    // Drop keys whose failures aged out; if none did, the stalest one.
    for (auto it = failures_.begin(); it != failures_.end();) {
      age_out(it->second, now);
      it = it->second.empty() ? failures_.erase(it) : std::next(it);
    }
    if (failures_.size() >= max_keys_) {
      const auto stalest =
          std::min_element(failures_.begin(), failures_.end(), [](const auto &a, const auto &b) {
            return a.second.back() < b.second.back();
          });
      failures_.erase(stalest);
    }
  }
  auto &times = failures_[key];
  age_out(times, now);
  times.push_back(now);
}

} // namespace pulsemon

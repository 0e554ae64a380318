#include "clock/time_source.h"

#include <algorithm>
#include <chrono>

namespace pulsemon {

namespace {

class RealTime final : public TimeSource {
public:
  UtcTime wall_now() override {
    return std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now());
  }

  MonoTime monotonic_now() override {
    return MonoTime{
        std::chrono::duration_cast<Micros>(std::chrono::steady_clock::now().time_since_epoch())};
  }

  bool wait_until(std::condition_variable &wake, std::unique_lock<std::mutex> &lock,
                  MonoTime deadline, const std::function<bool()> &done) override {
    const std::chrono::steady_clock::time_point steady_deadline{
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            deadline.time_since_epoch())};
    return wake.wait_until(lock, steady_deadline, done);
  }
};

} // namespace

TimeSource &real_time() {
  static RealTime clocks;
  return clocks;
}

SimulatedTime::SimulatedTime(UtcTime wall_start, MonoTime monotonic_start)
    : wall_(wall_start), monotonic_(monotonic_start) {}

UtcTime SimulatedTime::wall_now() {
  const std::lock_guard lock(mutex_);
  return wall_;
}

MonoTime SimulatedTime::monotonic_now() {
  const std::lock_guard lock(mutex_);
  return monotonic_;
}

bool SimulatedTime::wait_until(std::condition_variable &wake, std::unique_lock<std::mutex> &lock,
                               MonoTime deadline, const std::function<bool()> &done) {
  Waiter me{&wake, lock.mutex(), 0};
  {
    const std::lock_guard state(mutex_);
    me.seen_advance = advances_ - 1; // not yet looked
    waiters_.push_back(&me);
  }
  while (!done()) {
    {
      const std::lock_guard state(mutex_);
      if (monotonic_ >= deadline) {
        break;
      }
      me.seen_advance = advances_;
      looked_.notify_all();
    }
    // advance() takes `lock`'s mutex before it notifies, so its wake-up
    // cannot fall between the look above and this wait.
    wake.wait(lock);
  }
  const std::lock_guard state(mutex_);
  std::erase(waiters_, &me);
  looked_.notify_all();
  return done();
}

void SimulatedTime::advance(Micros span) {
  std::vector<Waiter> to_wake;
  {
    const std::lock_guard state(mutex_);
    wall_ += span;
    monotonic_ += span;
    ++advances_;
    for (const Waiter *waiter : waiters_) {
      to_wake.push_back(*waiter);
    }
  }
  for (const Waiter &waiter : to_wake) {
    const std::lock_guard owner(*waiter.mutex);
    waiter.wake->notify_all();
  }
}

bool SimulatedTime::settle(std::size_t waiting) {
  std::unique_lock state(mutex_);
  return looked_.wait_for(state, std::chrono::minutes{1}, [&] {
    return waiters_.size() >= waiting &&
           std::all_of(waiters_.begin(), waiters_.end(),
                       [&](const Waiter *waiter) { return waiter->seen_advance == advances_; });
  });
}

} // namespace pulsemon

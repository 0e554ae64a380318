#pragma once
// Where the threads that keep time (the writer, the MQTT publisher, the
// API, the daemon) read the clocks and wait for a moment, in the manner of
// Envoy's TimeSource: the real clocks in the daemon, a SimulatedTime in
// tests, which move time on instead of sleeping through it and can say
// when every waiting thread has seen the moved time (settle), so that
// "nothing happened before the interval" is a check, not a guess.

#include "core/time.h"

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

namespace pulsemon {

class TimeSource {
public:
  virtual ~TimeSource() = default;

  // The system clock (dates, storage keys) and a monotonic clock (intervals,
  // deadlines): see core/time.h for why they are different types.
  [[nodiscard]] virtual UtcTime wall_now() = 0;
  [[nodiscard]] virtual MonoTime monotonic_now() = 0;

  // Waits on `wake`, whose mutex `lock` holds, until done() is true or the
  // monotonic clock reaches `deadline`; returns done(). As
  // std::condition_variable::wait_until, with the deadline on this clock.
  virtual bool wait_until(std::condition_variable &wake, std::unique_lock<std::mutex> &lock,
                          MonoTime deadline, const std::function<bool()> &done) = 0;

  bool wait_for(std::condition_variable &wake, std::unique_lock<std::mutex> &lock, Micros span,
                const std::function<bool()> &done) {
    return wait_until(wake, lock, monotonic_now() + span, done);
  }
};

// The process's real clocks (CLOCK_REALTIME and CLOCK_MONOTONIC).
[[nodiscard]] TimeSource &real_time();

// A time that moves only when told. Thread safety: every call from any
// thread; advance() and settle() from the test's thread. A thread waiting
// in wait_until must not be destroyed (with its condition variable and
// mutex) while advance() runs.
class SimulatedTime final : public TimeSource {
public:
  explicit SimulatedTime(UtcTime wall_start, MonoTime monotonic_start = MonoTime{});

  [[nodiscard]] UtcTime wall_now() override;
  [[nodiscard]] MonoTime monotonic_now() override;
  bool wait_until(std::condition_variable &wake, std::unique_lock<std::mutex> &lock,
                  MonoTime deadline, const std::function<bool()> &done) override;

  // Moves both clocks on by `span` and wakes every waiting thread to look.
  void advance(Micros span);

  // Blocks until at least `waiting` threads wait in wait_until and each has
  // looked at the time since the last advance() and found its moment not
  // yet come (or a real minute passed: a test that expects a thread that
  // never waits fails rather than hangs). Returns whether they did.
  bool settle(std::size_t waiting = 1);

private:
  struct Waiter {
    std::condition_variable *wake;
    std::mutex *mutex;
    std::uint64_t seen_advance;
  };

  std::mutex mutex_;
  std::condition_variable looked_;
  UtcTime wall_;
  MonoTime monotonic_;
  std::uint64_t advances_ = 0;
  std::vector<Waiter *> waiters_;
};

} // namespace pulsemon

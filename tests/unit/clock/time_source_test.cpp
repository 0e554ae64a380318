// SimulatedTime: a thread waiting on it wakes when time is moved past its
// deadline and not before, and settle() says when it has looked.
#include "clock/time_source.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace pulsemon {
namespace {

using namespace std::chrono_literals;

TEST(SimulatedTime, MovesOnlyWhenToldAndBothClocksTogether) {
  SimulatedTime time(utc_from_epoch_us(1'000'000), mono_from_us(5));
  EXPECT_EQ(time.wall_now(), utc_from_epoch_us(1'000'000));
  EXPECT_EQ(time.monotonic_now(), mono_from_us(5));
  time.advance(250ms);
  EXPECT_EQ(time.wall_now(), utc_from_epoch_us(1'250'000));
  EXPECT_EQ(time.monotonic_now(), mono_from_us(250'005));
}

TEST(SimulatedTime, AWaitEndsAtItsDeadlineAndNotBefore) {
  SimulatedTime time(utc_from_epoch_us(0));
  std::mutex mutex;
  std::condition_variable wake;
  std::atomic<bool> returned{false};
  std::thread waiter([&] {
    std::unique_lock lock(mutex);
    (void)time.wait_for(wake, lock, 100ms, [] { return false; });
    returned = true;
  });
  ASSERT_TRUE(time.settle(1));
  time.advance(99ms);
  ASSERT_TRUE(time.settle(1)) << "the waiter looked at the new time and waits on";
  EXPECT_FALSE(returned.load());
  {
    // A wake-up without news (a notify) does not end the wait either.
    const std::lock_guard lock(mutex);
    wake.notify_all();
  }
  ASSERT_TRUE(time.settle(1));
  EXPECT_FALSE(returned.load());
  time.advance(1ms);
  waiter.join();
  EXPECT_TRUE(returned.load());
}

TEST(SimulatedTime, AWaitEndsWhenItsConditionHoldsWithoutTimeMoving) {
  SimulatedTime time(utc_from_epoch_us(0));
  std::mutex mutex;
  std::condition_variable wake;
  bool ready = false;
  bool result = false;
  std::thread waiter([&] {
    std::unique_lock lock(mutex);
    result = time.wait_for(wake, lock, std::chrono::hours{1}, [&] { return ready; });
  });
  ASSERT_TRUE(time.settle(1));
  {
    const std::lock_guard lock(mutex);
    ready = true;
  }
  wake.notify_all();
  waiter.join();
  EXPECT_TRUE(result);
  EXPECT_EQ(time.monotonic_now(), MonoTime{}) << "no time passed";
}

} // namespace
} // namespace pulsemon

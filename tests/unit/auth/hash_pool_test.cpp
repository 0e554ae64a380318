// The pool that checks passwords off the API's event loop: jobs run on its
// workers, the queue is bounded, and stop() ends it without running what
// still waits. (Also run under ThreadSanitizer by scripts/test.)
#include "auth/hash_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace pulsemon::auth {
namespace {

// Holds every job at a gate until opened, so the test decides what runs.
struct Gate {
  std::mutex mutex;
  std::condition_variable opened_cv;
  bool opened = false;
  void wait() {
    std::unique_lock lock(mutex);
    opened_cv.wait(lock, [this] { return opened; });
  }
  void open() {
    {
      std::lock_guard lock(mutex);
      opened = true;
    }
    opened_cv.notify_all();
  }
};

TEST(HashPool, RunsJobsOnItsWorkersAndRefusesBeyondTheQueue) {
  Gate gate;
  std::atomic<int> started{0};
  std::atomic<int> finished{0};
  const auto job = [&] {
    ++started;
    gate.wait();
    ++finished;
  };
  HashPool pool(2, 3);
  ASSERT_TRUE(pool.submit(job));
  ASSERT_TRUE(pool.submit(job));
  while (started < 2) {
    std::this_thread::yield(); // both workers are busy at the gate
  }
  EXPECT_TRUE(pool.submit(job));
  EXPECT_TRUE(pool.submit(job));
  EXPECT_TRUE(pool.submit(job));
  EXPECT_FALSE(pool.submit(job)) << "three wait already: the fourth is turned away";
  gate.open();
  while (finished < 5) {
    std::this_thread::yield();
  }
  EXPECT_TRUE(pool.submit(job)) << "room again once the queue drained";
  while (finished < 6) {
    std::this_thread::yield();
  }
  pool.stop();
  EXPECT_FALSE(pool.submit(job)) << "a stopped pool takes nothing";
}

TEST(HashPool, StopFinishesRunningJobsAndDropsWaitingOnes) {
  Gate gate;
  std::atomic<int> started{0};
  std::atomic<int> finished{0};
  // A queue far longer than this test fills: a refused submit can only mean
  // that stop() has begun, and with it dropped what waits.
  HashPool pool(1, 1'000'000);
  const auto job = [&] {
    ++started;
    gate.wait();
    ++finished;
  };
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(pool.submit(job));
  }
  while (started < 1) {
    std::this_thread::yield();
  }
  std::thread stopper([&] { pool.stop(); });
  while (pool.submit(job)) {
    std::this_thread::yield();
  }
  gate.open(); // only now may the running job end
  stopper.join();
  EXPECT_EQ(started, 1) << "the waiting jobs never start";
  EXPECT_EQ(finished, 1) << "the running job ends";
}

} // namespace
} // namespace pulsemon::auth

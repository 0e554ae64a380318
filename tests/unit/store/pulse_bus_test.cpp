// The bus of committed pulses: a listener that takes its time holds up
// nobody's subscription, and a listener whose subscription has ended is
// called no more. ThreadSanitizer runs these too (recorder_tests).
#include "store/pulse_bus.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

namespace pulsemon {
namespace {

const CommittedPulses one_pulse{1, {utc_from_epoch_us(1'000'000)}};

TEST(PulseBus, ASlowListenerHoldsUpNoSubscription) {
  PulseBus bus;
  std::promise<void> entered;
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<bool> first{true};
  auto slow = bus.subscribe([&](const CommittedPulses &) {
    if (first.exchange(false)) {
      entered.set_value();
      released.wait();
    }
  });
  std::thread publisher([&] { bus.publish(one_pulse); });
  entered.get_future().wait(); // the slow listener runs now
  std::atomic<int> calls{0};
  auto quick = bus.subscribe([&](const CommittedPulses &) { ++calls; }); // does not wait
  release.set_value();
  publisher.join();
  bus.publish(CommittedPulses{1, {utc_from_epoch_us(2'000'000)}});
  EXPECT_EQ(calls.load(), 1);
}

TEST(PulseBus, AnEndedSubscriptionIsCalledNoMoreEvenWhileAPublicationRuns) {
  PulseBus bus;
  std::atomic<int> calls{0};
  std::atomic<bool> ended{false};
  std::atomic<bool> called_after_end{false};
  auto subscription = bus.subscribe([&](const CommittedPulses &) {
    if (ended) {
      called_after_end = true;
    }
    ++calls;
    std::this_thread::yield();
  });
  std::atomic<bool> stop{false};
  std::thread publisher([&] {
    while (!stop) {
      bus.publish(one_pulse);
    }
  });
  while (calls < 100) {
    std::this_thread::yield();
  }
  subscription.reset(); // waits for a call in progress
  ended = true;
  const int at_end = calls.load();
  std::this_thread::sleep_for(std::chrono::milliseconds{20});
  stop = true;
  publisher.join();
  EXPECT_EQ(calls.load(), at_end);
  EXPECT_FALSE(called_after_end.load());
}

} // namespace
} // namespace pulsemon

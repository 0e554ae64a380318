#include "core/rate_limiter.h"

#include <gtest/gtest.h>

namespace pulsemon {
namespace {

MonoTime at(int seconds) {
  return mono_from_us(seconds * 1'000'000LL);
}

TEST(FailureLimiter, AllowsFiveFailuresAMinuteThenSaysHowLongToWait) {
  FailureLimiter limiter(5, std::chrono::seconds{60});
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(limiter.wait_time("10.0.0.1", at(i)).count(), 0);
    limiter.record_failure("10.0.0.1", at(i));
  }
  EXPECT_EQ(limiter.wait_time("10.0.0.1", at(10)).count(), 50)
      << "the first failure ages out at 60 s";
  EXPECT_EQ(limiter.wait_time("10.0.0.2", at(10)).count(), 0) << "other keys are not affected";
  EXPECT_EQ(limiter.wait_time("10.0.0.1", at(60)).count(), 0);
}

TEST(FailureLimiter, ForgetClearsAKeyAfterASuccess) {
  FailureLimiter limiter(2, std::chrono::seconds{60});
  limiter.record_failure("alice", at(0));
  limiter.record_failure("alice", at(1));
  EXPECT_GT(limiter.wait_time("alice", at(2)).count(), 0);
  limiter.forget("alice");
  EXPECT_EQ(limiter.wait_time("alice", at(2)).count(), 0);
}

TEST(FailureLimiter, KeepsItsMemoryBounded) {
  FailureLimiter limiter(1, std::chrono::seconds{60}, 100);
  for (int i = 0; i < 1000; ++i) {
    limiter.record_failure("client" + std::to_string(i), at(i % 30));
    ASSERT_LE(limiter.keys(), 100U) << "after key " << i;
  }
  EXPECT_EQ(limiter.keys(), 100U);
  EXPECT_GT(limiter.wait_time("client999", at(30)).count(), 0) << "the newest key is kept";
  EXPECT_EQ(limiter.wait_time("client0", at(30)).count(), 0) << "the oldest went first";
}

} // namespace
} // namespace pulsemon

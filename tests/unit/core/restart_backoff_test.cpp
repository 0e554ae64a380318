#include "core/restart_backoff.h"

#include <gtest/gtest.h>

namespace pulsemon {
namespace {

using std::chrono::seconds;

TEST(RestartBackoff, DoublesForDeathsInARowUpToAMinute) {
  RestartBackoff backoff;
  EXPECT_EQ(backoff.after_death(Micros{0}), seconds{1});
  EXPECT_EQ(backoff.after_death(seconds{2}), seconds{2});
  EXPECT_EQ(backoff.after_death(Micros{0}), seconds{4});
  EXPECT_EQ(backoff.after_death(Micros{0}), seconds{8});
  EXPECT_EQ(backoff.after_death(Micros{0}), seconds{16});
  EXPECT_EQ(backoff.after_death(Micros{0}), seconds{32});
  EXPECT_EQ(backoff.after_death(Micros{0}), seconds{60});
  for (int i = 0; i < 100; ++i) { // no overflow however long it stays broken
    EXPECT_EQ(backoff.after_death(Micros{0}), seconds{60});
  }
  EXPECT_EQ(backoff.deaths_in_a_row(), 107U);
}

TEST(RestartBackoff, ASteadyRunStartsAgainFromTheFirstDelay) {
  RestartBackoff backoff;
  (void)backoff.after_death(Micros{0});
  (void)backoff.after_death(Micros{0});
  EXPECT_EQ(backoff.after_death(seconds{59}), seconds{4});
  EXPECT_EQ(backoff.after_death(seconds{60}), seconds{1});
  EXPECT_EQ(backoff.deaths_in_a_row(), 1U);
}

TEST(RestartBackoff, FollowsItsSettings) {
  RestartBackoff backoff(BackoffSettings{std::chrono::milliseconds{100}, seconds{1}, seconds{5}});
  EXPECT_EQ(backoff.after_death(Micros{0}), std::chrono::milliseconds{100});
  EXPECT_EQ(backoff.after_death(Micros{0}), std::chrono::milliseconds{200});
  EXPECT_EQ(backoff.after_death(Micros{0}), std::chrono::milliseconds{400});
  EXPECT_EQ(backoff.after_death(Micros{0}), std::chrono::milliseconds{800});
  EXPECT_EQ(backoff.after_death(Micros{0}), seconds{1});
  EXPECT_EQ(backoff.after_death(seconds{5}), std::chrono::milliseconds{100});
}

} // namespace
} // namespace pulsemon

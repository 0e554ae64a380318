#include "core/downtime.h"

#include <gtest/gtest.h>

namespace pulsemon {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

const UtcTime t0 = utc_from_epoch_us(1'774'000'000'000'000);

TEST(Downtime, IsTheTimeBetweenOneRunsLastSignAndTheNextStart) {
  const std::vector<DaemonRun> runs{
      {1, t0, t0 + hours{2}, true},                           // stopped cleanly at 02:00
      {2, t0 + hours{5}, t0 + hours{6}, false},               // crashed after its 06:00 heartbeat
      {3, t0 + hours{8}, t0 + hours{9}, true},                // stopped at 09:00
      {4, t0 + hours{9} + seconds{3}, t0 + hours{10}, false}, // a 3 s restart: not told
  };
  const auto found = downtimes_between(runs, t0, t0 + hours{24});
  ASSERT_EQ(found.size(), 2U);
  EXPECT_EQ(found[0].from, t0 + hours{2});
  EXPECT_EQ(found[0].to, t0 + hours{5});
  EXPECT_TRUE(found[0].exact);
  EXPECT_EQ(found[1].from, t0 + hours{6});
  EXPECT_EQ(found[1].to, t0 + hours{8});
  EXPECT_FALSE(found[1].exact) << "after a crash, the last heartbeat only bounds it";
}

TEST(Downtime, IsClippedToTheRangeAskedFor) {
  const std::vector<DaemonRun> runs{{1, t0, t0 + hours{2}, true},
                                    {2, t0 + hours{5}, t0 + hours{6}, true}};
  const auto inside = downtimes_between(runs, t0 + hours{3}, t0 + hours{4});
  ASSERT_EQ(inside.size(), 1U);
  EXPECT_EQ(inside[0].from, t0 + hours{3});
  EXPECT_EQ(inside[0].to, t0 + hours{4});
  EXPECT_TRUE(downtimes_between(runs, t0 + hours{5}, t0 + hours{6}).empty());
  EXPECT_TRUE(downtimes_between(runs, t0, t0 + hours{2}).empty()) << "ends where it begins";
  EXPECT_TRUE(downtimes_between(runs, t0 + hours{4}, t0 + hours{3}).empty());
}

TEST(Downtime, NoneBeforeTheFirstRunNorAfterTheRunningOne) {
  const std::vector<DaemonRun> one{{1, t0 + hours{1}, t0 + hours{2}, false}};
  EXPECT_TRUE(downtimes_between(one, t0, t0 + hours{24}).empty());
  EXPECT_TRUE(downtimes_between({}, t0, t0 + hours{24}).empty());
  const std::vector<DaemonRun> just_over{
      {1, t0, t0 + minutes{1}, true},
      {2, t0 + minutes{1} + shortest_downtime, t0 + hours{1}, false}};
  EXPECT_EQ(downtimes_between(just_over, t0, t0 + hours{1}).size(), 1U);
}

} // namespace
} // namespace pulsemon

#include "core/register.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace pulsemon {
namespace {

UtcTime at(std::int64_t seconds) {
  return utc_from_epoch_us(seconds * 1'000'000);
}

// Counts pulses in (after, until] over a plain vector, as the store would.
PulseCounter counter_over(const std::vector<UtcTime> &pulses) {
  return [&pulses](std::optional<UtcTime> after, UtcTime until) {
    return static_cast<std::int64_t>(std::count_if(pulses.begin(), pulses.end(), [&](UtcTime p) {
      return (!after || p > *after) && p <= until;
    }));
  };
}

std::vector<UtcTime> pulses_every_second(std::int64_t from, std::int64_t to) {
  std::vector<UtcTime> pulses;
  for (std::int64_t s = from; s < to; ++s) {
    pulses.push_back(at(s));
  }
  return pulses;
}

TEST(Register, WithoutRecordsIsThePulsesCounted) {
  const auto pulses = pulses_every_second(1, 2001);
  const RegisterState state = register_at({}, at(3000), 1000.0, counter_over(pulses));
  EXPECT_DOUBLE_EQ(state.register_value, 2.0);
  EXPECT_DOUBLE_EQ(state.total, 2.0);
}

TEST(Register, FollowsAReadingAndCountsOnFromIt) {
  const auto pulses = pulses_every_second(1, 2001);
  const std::vector<RegisterRecord> records{{at(1000), 12345.6, false}};
  const RegisterState state = register_at(records, at(3000), 1000.0, counter_over(pulses));
  EXPECT_NEAR(state.register_value, 12346.6, 1e-9);
  EXPECT_NEAR(state.total, 12346.6, 1e-9);
  const RegisterState before = register_at(records, at(500), 1000.0, counter_over(pulses));
  EXPECT_NEAR(before.total, 0.5, 1e-9) << "records after t are ignored";
}

TEST(Register, AReplacementRestartsTheRegisterButNotTheTotal) {
  const auto pulses = pulses_every_second(1, 3001);
  const std::vector<RegisterRecord> records{{at(1000), 500.0, false}, {at(2000), 0.0, true}};
  const RegisterState state = register_at(records, at(3000), 1000.0, counter_over(pulses));
  EXPECT_NEAR(state.register_value, 1.0, 1e-9) << "the new meter counted 1000 pulses";
  EXPECT_NEAR(state.total, 502.0, 1e-9) << "500 + 1 before the swap, + 1 after";
}

TEST(Register, TheTotalNeverGoesBackwards) {
  const auto pulses = pulses_every_second(1, 5001);
  const std::vector<RegisterRecord> records{{at(1000), 100.0, false},
                                            {at(2000), 3.0, true},
                                            {at(3000), 4.5, false},
                                            {at(4000), 0.0, true}};
  const PulseCounter count = counter_over(pulses);
  double previous = 0.0;
  for (std::int64_t s = 0; s <= 5000; s += 7) {
    const double total = register_at(records, at(s), 1000.0, count).total;
    EXPECT_GE(total, previous) << "at " << s;
    previous = total;
  }
}

TEST(Register, RefusesAReadingBelowWhatWasAlreadyCounted) {
  const auto pulses = pulses_every_second(1, 3001);
  const std::vector<RegisterRecord> records{{at(1000), 100.0, false}};
  const auto error =
      check_new_record(records, {at(2000), 100.5, false}, 1000.0, counter_over(pulses));
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, ErrorCode::invalid_argument);
  EXPECT_NE(error->message.find("101"), std::string::npos) << error->message;
  EXPECT_FALSE(check_new_record(records, {at(2000), 101.0, false}, 1000.0, counter_over(pulses)));
  EXPECT_FALSE(check_new_record(records, {at(2000), 0.0, true}, 1000.0, counter_over(pulses)))
      << "a replacement may start anywhere";
}

TEST(Register, RefusesAnEarlierReadingThatALaterOneCannotFollow) {
  const auto pulses = pulses_every_second(1, 3001);
  const std::vector<RegisterRecord> records{{at(2000), 100.0, false}};
  // 99.5 at 1000 s plus the 1000 pulses (1 kWh) since would pass 100.0 at 2000 s.
  EXPECT_TRUE(check_new_record(records, {at(1000), 99.5, false}, 1000.0, counter_over(pulses)));
  EXPECT_FALSE(check_new_record(records, {at(1000), 98.9, false}, 1000.0, counter_over(pulses)));
}

TEST(Register, RefusesTwoRecordsAtOneTimeAndNegativeValues) {
  const std::vector<UtcTime> none;
  const std::vector<RegisterRecord> records{{at(10), 1.0, false}};
  EXPECT_EQ(check_new_record(records, {at(10), 2.0, false}, 1000.0, counter_over(none))->code,
            ErrorCode::already_exists);
  EXPECT_EQ(check_new_record(records, {at(20), -1.0, true}, 1000.0, counter_over(none))->code,
            ErrorCode::invalid_argument);
}

} // namespace
} // namespace pulsemon

#include "core/gas.h"

#include <gtest/gtest.h>

#include <vector>

namespace pulsemon {
namespace {

UtcTime day(std::int64_t n) {
  return utc_from_epoch_us(n * 86'400'000'000);
}

TEST(Gas, ConvertsCubicMetresWithTheCalorificValueInForce) {
  const std::vector<CalorificValue> values{{day(0), 39.0, 1.0}, {day(30), 40.0, 1.02264}};
  EXPECT_DOUBLE_EQ(*gas_kwh(values, day(10), 3.6), 39.0);
  EXPECT_DOUBLE_EQ(*gas_kwh(values, day(30), 1.0), 1.02264 * 40.0 / 3.6)
      << "effective from its date";
  EXPECT_DOUBLE_EQ(*gas_kwh(values, day(99), 1.0), 1.02264 * 40.0 / 3.6);
}

TEST(Gas, HasNoAnswerBeforeTheFirstRecord) {
  const std::vector<CalorificValue> values{{day(5), 39.0, 1.0}};
  const auto result = gas_kwh(values, day(4), 1.0);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::not_found);
}

} // namespace
} // namespace pulsemon

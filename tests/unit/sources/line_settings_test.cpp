#include "sources/gpio/line_settings.h"

#include <gtest/gtest.h>

#include <cstring>

namespace pulsemon::gpio {
namespace {

TEST(LineRequest, FallingEdgesWithPullUpIsTheClassicSensorSetUp) {
  LineSettings settings;
  settings.edge = EdgeChoice::falling;
  settings.bias = Bias::pull_up;
  const gpio_v2_line_request request = make_line_request(17, settings, "pulsemon meter 1");
  EXPECT_EQ(request.num_lines, 1U);
  EXPECT_EQ(request.offsets[0], 17U);
  EXPECT_STREQ(request.consumer, "pulsemon meter 1");
  EXPECT_EQ(request.config.flags, GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_FALLING |
                                      GPIO_V2_LINE_FLAG_BIAS_PULL_UP);
  EXPECT_EQ(request.config.num_attrs, 0U) << "no debounce unless asked";
  EXPECT_GE(request.event_buffer_size, 16U);
  EXPECT_EQ(events_per_pulse(settings.edge), 1);
}

TEST(LineRequest, BothEdgesActiveLowDebounceAndRealtimeClockAreAllRequested) {
  LineSettings settings;
  settings.edge = EdgeChoice::both;
  settings.bias = Bias::disabled;
  settings.active_low = true;
  settings.debounce_period_us = 2500;
  settings.clock = EventClock::realtime;
  const gpio_v2_line_request request = make_line_request(4, settings, "pulsemon");
  EXPECT_EQ(request.config.flags,
            GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING |
                GPIO_V2_LINE_FLAG_EDGE_FALLING | GPIO_V2_LINE_FLAG_BIAS_DISABLED |
                GPIO_V2_LINE_FLAG_ACTIVE_LOW | GPIO_V2_LINE_FLAG_EVENT_CLOCK_REALTIME);
  ASSERT_EQ(request.config.num_attrs, 1U);
  EXPECT_EQ(request.config.attrs[0].attr.id,
            static_cast<std::uint32_t>(GPIO_V2_LINE_ATTR_ID_DEBOUNCE));
  EXPECT_EQ(request.config.attrs[0].attr.debounce_period_us, 2500U);
  EXPECT_EQ(request.config.attrs[0].mask, 1U);
  EXPECT_EQ(events_per_pulse(settings.edge), 2);
}

TEST(LineRequest, ALongConsumerNameIsCutAndStaysTerminated) {
  const std::string long_name(100, 'x');
  const gpio_v2_line_request request = make_line_request(0, LineSettings{}, long_name);
  EXPECT_EQ(std::strlen(request.consumer), sizeof(request.consumer) - 1);
}

TEST(LineSettingsText, NamesAreParsedAndBadOnesExplained) {
  EXPECT_EQ(*parse_edge_choice("both"), EdgeChoice::both);
  EXPECT_EQ(*parse_bias("pull-down"), Bias::pull_down);
  EXPECT_EQ(*parse_event_clock("hte"), EventClock::hte);
  const auto bad = parse_bias("pullup");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("pull-up"), std::string::npos);
}

} // namespace
} // namespace pulsemon::gpio

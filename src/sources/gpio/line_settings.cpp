#include "sources/gpio/line_settings.h"

#include "core/quoted_input.h"

#include <algorithm>
#include <cstring>

namespace pulsemon::gpio {

Result<EdgeChoice> parse_edge_choice(std::string_view text) {
  if (text == "falling") {
    return EdgeChoice::falling;
  }
  if (text == "rising") {
    return EdgeChoice::rising;
  }
  if (text == "both") {
    return EdgeChoice::both;
  }
  return invalid_argument(quoted_input(text) + " is not falling, rising or both");
}

Result<Bias> parse_bias(std::string_view text) {
  if (text == "pull-up") {
    return Bias::pull_up;
  }
  if (text == "pull-down") {
    return Bias::pull_down;
  }
  if (text == "disabled") {
    return Bias::disabled;
  }
  if (text == "as-is") {
    return Bias::as_is;
  }
  return invalid_argument(quoted_input(text) + " is not pull-up, pull-down, disabled or as-is");
}

Result<EventClock> parse_event_clock(std::string_view text) {
  if (text == "monotonic") {
    return EventClock::monotonic;
  }
  if (text == "realtime") {
    return EventClock::realtime;
  }
  if (text == "hte") {
    return EventClock::hte;
  }
  return invalid_argument(quoted_input(text) + " is not monotonic, realtime or hte");
}

int events_per_pulse(EdgeChoice edge) {
  return edge == EdgeChoice::both ? 2 : 1;
}

namespace {

std::uint64_t line_flags(const LineSettings &settings) {
  std::uint64_t flags = GPIO_V2_LINE_FLAG_INPUT;
  switch (settings.edge) {
  case EdgeChoice::falling:
    flags |= GPIO_V2_LINE_FLAG_EDGE_FALLING;
    break;
  case EdgeChoice::rising:
    flags |= GPIO_V2_LINE_FLAG_EDGE_RISING;
    break;
  case EdgeChoice::both:
    flags |= GPIO_V2_LINE_FLAG_EDGE_RISING | GPIO_V2_LINE_FLAG_EDGE_FALLING;
    break;
  }
  switch (settings.bias) {
  case Bias::as_is:
    break;
  case Bias::pull_up:
    flags |= GPIO_V2_LINE_FLAG_BIAS_PULL_UP;
    break;
  case Bias::pull_down:
    flags |= GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN;
    break;
  case Bias::disabled:
    flags |= GPIO_V2_LINE_FLAG_BIAS_DISABLED;
    break;
  }
  if (settings.active_low) {
    flags |= GPIO_V2_LINE_FLAG_ACTIVE_LOW;
  }
  switch (settings.clock) {
  case EventClock::monotonic:
    break; // the kernel's default
  case EventClock::realtime:
    flags |= GPIO_V2_LINE_FLAG_EVENT_CLOCK_REALTIME;
    break;
  case EventClock::hte:
    flags |= GPIO_V2_LINE_FLAG_EVENT_CLOCK_HTE;
    break;
  }
  return flags;
}

} // namespace

gpio_v2_line_request make_line_request(std::uint32_t offset, const LineSettings &settings,
                                       std::string_view consumer) {
  gpio_v2_line_request request{};
  request.offsets[0] = offset;
  request.num_lines = 1;
  const std::size_t length = std::min(consumer.size(), sizeof(request.consumer) - 1);
  std::memcpy(request.consumer, consumer.data(), length);
  request.config.flags = line_flags(settings);
  if (settings.debounce_period_us > 0) {
    gpio_v2_line_config_attribute &debounce = request.config.attrs[0];
    debounce.attr.id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE;
    debounce.attr.debounce_period_us = settings.debounce_period_us;
    debounce.mask = 1; // bit 0: the request's first (only) line
    request.config.num_attrs = 1;
  }
  // The kernel's queue per line; it drops the oldest events when full.
  // 0 asks for its default (16 per line); a Pi can stall for longer than
  // 16 pulses when the SD card is slow, so ask for more.
  request.event_buffer_size = 1024;
  return request;
}

} // namespace pulsemon::gpio

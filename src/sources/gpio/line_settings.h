#pragma once
// How one meter's GPIO line is requested from the kernel (config [[gpio]]),
// and the uAPI v2 request built from it. Building the request touches no
// device, so it is unit-tested against the kernel's structs.

#include "core/result.h"

#include <linux/gpio.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace pulsemon::gpio {

// Which edges make a pulse. falling / rising: only that edge is requested,
// one event per pulse. both: both edges, so the filter can judge pulse
// widths; the leading edge is the one that makes the line active (rising,
// or falling with active_low).
enum class EdgeChoice { falling, rising, both };
enum class Bias { as_is, pull_up, pull_down, disabled };
enum class EventClock { monotonic, realtime, hte };

[[nodiscard]] Result<EdgeChoice> parse_edge_choice(std::string_view text);
[[nodiscard]] Result<Bias> parse_bias(std::string_view text);
[[nodiscard]] Result<EventClock> parse_event_clock(std::string_view text);

struct LineSettings {
  std::int64_t meter_id = 0;
  std::string chip = "gpiochip0"; // a path (/dev/gpiochip0), a name (gpiochip0) or a label
  std::string line;               // an offset ("17") or a line name ("GPIO17")
  EdgeChoice edge = EdgeChoice::falling;
  Bias bias = Bias::pull_up;
  bool active_low = false;
  std::uint32_t debounce_period_us = 0; // 0: off; the pulse filter handles bounce
  EventClock clock = EventClock::monotonic;
};

// The kernel's request for `offset` with these settings; `consumer` is the
// name other tools (gpioinfo) show for the line while pulsemon holds it.
[[nodiscard]] gpio_v2_line_request
make_line_request(std::uint32_t offset, const LineSettings &settings, std::string_view consumer);

// Events per pulse: 2 when both edges are requested.
[[nodiscard]] int events_per_pulse(EdgeChoice edge);

} // namespace pulsemon::gpio

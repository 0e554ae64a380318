#pragma once
// Finding a GPIO chip and line and requesting it from the kernel, with
// errors that say what to do: which chips and lines exist, who holds a busy
// line, which group gives access.

#include "sources/file_descriptor.h"
#include "sources/gpio/line_settings.h"

#include <string>
#include <vector>

namespace pulsemon::gpio {

// "/dev/gpiochip0 [pinctrl-bcm2711] 58 lines", one per chip found.
[[nodiscard]] std::vector<std::string> describe_chips();

struct RequestedLine {
  FileDescriptor events; // read gpio_v2_line_event records from it
  std::string chip_path;
  std::uint32_t offset = 0;
  bool kernel_debounce = false; // false when the driver refused debounce
};

// Opens the chip, finds the line and requests it. Throws Failure naming the
// chip or line and what exists instead.
[[nodiscard]] RequestedLine request_line(const LineSettings &settings, std::string_view consumer);

} // namespace pulsemon::gpio

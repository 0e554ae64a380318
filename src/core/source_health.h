#pragma once
// How a source of pulses is faring, as the status line, sd_notify STATUS
// and /api/status tell it: running, or dead and waiting to be restarted,
// with the last reason it died.

#include "core/time.h"

#include <cstdint>
#include <optional>
#include <string>

namespace pulsemon {

struct SourceHealth {
  std::string name; // "GPIO /dev/gpiochip0 line 17"
  std::int64_t meter_id = 0;
  bool running = false;
  std::uint64_t restarts = 0;
  std::string condition;    // what is worth knowing while it runs ("" when all is well)
  std::string last_failure; // why it last died ("" when it never did)
  std::optional<UtcTime> last_failure_at;
  std::optional<UtcTime> restart_at; // when it is tried again, while it is down
};

} // namespace pulsemon

#pragma once
// Writing UTC instants in tests: utc(2026, 3, 29, 1, 30).

#include "core/time.h"

#include <date/date.h>

namespace pulsemon::testing {

inline UtcTime utc(int y, unsigned m, unsigned d, int h = 0, int min = 0, int s = 0) {
  return UtcTime{date::sys_days{date::year{y} / m / d}} + std::chrono::hours{h} +
         std::chrono::minutes{min} + std::chrono::seconds{s};
}

} // namespace pulsemon::testing

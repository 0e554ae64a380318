#include "core/restart_backoff.h"

#include <algorithm>

namespace pulsemon {

Micros RestartBackoff::after_death(Micros ran_for) {
  if (ran_for >= settings_.steady_after) {
    deaths_in_a_row_ = 0;
  }
  Micros delay = settings_.first;
  for (unsigned i = 0; i < deaths_in_a_row_ && delay < settings_.longest; ++i) {
    delay *= 2;
  }
  deaths_in_a_row_ += 1;
  return std::min(delay, settings_.longest);
}

} // namespace pulsemon

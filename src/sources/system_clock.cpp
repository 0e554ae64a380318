#include "sources/clock_reader.h"

#include <sys/timex.h>
#include <time.h>

namespace pulsemon {

namespace {
std::int64_t microseconds(const timespec &t) {
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000 + t.tv_nsec / 1000;
}

// A pair read with a preemption between its two reads would be off by the
// preemption's length (milliseconds on a busy machine), and so would every
// pulse stamped from it. So the wall clock is read between two monotonic
// readings, and of a few tries the tightest pair is kept, with the wall
// reading placed at the middle of its monotonic bracket.
constexpr int tries = 4;
constexpr std::int64_t tight_enough_us = 20;
} // namespace

ClockReading SystemClock::read() {
  std::int64_t mono_us = 0;
  std::int64_t wall_us = 0;
  std::int64_t best_bracket_us = -1;
  for (int attempt = 0; attempt < tries; ++attempt) {
    timespec before{};
    timespec wall{};
    timespec after{};
    clock_gettime(CLOCK_MONOTONIC, &before);
    clock_gettime(CLOCK_REALTIME, &wall);
    clock_gettime(CLOCK_MONOTONIC, &after);
    const std::int64_t bracket_us = microseconds(after) - microseconds(before);
    if (best_bracket_us < 0 || bracket_us < best_bracket_us) {
      best_bracket_us = bracket_us;
      mono_us = microseconds(before) + bracket_us / 2;
      wall_us = microseconds(wall);
    }
    if (bracket_us <= tight_enough_us) {
      break;
    }
  }
  timex status{};
  const int state = adjtimex(&status);
  const bool synchronised = state != -1 && state != TIME_ERROR && (status.status & STA_UNSYNC) == 0;
  return ClockReading{mono_from_us(mono_us), utc_from_epoch_us(wall_us), synchronised};
}

} // namespace pulsemon

#include "sources/clock_reader.h"

#include <sys/timex.h>
#include <time.h>

namespace pulsemon {

namespace {
std::int64_t microseconds(const timespec &t) {
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000 + t.tv_nsec / 1000;
}
} // namespace

ClockReading SystemClock::read() {
  timespec mono{};
  timespec wall{};
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_REALTIME, &wall);
  timex status{};
  const int state = adjtimex(&status);
  const bool synchronised = state != -1 && state != TIME_ERROR && (status.status & STA_UNSYNC) == 0;
  return ClockReading{mono_from_us(microseconds(mono)), utc_from_epoch_us(microseconds(wall)),
                      synchronised};
}

} // namespace pulsemon

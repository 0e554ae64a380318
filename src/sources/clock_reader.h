#pragma once
// Reading both clocks and the kernel's verdict on the wall clock: the seam
// between the GPIO source and the machine's time, so tests can step the
// clock or leave it unsynchronised.

#include "core/wall_stamper.h"

namespace pulsemon {

class ClockReader {
public:
  ClockReader() = default;
  ClockReader(const ClockReader &) = delete;
  ClockReader &operator=(const ClockReader &) = delete;
  virtual ~ClockReader() = default;
  [[nodiscard]] virtual ClockReading read() = 0;
};

// CLOCK_MONOTONIC and CLOCK_REALTIME read back to back; synchronised when
// adjtimex(2) reports no STA_UNSYNC (set until NTP or chrony has set the
// clock, and for good on machines without time synchronisation).
class SystemClock final : public ClockReader {
public:
  [[nodiscard]] ClockReading read() override;
};

} // namespace pulsemon

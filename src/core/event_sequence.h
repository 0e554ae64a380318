#pragma once
// Lost kernel events are never silent. The GPIO character device numbers a
// line's events 1, 2, 3, … (line_seqno) and keeps a bounded queue per
// request, dropping the oldest on overflow; a jump in the numbers is the
// count of events that were dropped.

#include <cstdint>

namespace pulsemon {

class EventSequence {
public:
  // The number of events missing before this one (0 when it follows on).
  // The first event of a request is number 1; the 32-bit count may wrap.
  [[nodiscard]] std::uint64_t missing_before(std::uint32_t seqno) {
    const std::uint32_t expected = last_ + 1;
    last_ = seqno;
    return static_cast<std::uint32_t>(seqno - expected);
  }

private:
  std::uint32_t last_ = 0;
};

// Events lost → pulses lost: with both edges of every pulse requested, two
// events make one pulse; a half pulse lost still loses the pulse.
[[nodiscard]] inline std::uint64_t pulses_in_events(std::uint64_t events, int events_per_pulse) {
  return (events + static_cast<std::uint64_t>(events_per_pulse) - 1) /
         static_cast<std::uint64_t>(events_per_pulse);
}

} // namespace pulsemon

#pragma once
// Turning kernel event times (monotonic) into storage times (UTC).
//
// The offset between CLOCK_MONOTONIC and CLOCK_REALTIME changes whenever
// the wall clock is stepped (NTP at boot on a Pi, which has no real-time
// clock, or an administrator). The stamper takes a fresh reading of both
// clocks with every batch and stamps each event as monotonic + offset, with
// one guarantee that the offset alone cannot give: a meter's stamps only go
// forwards. After a step backwards, stamps continue from the last one by the
// monotonic interval, so no pulse lands on an earlier one (which the store
// would count as a duplicate) and no interval becomes zero or negative.
// Such stamps run late by the size of the step until a quiet spell between
// two pulses is longer than what is left of it, and then meet the clock again.
// Power is computed from monotonic times and never sees a step at all.
//
// Until the kernel calls the clock synchronised, events can be held back:
//   never   stamp at once with the clock as it is;
//   always  hold until the clock is synchronised, however long;
//   auto    hold until synchronised, but at most `max_wait` after start
//           (many machines never report synchronisation at all).

#include "core/result.h"
#include "core/time.h"

#include <optional>
#include <string_view>

namespace pulsemon {

enum class ClockSyncPolicy { automatic, always, never };

[[nodiscard]] Result<ClockSyncPolicy> parse_clock_sync_policy(std::string_view text);
[[nodiscard]] std::string_view to_string(ClockSyncPolicy policy);

// Both clocks read together, and what the kernel says of the wall clock.
struct ClockReading {
  MonoTime monotonic;
  UtcTime wall;
  bool synchronised = false;
};

enum class ClockState {
  synchronised,   // the kernel says the wall clock is right
  waiting,        // not synchronised; events are held
  unsynchronised, // not synchronised, and no longer waiting (or never asked to)
};

[[nodiscard]] std::string_view to_string(ClockState state);

class WallStamper {
public:
  WallStamper(ClockSyncPolicy policy, Micros max_wait, MonoTime started)
      : policy_(policy), max_wait_(max_wait), started_(started) {}

  // Where the clock stands at `now`: whether held events may be stamped.
  [[nodiscard]] ClockState state(const ClockReading &now) const;

  // Stamps an event at `event` (monotonic) with the offset of `now`. Call
  // only when state(now) is not `waiting`, in event order.
  [[nodiscard]] UtcTime stamp(MonoTime event, const ClockReading &now);

private:
  ClockSyncPolicy policy_;
  Micros max_wait_;
  MonoTime started_;
  std::optional<UtcTime> last_wall_;
  MonoTime last_event_{};
};

} // namespace pulsemon

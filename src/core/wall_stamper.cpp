#include "core/wall_stamper.h"

#include "core/quoted_input.h"

namespace pulsemon {

Result<ClockSyncPolicy> parse_clock_sync_policy(std::string_view text) {
  if (text == "auto") {
    return ClockSyncPolicy::automatic;
  }
  if (text == "always") {
    return ClockSyncPolicy::always;
  }
  if (text == "never") {
    return ClockSyncPolicy::never;
  }
  return invalid_argument(quoted_input(text) + " is not auto, always or never");
}

std::string_view to_string(ClockSyncPolicy policy) {
  switch (policy) {
  case ClockSyncPolicy::automatic:
    return "auto";
  case ClockSyncPolicy::always:
    return "always";
  case ClockSyncPolicy::never:
    return "never";
  }
  return "auto";
}

std::string_view to_string(ClockState state) {
  switch (state) {
  case ClockState::synchronised:
    return "synchronised";
  case ClockState::waiting:
    return "waiting for synchronisation";
  case ClockState::unsynchronised:
    return "not synchronised";
  }
  return "not synchronised";
}

ClockState WallStamper::state(const ClockReading &now) const {
  if (now.synchronised) {
    return ClockState::synchronised;
  }
  const bool still_waiting =
      policy_ == ClockSyncPolicy::always ||
      (policy_ == ClockSyncPolicy::automatic && now.monotonic - started_ < max_wait_);
  return still_waiting ? ClockState::waiting : ClockState::unsynchronised;
}

UtcTime WallStamper::stamp(MonoTime event, const ClockReading &now) {
  UtcTime wall = now.wall - (now.monotonic - event);
  if (last_wall_ && wall <= *last_wall_) {
    // The wall clock went back (or events share a microsecond): carry on
    // from the last stamp by the interval the monotonic clock measured.
    wall = *last_wall_ + std::max(event - last_event_, Micros{1});
  }
  last_wall_ = wall;
  last_event_ = event;
  return wall;
}

} // namespace pulsemon

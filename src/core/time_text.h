#pragma once
// Times as people and scripts write them, in and out.

#include "core/result.h"
#include "core/time.h"

#include <string>
#include <string_view>

namespace date {
class time_zone;
}

namespace pulsemon {

// Accepts:
//   1774800000 or 1774800000.25        seconds since 1970 (UTC)
//   2026-03-29                         local midnight in `zone`
//   2026-03-29T14:05 / T14:05:30[.123456]   local time in `zone`
//   … followed by Z or +02:00 / -0530  that offset instead of `zone`
// A space may stand for the T. A local time that the zone skips (DST start)
// is refused; one it repeats (DST end) takes the earlier instant.
[[nodiscard]] Result<UtcTime> parse_time(std::string_view text, const date::time_zone &zone);

// Years 1 to 9999 only: what format_utc writes as four digits, and far
// beyond any meter (an offset or epoch seconds could otherwise reach
// outside them). parse_time refuses the rest.
[[nodiscard]] bool in_supported_years(UtcTime t);

// 2026-03-29T01:00:00.123456Z (fraction only when not whole seconds).
[[nodiscard]] std::string format_utc(UtcTime t);

// A span as a person says it: "5 s", "12 min", "2.5 hours", "3.2 days".
[[nodiscard]] std::string duration_text(Micros span);

} // namespace pulsemon

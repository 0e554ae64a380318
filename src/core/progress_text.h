#pragma once
// The one line a long command redraws on a terminal while it works:
//
//   importing rows: 12.3 M of 25.6 M (48 %), 310 k/s, 43 s left
//   exporting pulses: 1.20 M, 410 k/s, 3 s
//
// Pure text from figures the caller measured; the drawing (and the
// clock) live in app/progress.h.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pulsemon {

struct ProgressFigures {
  std::string_view what;             // "importing rows"
  std::int64_t done = 0;             // units of work done so far
  std::optional<std::int64_t> total; // none: not known in advance
  double elapsed_seconds = 0;
};

// 950, 12.3 k, 4.56 M, 1.20 G: three significant digits, so the line
// does not jitter in width as the count grows.
[[nodiscard]] std::string short_count(double count);

// 7 s, 4 min 05 s, 2 h 03 min.
[[nodiscard]] std::string short_duration(double seconds);

// The line, without a line ending. The rate and time left appear once a
// rate can be told (after a tenth of a second with some work done).
[[nodiscard]] std::string progress_line(const ProgressFigures &figures);

} // namespace pulsemon

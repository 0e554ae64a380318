#pragma once
// The check of an upgraded store's pulses after they were sealed into
// blocks (issue 36): what it held per meter and UTC day before, beside
// what it holds now. Sealing moves pulses and never adds one, so a day
// with fewer pulses than before lost some; a day with more may have had
// pulses stored since the upgrade (an import, a node's resend), so it is
// noted, not failed. A pulse kept twice (in a block and in the tail)
// shows in the meter's total, which must equal the count its statistics
// kept as pulses were committed. Pure.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace pulsemon {

struct DayCount {
  std::int64_t meter_id = 0;
  std::int64_t day = 0; // UTC days since 1970-01-01
  std::int64_t pulses = 0;
};

struct MeterTotal {
  std::int64_t meter_id = 0;
  std::int64_t counted = 0; // the pulses read back, blocks decoded
  std::int64_t kept = 0;    // the meter's statistics
};

struct SealingCheck {
  bool checked = false;                 // there were counts from before to check
  std::int64_t days = 0;                // meter-days compared
  std::int64_t gained = 0;              // meter-days with more pulses than before
  std::vector<std::string> differences; // what does not agree, one line each
  [[nodiscard]] bool agrees() const { return differences.empty(); }
};

// `before` and `now` in any order; at most `max_lines` differences are
// written out (and a line saying how many more).
[[nodiscard]] SealingCheck compare_sealed_counts(std::span<const DayCount> before,
                                                 std::span<const DayCount> now,
                                                 std::span<const MeterTotal> totals,
                                                 std::size_t max_lines = 20);

} // namespace pulsemon

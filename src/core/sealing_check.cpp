#include "core/sealing_check.h"

#include "core/time_text.h"

#include <chrono>
#include <map>
#include <utility>

namespace pulsemon {

namespace {

std::string day_text(std::int64_t day) {
  return format_utc(UtcTime{std::chrono::days{day}}).substr(0, 10);
}

} // namespace

SealingCheck compare_sealed_counts(std::span<const DayCount> before, std::span<const DayCount> now,
                                   std::span<const MeterTotal> totals, std::size_t max_lines) {
  SealingCheck check;
  check.checked = !before.empty();
  std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t> counted;
  for (const DayCount &count : now) {
    counted[{count.meter_id, count.day}] += count.pulses;
  }
  std::size_t found = 0;
  const auto note = [&](std::string line) {
    if (++found <= max_lines) {
      check.differences.push_back(std::move(line));
    }
  };
  for (const DayCount &kept : before) {
    ++check.days;
    const auto it = counted.find({kept.meter_id, kept.day});
    const std::int64_t read = it == counted.end() ? 0 : it->second;
    if (read < kept.pulses) {
      note("meter " + std::to_string(kept.meter_id) + ", " + day_text(kept.day) + ": " +
           std::to_string(kept.pulses) + " pulses before sealing, " + std::to_string(read) +
           " now");
    } else if (read > kept.pulses) {
      ++check.gained;
    }
  }
  for (const MeterTotal &total : totals) {
    if (total.counted != total.kept) {
      note("meter " + std::to_string(total.meter_id) + ": " + std::to_string(total.counted) +
           " pulses read back, its statistics say " + std::to_string(total.kept));
    }
  }
  if (found > max_lines) {
    check.differences.push_back("… and " + std::to_string(found - max_lines) + " more");
  }
  return check;
}

} // namespace pulsemon

#pragma once
// How a time range is counted from rollups. Rollups hold pulse counts per
// UTC-aligned slot of 15 minutes, 1 hour and 1 day. Every IANA zone in use
// today has an offset that is a multiple of 15 minutes, so every calendar
// bucket boundary falls on a 15-minute slot boundary, and a bucket is the sum
// of a few runs of whole slots; only a range that starts or ends inside a
// slot needs the raw pulses at its edges.
//
// plan_range splits [from, to) into runs of the coarsest slots that fit:
//   raw | 15 min … | hours … | days … | hours … | 15 min … | raw

#include "core/time.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <vector>

namespace pulsemon {

inline constexpr std::array<std::chrono::seconds, 3> rollup_slot_sizes{
    std::chrono::seconds{900}, std::chrono::seconds{3600}, std::chrono::seconds{86400}};

struct RangeRun {
  std::chrono::seconds slot_size{0}; // 0: count raw pulses
  UtcTime from;                      // inclusive
  UtcTime to;                        // exclusive
  friend bool operator==(const RangeRun &, const RangeRun &) = default;
};

// `coarsest` limits the slot sizes used (e.g. 900 s when every slot must be
// priced on its own for a time-of-use tariff).
[[nodiscard]] std::vector<RangeRun>
plan_range(UtcTime from, UtcTime to, std::chrono::seconds coarsest = std::chrono::seconds{86400});

// `t` rounded down or up to the grid of slots of `size`.
[[nodiscard]] UtcTime floor_to_slot(UtcTime t, std::chrono::seconds size);
[[nodiscard]] UtcTime ceil_to_slot(UtcTime t, std::chrono::seconds size);

// The start of the slot of `size` that holds `t`, in seconds since the epoch.
[[nodiscard]] std::int64_t slot_start(UtcTime t, std::chrono::seconds size);

} // namespace pulsemon

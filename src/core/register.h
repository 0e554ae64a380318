#pragma once
// The register a meter shows, and the total pulsemon reports, from the
// pulses counted and the records a user made: "the meter showed 12345.6 kWh
// at T" (a reading) and "the meter was replaced; the new one starts at 0.0"
// (a replacement).
//
// - register: what the physical meter shows; follows every record, so it
//   restarts at a replacement.
// - total: what pulsemon reports as the meter's total; follows readings
//   upwards and carries on through a replacement, so it never goes backwards
//   (Home Assistant reads a drop as a reset and spoils its statistics).

#include "core/result.h"
#include "core/time.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <span>

namespace pulsemon {

struct RegisterRecord {
  UtcTime at;
  double value = 0.0;       // in the meter's unit
  bool replacement = false; // true: a new meter starting at `value`
};

struct RegisterState {
  double register_value = 0.0;
  double total = 0.0;
  friend bool operator==(const RegisterState &, const RegisterState &) = default;
};

// Pulses strictly after `after` (or from the beginning when empty) and at or
// before `until`. The store answers it from its rollups; tests from a vector.
using PulseCounter = std::function<std::int64_t(std::optional<UtcTime> after, UtcTime until)>;

// `records` sorted by time. Records after `t` are ignored.
[[nodiscard]] RegisterState register_at(std::span<const RegisterRecord> records, UtcTime t,
                                        double pulses_per_unit, const PulseCounter &count);

// Whether `candidate` can join `records` without making the register
// inconsistent: a reading may not be below what the meter had already
// counted by then, nor leave a later reading too low for the pulses counted
// in between. Names the conflict when it cannot.
[[nodiscard]] std::optional<Error> check_new_record(std::span<const RegisterRecord> records,
                                                    const RegisterRecord &candidate,
                                                    double pulses_per_unit,
                                                    const PulseCounter &count);

} // namespace pulsemon

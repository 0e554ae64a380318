#pragma once
// The checks every storage backend makes before it writes, in one place so
// that no backend re-implements (or forgets) one. Each names the field it
// refuses.

#include "core/gas.h"
#include "core/meter.h"
#include "core/pulse_batch.h"
#include "core/register.h"
#include "core/result.h"

#include <optional>

namespace pulsemon {

// A meter's settings within their limits, its tariff one that parses.
[[nodiscard]] std::optional<Error> meter_error(const Meter &meter);

// Stored energy is pulses / ppu in the unit: changing either for a meter
// with pulses would silently rewrite every past figure.
[[nodiscard]] std::optional<Error> meter_change_error(const Meter &before, const Meter &after,
                                                      bool has_pulses);

// Pulses before 1970 mean a source whose clock is not set.
[[nodiscard]] std::optional<Error> batch_error(const PulseBatch &batch);

// Only gas meters have calorific values; values within plausible limits.
[[nodiscard]] std::optional<Error> calorific_value_error(const Meter &meter,
                                                         const CalorificValue &value);

class Store;

// The pulses a register reading counts on from (core/register.h), as any
// backend stores them: everything up to a time after the last pulse is
// the kept total; any other range is counted.
[[nodiscard]] PulseCounter stored_pulse_counter(Store &store, std::int64_t meter_id);

} // namespace pulsemon

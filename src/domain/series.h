#pragma once
// Energy and power series of a meter, and its power from the last stored
// pulses: the domain rules (calendar buckets, tariff pricing, gas in kWh,
// power from counts) over the storage port, so that every backend serves
// them alike and none re-implements pricing.

#include "core/calendar.h"
#include "store/store.h"
#include "store/types.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace pulsemon {

// The pulses of each bucket [b_i, b_i+1) of `boundaries` (strictly
// increasing), from one read of the rollups (core/bucket_counts.h).
[[nodiscard]] std::vector<std::int64_t> count_buckets(Store &store, std::int64_t meter_id,
                                                      std::span<const UtcTime> boundaries);

// Energy per calendar bucket of [from, to), clipped to it, with cost (the
// meter's tariff; time-of-use periods priced per 15-minute slot) and, for
// gas with calorific values, kWh. Refuses more than `max_buckets`.
[[nodiscard]] Result<std::vector<EnergyRow>>
energy_series(Store &store, std::int64_t meter_id, UtcTime from, UtcTime to, BucketSize size,
              const Calendar &calendar, std::size_t max_buckets);

// Average power per step of [from, to) in the meter's rate unit (W, m³/h,
// …). Refuses a step outside 1 s … 1 year and more than `max_rows` steps.
[[nodiscard]] Result<std::vector<PowerRow>> power_series(Store &store, std::int64_t meter_id,
                                                         UtcTime from, UtcTime to,
                                                         std::chrono::seconds step,
                                                         std::size_t max_rows);

// The power at `now` from the last two stored pulses, as PowerEstimator
// would report it: empty with fewer than two pulses, 0 after the timeout.
// What a reader without the running pipeline can know; the daemon's
// surfaces show the pipeline's figure instead (MeterPipelines::power_now).
[[nodiscard]] std::optional<double> latest_power(Store &store, std::int64_t meter_id, UtcTime now);

} // namespace pulsemon

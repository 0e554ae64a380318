#pragma once
// Gas volume to energy with calorific values that change over time:
//   kWh = m³ × volume correction × calorific value [MJ/m³] / 3.6

#include "core/result.h"
#include "core/time.h"

#include <span>

namespace pulsemon {

struct CalorificValue {
  UtcTime effective_from;
  double megajoules_per_m3 = 39.5;
  double volume_correction = 1.02264; // temperature and pressure correction (UK default)
};

// `records` sorted by effective_from; the one in force at `at` is used.
[[nodiscard]] Result<double> gas_kwh(std::span<const CalorificValue> records, UtcTime at,
                                     double cubic_metres);

} // namespace pulsemon

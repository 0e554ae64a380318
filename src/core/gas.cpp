#include "core/gas.h"

#include <algorithm>

namespace pulsemon {

Result<double> gas_kwh(std::span<const CalorificValue> records, UtcTime at, double cubic_metres) {
  const auto after = std::upper_bound(
      records.begin(), records.end(), at,
      [](UtcTime t, const CalorificValue &record) { return t < record.effective_from; });
  if (after == records.begin()) {
    return Error{ErrorCode::not_found, "no calorific value is in force at that time"};
  }
  const CalorificValue &value = *std::prev(after);
  return cubic_metres * value.volume_correction * value.megajoules_per_m3 / 3.6;
}

} // namespace pulsemon

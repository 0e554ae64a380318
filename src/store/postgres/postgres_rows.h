#pragma once
// Meters to and from rows, shared by the PostgreSQL store's files.

#include "store/postgres/pg_connection.h"
#include "store/types.h"

#include <vector>

namespace pulsemon::pg {

inline constexpr const char *meter_columns =
    "SELECT id, name, location, kind, unit, pulses_per_unit, tariff, min_interval_us, "
    "min_width_us, power_timeout_s, site_id FROM meters ";

inline Meter read_meter(const Rows &rows, int i) {
  Meter meter;
  meter.id = rows.integer(i, 0);
  meter.name = rows.text(i, 1);
  meter.location = rows.text(i, 2);
  meter.kind = value_or_throw(parse_meter_kind(rows.text(i, 3)));
  meter.unit = rows.text(i, 4);
  meter.pulses_per_unit = rows.number(i, 5);
  meter.tariff = rows.text(i, 6);
  meter.filter.min_interval = Micros{rows.integer(i, 7)};
  meter.filter.min_width = Micros{rows.integer(i, 8)};
  meter.power_timeout = std::chrono::seconds{rows.integer(i, 9)};
  meter.site_id = rows.integer(i, 10);
  return meter;
}

// $1 … $11 in the column order both the INSERT and the UPDATE use.
inline std::vector<Param> meter_params(const Meter &meter) {
  return {param(meter.id),
          param(meter.name),
          param(meter.location),
          param(to_string(meter.kind)),
          param(meter.unit),
          param(meter.pulses_per_unit),
          param(meter.tariff),
          param(static_cast<std::int64_t>(meter.filter.min_interval.count())),
          param(static_cast<std::int64_t>(meter.filter.min_width.count())),
          param(static_cast<std::int64_t>(meter.power_timeout.count())),
          param(meter.site_id)};
}

} // namespace pulsemon::pg

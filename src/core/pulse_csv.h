#pragma once
// The pulse CSV format of `pulsemon import csv` / `export csv`, one line at
// a time: one pulse per line, ISO-8601 (2026-03-29T01:00:00.123456Z; without
// an offset, in `zone`) or whole epoch microseconds in the first field;
// further fields are ignored. An optional first line "time" is a header;
// blank lines and trailing spaces or CRs are skipped.

#include "core/result.h"
#include "core/time.h"

#include <cstddef>
#include <optional>
#include <string_view>

namespace date {
class time_zone;
}

namespace pulsemon {

// The pulse on line `number` (counted from 1), nothing for a header or blank
// line, or an error that names the line and what is wrong with it.
[[nodiscard]] Result<std::optional<UtcTime>>
read_pulse_csv_line(std::string_view line, std::size_t number, const date::time_zone &zone);

} // namespace pulsemon

#include "core/pulse_csv.h"

#include "core/quoted_input.h"
#include "core/time_text.h"

#include <charconv>
#include <cstdint>
#include <string>

namespace pulsemon {

namespace {

Result<UtcTime> parse_pulse_time(std::string_view text, const date::time_zone &zone) {
  const bool digits_only =
      !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
  if (!digits_only) {
    return parse_time(text, zone);
  }
  std::int64_t microseconds = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), microseconds);
  if (ec != std::errc{} || end != text.data() + text.size()) {
    return invalid_argument(quoted_input(text) + " is not a number of microseconds");
  }
  const UtcTime time = utc_from_epoch_us(microseconds);
  if (!in_supported_years(time)) {
    return invalid_argument(quoted_input(text) + " microseconds lie outside the years 1 to 9999");
  }
  return time;
}

} // namespace

Result<std::optional<UtcTime>> read_pulse_csv_line(std::string_view line, std::size_t number,
                                                   const date::time_zone &zone) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
    line.remove_suffix(1);
  }
  if (line.empty() || (number == 1 && line == "time")) {
    return std::optional<UtcTime>{};
  }
  auto time = parse_pulse_time(line.substr(0, line.find(',')), zone);
  if (!time.ok()) {
    return invalid_argument("line " + std::to_string(number) + ": " + time.error().message);
  }
  return std::optional<UtcTime>{*time};
}

} // namespace pulsemon

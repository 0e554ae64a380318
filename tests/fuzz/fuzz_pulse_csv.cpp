// Any bytes as a file for `pulsemon import csv`, line by line as the import
// reads it. Every pulse read must survive the round trip of `export csv`:
// written as format_utc writes it and read back, the same instant.
#include "core/pulse_csv.h"
#include "core/time_text.h"

#include <date/tz.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  static const date::time_zone &zone = *date::locate_zone("Europe/Amsterdam");
  std::string_view rest(reinterpret_cast<const char *>(data), size);
  std::size_t number = 0;
  while (!rest.empty()) {
    const std::size_t end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    const auto pulse = pulsemon::read_pulse_csv_line(line, ++number, zone);
    if (!pulse.ok()) {
      if (pulse.error().message.find("line " + std::to_string(number)) == std::string::npos) {
        std::abort(); // an error must name its line
      }
      break; // the import stops at the first bad line
    }
    if (*pulse) {
      const auto again =
          pulsemon::read_pulse_csv_line(pulsemon::format_utc(**pulse), number + 1, zone);
      if (!again.ok() || !*again || **again != **pulse) {
        std::abort();
      }
    }
  }
  return 0;
}

// Any bytes as a time (API ?from=/?to=, CSV import lines): parsed in a zone
// with DST, and what parses must format and parse back to the same instant.
#include "core/time_text.h"

#include <date/tz.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  static const date::time_zone &zone = *date::locate_zone("Europe/Amsterdam");
  const std::string text(reinterpret_cast<const char *>(data), size);
  const auto parsed = pulsemon::parse_time(text, zone);
  if (parsed.ok()) {
    const auto again = pulsemon::parse_time(pulsemon::format_utc(*parsed), zone);
    if (!again.ok() || *again != *parsed) {
      std::abort();
    }
  }
  return 0;
}

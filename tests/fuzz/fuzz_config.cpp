// Any text as pulsemon.toml: it parses into a Config or gives an error that
// says what is wrong (ConfigError and toml++'s parse errors are the only
// ways out; anything else thrown, or a crash, is a finding). A config that
// parses must give the settings the daemon checks for itself.
#include "app/config.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char *>(data), size);
  const auto parsed = pulsemon::parse_config(text, "/etc/pulsemon");
  if (parsed.ok()) {
    if (parsed->billing_day < 1 || parsed->billing_day > 28 || parsed->zone.empty() ||
        parsed->commit_interval.count() <= 0) {
      std::abort();
    }
  } else if (parsed.error().message.empty()) {
    std::abort();
  }
  return 0;
}

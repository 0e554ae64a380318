#pragma once
// The one way pulsemon reads JSON it did not write: HTTP bodies, MQTT
// payloads, stored node health. nlohmann's parser is iterative, but
// copying or writing a value recurses once per level, so a body nested
// 80 000 deep (160 KB) ran the stack out when it was echoed. Here nesting
// deeper than `max_depth` is refused while parsing, before any value that
// deep exists; the real bodies pulsemon takes are at most two levels deep.

#include "core/result.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace pulsemon {

inline constexpr std::size_t untrusted_json_depth = 8;

// The value, or invalid_argument naming `field` ("body", "payload", …):
// not JSON, or nested deeper than `max_depth` levels.
[[nodiscard]] Result<nlohmann::json>
parse_untrusted_json(std::string_view text, std::string_view field,
                     std::size_t max_depth = untrusted_json_depth);

// A JSON integer within [low, high], whether nlohmann holds it as signed
// or unsigned (2^64 - 1 is unsigned and must not read as -1); nothing for
// any other value.
[[nodiscard]] std::optional<std::int64_t> json_integer_in(const nlohmann::json &value,
                                                          std::int64_t low, std::int64_t high);

// What a value is, for an error message that must not echo it: "an array",
// "a string of 12 bytes", "the number 1.5" (numbers are short).
[[nodiscard]] std::string json_kind(const nlohmann::json &value);

} // namespace pulsemon

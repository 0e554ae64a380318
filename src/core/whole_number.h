#pragma once
// A whole number written in text from outside (a query parameter, a form
// field), read only if it is all digits and within [low, high]: the range
// is checked before the number is used for anything.

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace pulsemon {

[[nodiscard]] inline std::optional<std::int64_t>
whole_number_in(std::string_view text, std::int64_t low, std::int64_t high) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < low || value > high) {
    return std::nullopt;
  }
  return value;
}

} // namespace pulsemon

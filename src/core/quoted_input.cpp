#include "core/quoted_input.h"

namespace pulsemon {

std::string quoted_input(std::string_view text, std::size_t limit) {
  static constexpr std::string_view hex = "0123456789abcdef";
  std::string out = "'";
  const std::string_view shown = text.substr(0, limit);
  for (const char c : shown) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f || c == '\\') {
      out += '\\';
      if (c == '\\') {
        out += '\\';
        continue;
      }
      out += 'x';
      out += hex[byte >> 4U];
      out += hex[byte & 0xfU];
      continue;
    }
    out += c;
  }
  out += '\'';
  if (shown.size() < text.size()) {
    out += " (the first " + std::to_string(shown.size()) + " of " + std::to_string(text.size()) +
           " bytes)";
  }
  return out;
}

} // namespace pulsemon

#pragma once
// Untrusted text echoed in an error message: in single quotes, at most
// `limit` bytes of it, control bytes (NUL included) written as \xNN. A
// message that names what was refused stays one short, printable line, so
// it can neither be cut at a NUL, nor grow with the input, nor carry
// terminal escapes into a log.

#include <cstddef>
#include <string>
#include <string_view>

namespace pulsemon {

inline constexpr std::size_t quoted_input_limit = 64;

[[nodiscard]] std::string quoted_input(std::string_view text,
                                       std::size_t limit = quoted_input_limit);

} // namespace pulsemon

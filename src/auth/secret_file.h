#pragma once
// Reading a small file that holds a secret (the token-signing secret, the
// metrics token) as a file from outside deserves: only a regular file (a
// symlink to one is fine; /dev/zero, a FIFO or a folder are not), readable
// by its owner alone, and never more than a bound read, so a wrong path
// cannot hang the daemon or fill its memory.

#include <cstddef>
#include <filesystem>
#include <string>

namespace pulsemon::auth {

// The whole text of `file`. Throws Failure(invalid_argument) whose message
// starts with `what` and the path and says what to do: when it cannot be
// opened, is not a regular file, is open to group or others (chmod 600), or
// holds more than `max_bytes`.
[[nodiscard]] std::string read_secret_file(const std::filesystem::path &file,
                                           const std::string &what, std::size_t max_bytes);

} // namespace pulsemon::auth

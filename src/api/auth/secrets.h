#pragma once
// Passwords and secrets, all through libsodium: argon2id hashes, random
// passwords, random keys. Thread-safe once sodium_init() ran (ensure_sodium).

#include <cstddef>
#include <string>
#include <string_view>

namespace pulsemon::auth {

// Initialises libsodium once; throws Failure(internal) if it cannot.
void ensure_sodium();

// An argon2id hash in libsodium's self-describing string form (salt and
// parameters included). Parameters: libsodium's "interactive" level, 64 MiB
// and 2 passes, above OWASP's minimum of 19 MiB and 2 passes.
[[nodiscard]] std::string hash_password(std::string_view password);
[[nodiscard]] bool verify_password(std::string_view password, const std::string &hash);

// A password of `length` characters from an alphabet without look-alikes
// (no 0/O, 1/l/I), easy to copy from a terminal.
[[nodiscard]] std::string random_password(std::size_t length = 20);

// `bytes` random bytes as lowercase hex (a 256-bit JWT secret is 32 bytes).
[[nodiscard]] std::string random_hex(std::size_t bytes);

} // namespace pulsemon::auth

#pragma once
// Passwords and secrets, all through libsodium: argon2id hashes, random
// passwords, random keys. Thread-safe once sodium_init() ran (ensure_sodium).

#include <cstddef>
#include <cstdint>
#include <optional>
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

// Device keys look like "pmk_12_<32 hex digits>": the key's id, then 128
// random bits. A key has that much entropy, so a fast hash (BLAKE2b) stores
// it safely; there is no password to guess slowly.
struct DeviceKeyText {
  std::int64_t id = 0;
  std::string secret; // the whole key text, as given
};
[[nodiscard]] std::string make_device_key(std::int64_t id);
[[nodiscard]] std::optional<DeviceKeyText> parse_device_key(std::string_view text);
[[nodiscard]] std::string hash_device_key(std::string_view key);
// Share and display links' tokens (core/share_link.h): 192 random bits as
// 48 hex digits, kept only as their BLAKE2b hash, as device keys are.
inline constexpr std::size_t link_token_length = 48;
[[nodiscard]] std::string make_link_token();
[[nodiscard]] std::string hash_link_token(std::string_view token);

// Compares two hashes in constant time.
[[nodiscard]] bool same_hash(std::string_view a, std::string_view b);

} // namespace pulsemon::auth

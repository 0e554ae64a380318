#include "auth/secrets.h"

#include "core/result.h"

#include <sodium.h>

#include <array>
#include <vector>

namespace pulsemon::auth {

void ensure_sodium() {
  if (sodium_init() < 0) {
    throw Failure(ErrorCode::internal, "libsodium could not be initialised");
  }
}

std::string hash_password(std::string_view password) {
  ensure_sodium();
  std::string hash(crypto_pwhash_STRBYTES, '\0');
  if (crypto_pwhash_str(hash.data(), password.data(), password.size(),
                        crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    throw Failure(ErrorCode::unavailable, "not enough memory to hash a password");
  }
  hash.resize(hash.find('\0'));
  return hash;
}

bool verify_password(std::string_view password, const std::string &hash) {
  ensure_sodium();
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string random_password(std::size_t length) {
  ensure_sodium();
  static constexpr std::string_view alphabet =
      "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  std::string password;
  password.reserve(length);
  for (std::size_t i = 0; i < length; ++i) {
    password.push_back(alphabet[randombytes_uniform(static_cast<std::uint32_t>(alphabet.size()))]);
  }
  return password;
}

std::string make_device_key(std::int64_t id) {
  return "pmk_" + std::to_string(id) + "_" + random_hex(16);
}

std::optional<DeviceKeyText> parse_device_key(std::string_view text) {
  if (!text.starts_with("pmk_")) {
    return std::nullopt;
  }
  const std::string_view rest = text.substr(4);
  const auto underscore = rest.find('_');
  if (underscore == std::string_view::npos || underscore == 0 || underscore > 18) {
    return std::nullopt;
  }
  std::int64_t id = 0;
  for (const char c : rest.substr(0, underscore)) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    id = id * 10 + (c - '0');
  }
  const std::string_view secret = rest.substr(underscore + 1);
  if (secret.size() != 32 ||
      secret.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
    return std::nullopt;
  }
  return DeviceKeyText{id, std::string(text)};
}

std::string hash_device_key(std::string_view key) {
  ensure_sodium();
  std::array<unsigned char, crypto_generichash_BYTES> digest{};
  crypto_generichash(digest.data(), digest.size(),
                     reinterpret_cast<const unsigned char *>(key.data()), key.size(), nullptr, 0);
  std::string hex(digest.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  hex.pop_back();
  return hex;
}

std::string make_link_token() {
  return random_hex(link_token_length / 2);
}

std::string hash_link_token(std::string_view token) {
  return hash_device_key(token);
}

bool same_hash(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_hex(std::size_t bytes) {
  ensure_sodium();
  std::vector<unsigned char> raw(bytes);
  randombytes_buf(raw.data(), raw.size());
  std::string hex(bytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), raw.data(), raw.size());
  hex.pop_back();
  sodium_memzero(raw.data(), raw.size());
  return hex;
}

} // namespace pulsemon::auth

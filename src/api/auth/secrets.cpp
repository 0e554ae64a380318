#include "api/auth/secrets.h"

#include "core/result.h"

#include <sodium.h>

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

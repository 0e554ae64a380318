#include "ingest/ack_signature.h"

#include <sodium.h>

#include <array>

namespace pulsemon {
namespace {

using Mac = std::array<unsigned char, crypto_auth_hmacsha256_BYTES>;

Mac hmac_sha256(std::string_view key, std::string_view message) {
  Mac mac{};
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char *>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char *>(message.data()),
                                message.size());
  crypto_auth_hmacsha256_final(&state, mac.data());
  return mac;
}

} // namespace

std::string ack_signature(std::string_view device_key, std::string_view node, std::uint64_t boot,
                          std::uint64_t seq) {
  const Mac ack_key = hmac_sha256(device_key, "pulsemon ack key");
  const std::string message =
      std::string(node) + "\n" + std::to_string(boot) + "\n" + std::to_string(seq);
  const Mac mac = hmac_sha256(
      std::string_view(reinterpret_cast<const char *>(ack_key.data()), ack_key.size()), message);
  std::string hex(mac.size() * 2, '\0');
  sodium_bin2hex(hex.data(), hex.size() + 1, mac.data(), mac.size());
  return hex;
}

} // namespace pulsemon

// Any bytes as a token: verify_token must refuse or accept without a crash,
// a leak or undefined behaviour, and accept only what it signed itself.
#include "auth/jwt.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  static const std::string secret(32, 'f');
  const std::string_view token(reinterpret_cast<const char *>(data), size);
  const auto claims = pulsemon::auth::verify_token(token, secret, 1'780'000'000);
  if (claims.ok() && pulsemon::auth::verify_token(pulsemon::auth::sign_token(*claims, secret),
                                                  secret, 1'780'000'000)
                             .ok() == false) {
    std::abort(); // accepted, yet its own claims do not sign into a valid token
  }
  return 0;
}

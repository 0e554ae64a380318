#pragma once
// JSON Web Tokens, HS256 only. The algorithm is pinned: a header that is not
// exactly {"alg":"HS256"} (with an optional "typ":"JWT") is refused, so
// "alg":"none" and RS/ES/PS key-confusion tricks never reach a verifier.
// The signature is compared in constant time; exp is mandatory, in seconds.

#include "core/result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pulsemon::auth {

struct TokenClaims {
  std::string subject;        // user name
  std::string role;           // admin | user | viewer
  std::int64_t issued_at = 0; // seconds since 1970
  std::int64_t expires_at = 0;
  std::int64_t generation = 0;            // the user's token generation when issued
  std::optional<std::int64_t> not_before; // nbf, when the token has one (pulsemon's have none)
};

// The secret must hold at least 32 bytes (256 bits).
[[nodiscard]] std::string sign_token(const TokenClaims &claims, std::string_view secret);

// Checks form, header, signature, then the claims against `now` (seconds)
// with `leeway` seconds for clock skew. Every failure is `unauthenticated`
// with a message for the log, never for the client.
[[nodiscard]] Result<TokenClaims> verify_token(std::string_view token, std::string_view secret,
                                               std::int64_t now, std::int64_t leeway = 60);

// Reads the secret file's hex text into raw bytes; throws Failure when the
// file is missing, unreadable, readable by others, or holds under 256 bits.
[[nodiscard]] std::string load_secret(const std::string &path);

} // namespace pulsemon::auth

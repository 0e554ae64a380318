#pragma once
// Tokens whose form, header, signature and claims were checked once, so a
// client that polls every second does not pay for base64, HMAC-SHA256 and
// two JSON parses at each request. A token is found by its whole text,
// which only a holder of the secret could have signed; the times (exp, iat,
// nbf) are checked again at every use, and a token outside them goes
// through verify_token again for its exact refusal.
//
// Thread safety: none; the API thread owns it.

#include "auth/jwt.h"

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace pulsemon::auth {

class VerifiedTokens {
public:
  // `secret` is the signing key for every token this sees. `capacity`
  // bounds the memory a flood of distinct valid tokens can take: when full,
  // every entry is forgotten at once.
  explicit VerifiedTokens(std::string secret, std::size_t capacity = 1024)
      : secret_(std::move(secret)), capacity_(capacity) {}

  // As verify_token with this secret, and the same leeway at every call.
  [[nodiscard]] Result<TokenClaims> verify(std::string_view token, std::int64_t now,
                                           std::int64_t leeway = 60);

  [[nodiscard]] std::size_t size() const { return by_text_.size(); }

private:
  struct Entry {
    TokenClaims claims;
    std::int64_t valid_from = 0;  // seconds, leeway included
    std::int64_t valid_until = 0; //
  };
  std::string secret_;
  std::size_t capacity_;
  std::map<std::string, Entry, std::less<>> by_text_;
};

} // namespace pulsemon::auth

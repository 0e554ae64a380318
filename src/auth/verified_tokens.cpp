#include "auth/verified_tokens.h"

#include <algorithm>

namespace pulsemon::auth {

Result<TokenClaims> VerifiedTokens::verify(std::string_view token, std::int64_t now,
                                           std::int64_t leeway) {
  if (const auto it = by_text_.find(token); it != by_text_.end()) {
    const Entry &entry = it->second;
    if (now >= entry.valid_from && now <= entry.valid_until) {
      return entry.claims;
    }
    by_text_.erase(it);
  }
  auto claims = verify_token(token, secret_, now, leeway);
  if (!claims.ok()) {
    return claims;
  }
  if (by_text_.size() >= capacity_) {
    by_text_.clear();
  }
  const std::int64_t starts = std::max(claims->issued_at, claims->not_before.value_or(0));
  by_text_.emplace(std::string(token),
                   Entry{*claims, starts - leeway, claims->expires_at + leeway});
  return claims;
}

} // namespace pulsemon::auth

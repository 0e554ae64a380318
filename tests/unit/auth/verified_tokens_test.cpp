#include "auth/verified_tokens.h"

#include <gtest/gtest.h>

namespace pulsemon::auth {
namespace {

const std::string secret(32, 's');
constexpr std::int64_t now = 1'780'000'000;

std::string token_for(std::string user, std::int64_t issued, std::int64_t expires,
                      std::optional<std::int64_t> not_before = std::nullopt) {
  return sign_token(TokenClaims{std::move(user), "viewer", issued, expires, 1, not_before}, secret);
}

TEST(VerifiedTokens, AKnownTokenGivesItsClaimsAgain) {
  VerifiedTokens tokens(secret);
  const std::string token = token_for("alice", now, now + 3600);
  ASSERT_TRUE(tokens.verify(token, now).ok());
  const auto again = tokens.verify(token, now + 1);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->subject, "alice");
  EXPECT_EQ(tokens.size(), 1U);
}

TEST(VerifiedTokens, ATokenVerifiedOnceStillExpires) {
  VerifiedTokens tokens(secret);
  const std::string token = token_for("alice", now, now + 100);
  ASSERT_TRUE(tokens.verify(token, now, 60).ok());
  EXPECT_TRUE(tokens.verify(token, now + 160, 60).ok()) << "within the leeway";
  const auto late = tokens.verify(token, now + 161, 60);
  ASSERT_FALSE(late.ok());
  EXPECT_NE(late.error().message.find("expired"), std::string::npos) << late.error().message;
}

TEST(VerifiedTokens, NotBeforeIsCheckedAtEveryUse) {
  VerifiedTokens tokens(secret);
  const std::string token = token_for("alice", now, now + 3600, now + 600);
  EXPECT_FALSE(tokens.verify(token, now).ok());
  EXPECT_TRUE(tokens.verify(token, now + 600).ok());
  EXPECT_FALSE(tokens.verify(token, now).ok()) << "once known, but the clock stepped back";
}

TEST(VerifiedTokens, AnAlteredTokenIsNotTakenForAKnownOne) {
  VerifiedTokens tokens(secret);
  std::string token = token_for("alice", now, now + 3600);
  ASSERT_TRUE(tokens.verify(token, now).ok());
  token.back() = token.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(tokens.verify(token, now).ok());
  const std::string foreign = sign_token(
      TokenClaims{"alice", "viewer", now, now + 3600, 1, std::nullopt}, std::string(32, 'o'));
  EXPECT_FALSE(tokens.verify(foreign, now).ok()) << "a token signed with another secret";
}

TEST(VerifiedTokens, HoldsNoMoreThanItsCapacity) {
  VerifiedTokens tokens(secret, 4);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(tokens.verify(token_for("user" + std::to_string(i), now, now + 3600), now).ok());
    EXPECT_LE(tokens.size(), 4U);
  }
}

} // namespace
} // namespace pulsemon::auth

#include "auth/jwt.h"

#include <gtest/gtest.h>
#include <sodium.h>

namespace pulsemon::auth {
namespace {

const std::string secret(32, 's');
const std::string other_secret(32, 'o');
constexpr std::int64_t now = 1'780'000'000;

TokenClaims claims(std::int64_t issued = now, std::int64_t expires = now + 3600) {
  return TokenClaims{"alice", "viewer", issued, expires, 3, std::nullopt};
}

std::string b64(std::string_view text) {
  std::string out(sodium_base64_encoded_len(text.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char *>(text.data()),
                    text.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.find('\0'));
  return out;
}

std::string part(const std::string &token, int index) {
  std::size_t start = 0;
  for (int i = 0; i < index; ++i) {
    start = token.find('.', start) + 1;
  }
  return token.substr(start, token.find('.', start) - start);
}

// A token with the right signature over any payload text, as someone who
// holds the secret (or a buggy issuer) could make it.
std::string signed_with_payload(const std::string &payload) {
  const std::string signed_part = b64(R"({"alg":"HS256","typ":"JWT"})") + "." + b64(payload);
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char *>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char *>(signed_part.data()),
                                signed_part.size());
  crypto_auth_hmacsha256_final(&state, mac.data());
  return signed_part + "." +
         b64(std::string_view(reinterpret_cast<const char *>(mac.data()), mac.size()));
}

TEST(Jwt, ASignedTokenVerifiesWithItsClaims) {
  const auto verified = verify_token(sign_token(claims(), secret), secret, now + 10);
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->subject, "alice");
  EXPECT_EQ(verified->role, "viewer");
  EXPECT_EQ(verified->expires_at, now + 3600);
  EXPECT_EQ(verified->generation, 3);
}

TEST(Jwt, RefusesExpiredAndFutureTokensBeyondTheLeeway) {
  const std::string token = sign_token(claims(now - 7200, now - 61), secret);
  EXPECT_FALSE(verify_token(token, secret, now).ok());
  EXPECT_TRUE(verify_token(sign_token(claims(now - 7200, now - 59), secret), secret, now).ok())
      << "within 60 s of leeway";
  EXPECT_FALSE(verify_token(sign_token(claims(now + 600, now + 4200), secret), secret, now).ok());
}

TEST(Jwt, RefusesAnotherSecretATamperedPayloadAndAnyOtherAlgorithm) {
  const std::string token = sign_token(claims(), secret);
  EXPECT_FALSE(verify_token(token, other_secret, now).ok());

  const std::string admin_payload =
      b64(R"({"sub":"alice","role":"admin","iat":1780000000,"exp":1780003600,"gen":3})");
  const std::string swapped = part(token, 0) + "." + admin_payload + "." + part(token, 2);
  EXPECT_FALSE(verify_token(swapped, secret, now).ok());

  const std::string none = b64(R"({"alg":"none","typ":"JWT"})") + "." + part(token, 1) + ".";
  EXPECT_FALSE(verify_token(none, secret, now).ok());
  for (const char *header : {R"({"alg":"RS256","typ":"JWT"})", R"({"alg":"HS512"})",
                             R"({"alg":"HS256","kid":"../../dev/null"})", R"({"typ":"JWT"})"}) {
    const std::string forged = b64(header) + "." + part(token, 1) + "." + part(token, 2);
    EXPECT_FALSE(verify_token(forged, secret, now).ok()) << header;
  }
}

TEST(Jwt, RefusesTokensWithoutExpiryOrWithMilliseconds) {
  // Signed correctly, but with claims the verifier must not accept.
  for (const char *payload :
       {R"({"sub":"a","role":"admin","iat":1780000000})",
        R"({"sub":"a","role":"admin","iat":1780000000,"exp":1780003600000})",
        R"({"sub":"a","role":"admin","iat":1780000000,"exp":"1780003600"})"}) {
    const std::string token = signed_with_payload(payload);
    EXPECT_FALSE(verify_token(token, secret, now).ok()) << payload;
  }
}

TEST(Jwt, RefusesGarbage) {
  for (const char *garbage :
       {"", ".", "..", "a.b.c", "a.b.c.d", "eyJhbGciOiJIUzI1NiJ9..", "💥.💥.💥",
        // {"alg":0}: found by tests/fuzz/fuzz_jwt; it threw instead of refusing.
        "eyJhbGciOjB9.eyJzdWIiOiJhIn0.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlczEyMzQ"}) {
    EXPECT_FALSE(verify_token(garbage, secret, now).ok()) << garbage;
  }
}

} // namespace
} // namespace pulsemon::auth

namespace pulsemon::auth {
namespace {

std::string payload_with(const std::string &time_claims) {
  return R"({"sub":"alice","role":"viewer","gen":3,)" + time_claims + "}";
}

// RFC 7519 NumericDate may have a fraction: an nbf an hour ahead written as
// a float was ignored, and so was one written as a string.
TEST(Jwt, TimeClaimsWithFractionsCountAndTimeClaimsThatAreNotNumbersRefuse) {
  const std::string iat = std::to_string(now);
  const std::string exp = std::to_string(now + 7200);
  const auto verify = [](const std::string &time_claims) {
    return verify_token(signed_with_payload(payload_with(time_claims)), secret, now);
  };
  ASSERT_TRUE(verify(R"("iat":)" + iat + R"(,"exp":)" + exp).ok());
  EXPECT_TRUE(verify(R"("iat":)" + iat + R"(.5,"exp":)" + exp + ".25").ok());

  const std::string hour_ahead = std::to_string(now + 3600);
  EXPECT_FALSE(
      verify(R"("iat":)" + iat + R"(,"exp":)" + exp + R"(,"nbf":)" + hour_ahead + ".0").ok())
      << "a float nbf an hour ahead";
  EXPECT_FALSE(
      verify(R"("iat":)" + iat + R"(,"exp":)" + exp + R"(,"nbf":")" + hour_ahead + R"(")").ok())
      << "an nbf written as a string";
  EXPECT_FALSE(verify(R"("iat":)" + iat + R"(,"exp":")" + exp + R"(")").ok()) << "exp as text";
  EXPECT_FALSE(verify(R"("iat":)" + iat + R"(,"exp":)" + std::to_string(now - 3600) + ".9").ok())
      << "a float exp in the past";
  EXPECT_FALSE(verify(R"("iat":)" + iat + R"(,"exp":1e308)").ok()) << "beyond any plausible time";
  EXPECT_FALSE(verify(R"("iat":)" + iat + R"(,"exp":)" + exp + R"(,"nbf":null)").ok());
  EXPECT_FALSE(verify(R"("iat":)" + iat + R"(,"exp":)" + exp + R"(,"gen":"3")").ok());

  const auto fractional = verify(R"("iat":)" + iat + R"(,"exp":)" + exp + R"(.75,"nbf":)" +
                                 std::to_string(now - 10) + ".5");
  ASSERT_TRUE(fractional.ok());
  EXPECT_EQ(fractional->expires_at, now + 7200) << "exp rounds down";
  EXPECT_EQ(fractional->not_before, now - 9) << "nbf rounds up";
}

} // namespace
} // namespace pulsemon::auth

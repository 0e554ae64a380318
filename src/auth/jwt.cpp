#include "auth/jwt.h"

#include "auth/secret_file.h"

#include "auth/secrets.h"
#include "core/untrusted_json.h"

#include <nlohmann/json.hpp>
#include <sodium.h>
#include <sys/stat.h>

#include <array>
#include <cctype>
#include <cmath>
#include <fstream>
#include <optional>

namespace pulsemon::auth {

namespace {

constexpr std::string_view pinned_header = R"({"alg":"HS256","typ":"JWT"})";
constexpr std::int64_t latest_plausible_seconds =
    100'000'000'000; // year 5138: beyond is milliseconds

std::string base64url(std::string_view bytes) {
  std::string text(
      sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(text.data(), text.size(), reinterpret_cast<const unsigned char *>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  text.resize(text.find('\0'));
  return text;
}

std::optional<std::string> from_base64url(std::string_view text) {
  std::string bytes(text.size(), '\0');
  std::size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char *>(bytes.data()), bytes.size(), text.data(),
                        text.size(), nullptr, &length, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  bytes.resize(length);
  return bytes;
}

std::array<unsigned char, crypto_auth_hmacsha256_BYTES> hmac(std::string_view message,
                                                             std::string_view secret) {
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char *>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char *>(message.data()),
                                message.size());
  crypto_auth_hmacsha256_final(&state, mac.data());
  return mac;
}

Error refused(std::string why) {
  return Error{ErrorCode::unauthenticated, "token refused: " + std::move(why)};
}

} // namespace

std::string sign_token(const TokenClaims &claims, std::string_view secret) {
  ensure_sodium();
  nlohmann::json payload{{"sub", claims.subject},
                         {"role", claims.role},
                         {"iat", claims.issued_at},
                         {"exp", claims.expires_at},
                         {"gen", claims.generation}};
  if (claims.not_before) {
    payload["nbf"] = *claims.not_before;
  }
  const std::string signed_part = base64url(pinned_header) + "." + base64url(payload.dump());
  const auto mac = hmac(signed_part, secret);
  return signed_part + "." +
         base64url(std::string_view(reinterpret_cast<const char *>(mac.data()), mac.size()));
}

Result<TokenClaims> verify_token(std::string_view token, std::string_view secret, std::int64_t now,
                                 std::int64_t leeway) {
  ensure_sodium();
  if (token.size() > 4096) {
    return refused("too long");
  }
  const auto first_dot = token.find('.');
  const auto second_dot =
      first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos ||
      token.find('.', second_dot + 1) != std::string_view::npos) {
    return refused("not three parts");
  }
  const auto header = from_base64url(token.substr(0, first_dot));
  const auto payload = from_base64url(token.substr(first_dot + 1, second_dot - first_dot - 1));
  const auto signature = from_base64url(token.substr(second_dot + 1));
  if (!header || !payload || !signature) {
    return refused("not base64url");
  }
  const auto header_parsed = parse_untrusted_json(*header, "header");
  const nlohmann::json header_json = header_parsed.ok() ? *header_parsed : nlohmann::json();
  // Compared as JSON values, not read with value(), which throws for a
  // member of another type ({"alg":0}, found by tests/fuzz/fuzz_jwt).
  const auto member_is = [&](const char *key, const char *text) {
    const auto it = header_json.find(key);
    return it != header_json.end() && *it == text;
  };
  if (!header_json.is_object() || !member_is("alg", "HS256") || header_json.size() > 2 ||
      (header_json.size() == 2 && !member_is("typ", "JWT"))) {
    return refused("header is not the pinned HS256 header");
  }
  if (signature->size() != crypto_auth_hmacsha256_BYTES) {
    return refused("bad signature length");
  }
  const auto expected = hmac(token.substr(0, second_dot), secret);
  if (sodium_memcmp(expected.data(), signature->data(), expected.size()) != 0) {
    return refused("bad signature");
  }
  const auto claims_parsed = parse_untrusted_json(*payload, "payload");
  const nlohmann::json claims_json = claims_parsed.ok() ? *claims_parsed : nlohmann::json();
  if (!claims_json.is_object()) {
    return refused("payload is not a JSON object");
  }
  const auto text = [&](const char *key) -> std::optional<std::string> {
    const auto it = claims_json.find(key);
    if (it == claims_json.end() || !it->is_string()) {
      return std::nullopt;
    }
    return it->get<std::string>();
  };
  // A time claim is a NumericDate (RFC 7519 §2): seconds since 1970, which
  // may have a fraction. Read as a whole second on the safe side (exp
  // earlier, iat and nbf later); a claim that is there but is not a number
  // in range refuses the token rather than being ignored.
  enum class Round { down, up };
  struct TimeClaim {
    bool present = false;
    std::optional<std::int64_t> seconds;
  };
  const auto time_claim = [&](const char *key, Round round) {
    const auto it = claims_json.find(key);
    if (it == claims_json.end()) {
      return TimeClaim{};
    }
    if (!it->is_number()) {
      return TimeClaim{true, std::nullopt};
    }
    const double value = it->get<double>();
    if (!std::isfinite(value) || value < 0 ||
        value > static_cast<double>(latest_plausible_seconds)) {
      return TimeClaim{true, std::nullopt};
    }
    if (it->is_number_integer()) {
      return TimeClaim{true, json_integer_in(*it, 0, latest_plausible_seconds)};
    }
    const double whole = round == Round::down ? std::floor(value) : std::ceil(value);
    return TimeClaim{true, static_cast<std::int64_t>(whole)};
  };
  TokenClaims claims;
  const auto sub = text("sub");
  const auto role = text("role");
  const TimeClaim iat = time_claim("iat", Round::up);
  const TimeClaim exp = time_claim("exp", Round::down);
  const TimeClaim nbf = time_claim("nbf", Round::up);
  if (!sub || !role || !iat.present || !exp.present) {
    return refused("sub, role, iat and exp are required");
  }
  if (!iat.seconds || !exp.seconds || (nbf.present && !nbf.seconds)) {
    return refused("exp, iat and nbf must be seconds since 1970 (not milliseconds, not text)");
  }
  if (now > *exp.seconds + leeway) {
    return refused("expired");
  }
  if (*iat.seconds > now + leeway) {
    return refused("issued in the future");
  }
  if (nbf.seconds && *nbf.seconds > now + leeway) {
    return refused("not yet valid");
  }
  const auto generation = claims_json.find("gen");
  if (generation != claims_json.end() && !generation->is_number_integer()) {
    return refused("gen must be a whole number");
  }
  claims.subject = *sub;
  claims.role = *role;
  claims.issued_at = *iat.seconds;
  claims.expires_at = *exp.seconds;
  claims.generation = generation == claims_json.end()
                          ? 0
                          : json_integer_in(*generation, INT64_MIN, INT64_MAX).value_or(-1);
  claims.not_before = nbf.seconds;
  return claims;
}

std::string load_secret(const std::string &path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    throw Failure(ErrorCode::invalid_argument,
                  "token secret " + path + " does not exist; 'pulsemon init' creates one");
  }
  // 64 hex digits and a line end; a kilobyte allows for an editor's ways.
  std::string hex = read_secret_file(path, "token secret", 1024);
  while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.back())) != 0) {
    hex.pop_back();
  }
  std::string bytes(hex.size() / 2, '\0');
  std::size_t length = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char *>(bytes.data()), bytes.size(), hex.data(),
                     hex.size(), nullptr, &length, nullptr) != 0 ||
      length < 32) {
    throw Failure(ErrorCode::invalid_argument,
                  "token secret " + path + " must hold at least 64 hex digits (256 bits)");
  }
  bytes.resize(length);
  return bytes;
}

} // namespace pulsemon::auth

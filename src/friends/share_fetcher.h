#pragma once
// Fetches a friend's share (GET /api/share/TOKEN on another pulsemon) as
// the untrusted input it is: HTTPS with the certificate checked against the
// system's store or a CA file, plain HTTP only where allowed; only to
// addresses the policy allows (friends/address_policy.h), the connection
// made to the very addresses checked; no redirect followed; the whole
// exchange (name lookup, connection, handshake, answer) within one
// deadline, so a trickle of a byte a second ends at it; the answer no
// larger than a limit, so a 1 GB body is cut off at the limit, never held.
//
// Thread safety: each call stands alone (its own io_context and TLS
// context); the refresher's thread makes them one at a time.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>

namespace pulsemon {

struct FetchLimits {
  std::chrono::seconds timeout{10};
  std::size_t max_bytes = std::size_t{1} << 20U;
  bool allow_http = false;
  bool allow_private_addresses = false;
  std::filesystem::path ca_file; // empty: the system's certificates
};

struct FetchAnswer {
  enum class Outcome {
    body,         // 200: `body` holds the answer (not yet checked), `etag` its ETag
    not_modified, // 304: the copy with the ETag sent is still the share
    gone,         // 404 or 410: the link opens nothing any more
    unreachable,  // no answer: name, connection, TLS, time, or the server's 5xx / 429
    refused,      // an answer that breaks the rules: a redirect, too big, an address refused
  };
  Outcome outcome = Outcome::unreachable;
  std::string reason; // in words, for the household; empty for body and not_modified
  std::string body;
  std::string etag;
};

[[nodiscard]] FetchAnswer fetch_share(const std::string &url, const std::string &etag,
                                      const FetchLimits &limits);

} // namespace pulsemon

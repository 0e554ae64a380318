#pragma once
// A small blocking HTTP/1.1 client for tests, on Boost.Beast, loopback only.

#include <filesystem>
#include <map>
#include <string>

namespace pulsemon::testing {

struct HttpResult {
  unsigned status = 0;
  std::string body;
  std::map<std::string, std::string> headers; // lower-case names
};

HttpResult http_request(unsigned short port, const std::string &method, const std::string &target,
                        const std::string &body = {},
                        const std::map<std::string, std::string> &headers = {});

// Signs in with POST /api/login and returns "Bearer TOKEN" for the
// Authorization header; throws with the answer when the login is refused.
std::string login_bearer(unsigned short port, const std::string &user, const std::string &password);

// The same over TLS, trusting only `certificate` (issued to localhost).
// Throws when the handshake or the certificate check fails.
HttpResult https_request(unsigned short port, const std::filesystem::path &certificate,
                         const std::string &method, const std::string &target,
                         const std::string &body = {},
                         const std::map<std::string, std::string> &headers = {});

// Sends raw `request` bytes over TLS and reads until `marker` has arrived
// (for streams that never end, such as the live stream).
std::string https_read_until(unsigned short port, const std::filesystem::path &certificate,
                             const std::string &request, const std::string &marker);

} // namespace pulsemon::testing

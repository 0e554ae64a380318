#pragma once
// A small blocking HTTP/1.1 client for tests, on Boost.Beast, loopback only.

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

} // namespace pulsemon::testing

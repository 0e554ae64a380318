// Any query string and body for every route of the API, signed in as an
// admin (or with a device key for the device route), handled by the real
// router and handlers over a real SQLite file: the JSON bodies of login,
// ingest, meter admin and the legacy PUTs, and the query parameters of the
// reads. A 5xx answer is a finding: bad input must be a 4xx.
//
// Input: byte 0 picks the route, byte 1 bit 0 the body's type (JSON or a
// form), and the rest is "QUERY\nBODY".
#include "support/api_in_process.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using pulsemon::testing::api_in_process;

std::string concrete_path(std::string pattern) {
  for (auto open = pattern.find('{'); open != std::string::npos; open = pattern.find('{')) {
    pattern.replace(open, pattern.find('}', open) - open + 1, "1");
  }
  return pattern;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size < 2) {
    return 0;
  }
  auto &api = api_in_process();
  const auto &routes = api.router().routes();
  const pulsemon::http::Route &route = routes[data[0] % routes.size()];
  const bool json = (data[1] & 1U) == 0;
  const std::string_view rest(reinterpret_cast<const char *>(data) + 2, size - 2);
  const std::string_view query = rest.substr(0, rest.find('\n'));
  const std::string_view body =
      query.size() < rest.size() ? rest.substr(query.size() + 1) : std::string_view{};

  pulsemon::http::Request request;
  request.method = route.method;
  request.path = concrete_path(route.pattern);
  request.target = request.path + "?" + std::string(query);
  request.query = pulsemon::http::parse_form(query);
  request.body = body;
  request.remote_address = "127.0.0.1";
  request.headers["content-type"] = json ? "application/json" : "application/x-www-form-urlencoded";
  request.headers["authorization"] =
      "Bearer " +
      (route.access == pulsemon::http::Access::device ? api.device_key() : api.admin_token());
  const pulsemon::http::Response response = pulsemon::http::settle(api.router().handle(request));
  if (pulsemon::testing::is_server_failure(response.status)) {
    std::fprintf(stderr, "%s %s answered %u: %s\n", route.method.c_str(), request.target.c_str(),
                 response.status, response.body.c_str());
    std::abort();
  }
  if (response.next_chunk) {
    // A streamed answer (the pulse export) is read to its end, as the
    // server would.
    while (response.next_chunk()) {
    }
  }
  return 0;
}

#pragma once
// What a route handler sees and returns. Kept free of Beast types so that
// handlers read as plain functions from a request to a response.

#include "core/result.h"
#include "core/site.h"

#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace pulsemon::http {

// The caller, once a token was verified.
struct Principal {
  std::string user;
  std::string role;        // admin | user | viewer, or device for a device key
  std::int64_t key_id = 0; // the device key's id when role is device
  // False for a device key of the right form that is not yet looked up:
  // the route's handler checks it where it stores the upload, off the
  // event loop (see authenticate in api/api.h).
  bool key_checked = true;
  // A user's sites with the role in each, and whether the user works
  // across sites (core/site.h); read from the store at each request, so a
  // changed membership counts at once. Empty for keys and the metrics token.
  std::vector<SiteMembership> sites{};
  bool is_operator = false;
  // A display link's (role "display", core/share_link.h): the only meters
  // it shows, as a viewer of its one site; empty for everyone else.
  std::vector<std::int64_t> display_meters{};
};

struct Request {
  std::string method; // "GET", "POST", …
  std::string target; // as sent, with the query
  std::string path;   // decoded, without the query
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> params;  // from {placeholders} in the route
  std::map<std::string, std::string> headers; // lower-case names
  std::string body;
  std::string remote_address;
  std::optional<Principal> principal;

  [[nodiscard]] std::string header(const std::string &lower_name) const {
    const auto it = headers.find(lower_name);
    return it == headers.end() ? std::string{} : it->second;
  }
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // The answer to a HEAD: the GET's headers (its Content-Length too), sent
  // without the body.
  bool head_only = false;
  // True: the connection becomes a Server-Sent Events stream (GET /api/live)
  // and the fields above are not used.
  bool live_stream = false;
  // For a live stream: who opened it (streams are capped per user), and a
  // check that the hub runs where handlers run about twice a second while
  // the stream is open, saying why it must end (its token expired, its
  // user was deleted or changed password or role); the stream then ends
  // with a last `end` event that carries the reason.
  std::string stream_owner;
  std::function<std::optional<std::string>()> stream_ends_because;
  // For a live stream: the topics (sites) whose events it receives.
  std::set<std::int64_t> stream_audience;
  // When set, the body is sent in chunks as this returns them, until it
  // returns nothing: a large answer is never built whole in memory.
  std::function<std::optional<std::string>()> next_chunk;
  // When set, the answer is worked out off the event loop (a password
  // hash): the server calls this with `finish`, which the work must call
  // exactly once, from any thread, with what makes the answer; that runs
  // where handlers run again, so it may use what handlers use. The other
  // fields are not used.
  using MakeResponse = std::function<Response()>;
  using Finish = std::function<void(MakeResponse)>;
  std::function<void(Finish)> deferred;
};

// The answer itself, for callers without an event loop (tests, fuzz
// targets): a deferred answer is waited for and made on this thread.
[[nodiscard]] Response settle(Response response);

// A complete JSON answer.
[[nodiscard]] Response json_response(unsigned status, std::string body);

// The text of a JSON answer. Bytes that are not UTF-8 (a percent-decoded
// path or query echoed in an error, a name set from a shell) become U+FFFD
// instead of making the serializer throw: every answer must be writable.
[[nodiscard]] std::string json_text(const nlohmann::json &value);

// 200 with `body` as its JSON text.
[[nodiscard]] Response json_ok(const nlohmann::json &body);

// {"error":{"code":"…","message":"…"}} with the status for `code`.
[[nodiscard]] Response error_response(unsigned status, std::string_view code,
                                      std::string_view message);
[[nodiscard]] Response error_response(const Error &error);
[[nodiscard]] unsigned status_for(ErrorCode code);

// Parses a query string or a form body: a=1&b=two%20words.
[[nodiscard]] std::map<std::string, std::string> parse_form(std::string_view text);
[[nodiscard]] std::string percent_decode(std::string_view text);

} // namespace pulsemon::http

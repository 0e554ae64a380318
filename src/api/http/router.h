#pragma once
// The route table: method + path pattern → handler, with who may call it.
// Authentication and role checks happen here, once, before any handler runs,
// so a handler cannot forget them; the table is also what the tests walk to
// prove that every non-public route refuses a caller without a token.

#include "api/http/message.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace pulsemon::http {

enum class Access {
  open,    // no token needed (login, health, the OpenAPI document)
  viewer,  // any signed-in user
  user,    // users and admins
  admin,   // admins only
  device,  // a sensor node's device key, and nothing else (user tokens get 403)
  metrics, // any signed-in user, or the metrics token (role "metrics"), which opens nothing else
};

using Handler = std::function<Response(Request &)>;

struct Route {
  std::string method;  // "GET", "POST", "PUT", "DELETE"
  std::string pattern; // "/api/meters/{id}"
  Access access = Access::viewer;
  Handler handler;
  // The body a legacy client expects when its token is missing or bad;
  // empty for the JSON error of the v1 API.
  std::string legacy_unauthenticated_body;
  // One of the old service's endpoints: its answers carry the CORS headers
  // the old service sent (any origin), so browser clients keep working.
  bool legacy = false;
  // Read-only and part of the dashboard's Home: a display link (role
  // "display") may call it; every other route answers a display 403.
  bool display = false;
};

// Verifies the token of a request (from `Authorization: Bearer` or the
// legacy `X-Access-Token`) for a route of the given access and returns who
// it is, or an error.
using Authenticator = std::function<Result<Principal>(const Request &, Access)>;

// Runs once at the start of every request that matched a route, before its
// authentication: where state that a request reads is brought up to date.
using RequestHook = std::function<void()>;

// Told of every answer of a matched route, with how long its handler took
// (for /metrics; a deferred answer's later part is not counted).
using AnswerHook = std::function<void(const Route &, unsigned status, double seconds)>;

class Router {
public:
  explicit Router(Authenticator authenticate, RequestHook before_each = {})
      : authenticate_(std::move(authenticate)), before_each_(std::move(before_each)) {}

  void add(Route route);
  [[nodiscard]] const std::vector<Route> &routes() const { return routes_; }

  // The origins (scheme://host[:port]) whose browser pages may call the v1
  // API (http.cors_origins; "*" for any). None by default: a page from
  // elsewhere cannot read the answers. Legacy routes allow any origin.
  void set_cors_origins(std::vector<std::string> origins) { cors_origins_ = std::move(origins); }

  void set_answer_hook(AnswerHook hook) { answered_ = std::move(hook); }

  // Finds the route, checks access, runs the handler; turns a Failure thrown
  // by any of them (a store that cannot be read, say) into its JSON error
  // and anything else into a 500 that leaks nothing.
  [[nodiscard]] Response handle(Request &request) const;

private:
  // The hook, the access checks and the handler of a matched route.
  [[nodiscard]] Response run(const Route &matched, Request &request) const;
  // The answer to a CORS preflight (OPTIONS) for a path some routes take.
  [[nodiscard]] Response preflight(const std::vector<const Route *> &matching,
                                   const Request &request) const;
  // The CORS headers for an answer of `route` to `request` (none when the
  // request's origin may not read it).
  [[nodiscard]] std::vector<std::pair<std::string, std::string>>
  cors_headers(bool legacy, const Request &request) const;

  Authenticator authenticate_;
  RequestHook before_each_;
  std::vector<Route> routes_;
  std::vector<std::string> cors_origins_;
  AnswerHook answered_;
  // Per route, the server failure last written to the log: the same one
  // again (a full disk refusing every upload) is not, until the route has
  // answered without one. The router runs on one thread only.
  mutable std::map<const Route *, std::string> failure_logged_;
};

// Whether `path` matches `pattern`, filling `params` from {placeholders}; a
// pattern that ends in "/*" takes any rest of the path, or none.
[[nodiscard]] bool match_path(std::string_view pattern, std::string_view path,
                              std::map<std::string, std::string> &params);

} // namespace pulsemon::http

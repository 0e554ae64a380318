#include "api/http/router.h"

#include "core/quoted_input.h"

#include <chrono>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace pulsemon::http {

namespace {

int rank(std::string_view role) {
  if (role == "admin") {
    return 3;
  }
  if (role == "user") {
    return 2;
  }
  if (role == "viewer") {
    return 1;
  }
  return 0;
}

int required_rank(Access access) {
  switch (access) {
  case Access::open:
    return 0;
  case Access::viewer:
  case Access::metrics:
    return 1;
  case Access::user:
    return 2;
  case Access::admin:
  case Access::device:
    return 3;
  }
  return 3;
}

std::string_view next_segment(std::string_view &rest) {
  const auto slash = rest.find('/');
  const std::string_view segment = rest.substr(0, slash);
  rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  return segment;
}

} // namespace

bool match_path(std::string_view pattern, std::string_view path,
                std::map<std::string, std::string> &params) {
  std::map<std::string, std::string> found;
  while (!pattern.empty() || !path.empty()) {
    if (pattern == "*") {
      break; // a trailing * takes the rest of the path, or none of it
    }
    if (pattern.empty() || path.empty()) {
      return false;
    }
    const std::string_view want = next_segment(pattern);
    const std::string_view have = next_segment(path);
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      if (have.empty()) {
        return false;
      }
      found[std::string(want.substr(1, want.size() - 2))] = std::string(have);
    } else if (want != have) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

void Router::add(Route route) {
  routes_.push_back(std::move(route));
}

Response Router::handle(Request &request) const {
  if (request.method == "HEAD") {
    // What a GET would answer, without its body (RFC 9110, 9.3.2); a
    // stream or a chunked answer has no length to give.
    request.method = "GET";
    Response response = handle(request);
    request.method = "HEAD";
    if (response.live_stream || response.next_chunk || response.deferred) {
      return error_response(405, "method_not_allowed",
                            "HEAD is answered for pages and documents, not for streams; use GET");
    }
    response.head_only = true;
    return response;
  }
  const Route *matched = nullptr;
  std::vector<const Route *> on_path;
  std::string allowed;
  for (const Route &route : routes_) {
    std::map<std::string, std::string> params;
    if (!match_path(route.pattern, request.path, params)) {
      continue;
    }
    on_path.push_back(&route);
    if (route.method != request.method) {
      allowed += (allowed.empty() ? "" : ", ") + route.method;
      continue;
    }
    matched = &route;
    request.params = std::move(params);
    break;
  }
  if (matched == nullptr) {
    if (request.method == "OPTIONS" && !on_path.empty()) {
      return preflight(on_path, request);
    }
    if (!allowed.empty()) {
      Response response = error_response(405, "method_not_allowed",
                                         request.method + " is not allowed here; use " + allowed);
      response.headers.emplace_back("Allow", allowed);
      return response;
    }
    return error_response(404, "not_found", "no such endpoint: " + quoted_input(request.path));
  }

  Response response;
  const auto started = std::chrono::steady_clock::now();
  try {
    response = run(*matched, request);
  } catch (const Failure &failure) {
    response = error_response(failure.error());
    // The client's mistakes are its own to read; the server's go in the
    // log, once per episode.
    std::string &logged = failure_logged_[matched];
    if (response.status >= 500 && logged != failure.error().message) {
      spdlog::warn("{} {}: answered {}: {} (said once until it answers without it)", request.method,
                   request.path, response.status, failure.error().message);
      logged = failure.error().message;
    }
  } catch (const std::exception &unexpected) {
    spdlog::error("{} {}: {}", request.method, request.path, unexpected.what());
    response = error_response(500, "internal", "the server failed; the log says why");
  }
  if (response.status < 500 && !response.deferred) {
    failure_logged_.erase(matched);
  }
  if (answered_) {
    answered_(*matched, response.status,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  const auto cors = cors_headers(matched->legacy, request);
  if (cors.empty()) {
    return response;
  }
  if (response.deferred) {
    // The answer is made later; it gets the headers then.
    response.deferred = [deferred = std::move(response.deferred),
                         cors](const Response::Finish &finish) {
      deferred([finish, cors](Response::MakeResponse make) {
        finish([make = std::move(make), cors] {
          Response made = make();
          made.headers.insert(made.headers.end(), cors.begin(), cors.end());
          return made;
        });
      });
    };
    return response;
  }
  response.headers.insert(response.headers.end(), cors.begin(), cors.end());
  return response;
}

std::vector<std::pair<std::string, std::string>>
Router::cors_headers(bool legacy, const Request &request) const {
  if (legacy) {
    // What the old service sent on every answer.
    return {{"Access-Control-Allow-Origin", "*"},
            {"Access-Control-Allow-Methods", "GET,PUT,POST,DELETE,OPTIONS"},
            {"Access-Control-Allow-Headers",
             "X-Requested-With,Content-type,Accept,X-Access-Token,X-Key"}};
  }
  const std::string origin = request.header("origin");
  if (origin.empty()) {
    return {};
  }
  const bool allowed = std::any_of(cors_origins_.begin(), cors_origins_.end(),
                                   [&](const std::string &o) { return o == "*" || o == origin; });
  if (!allowed) {
    return {};
  }
  return {{"Access-Control-Allow-Origin", origin},
          {"Vary", "Origin"},
          {"Access-Control-Allow-Methods", "GET,PUT,POST,OPTIONS"},
          {"Access-Control-Allow-Headers", "Authorization,Content-Type,X-Access-Token"}};
}

Response Router::preflight(const std::vector<const Route *> &matching,
                           const Request &request) const {
  std::string methods;
  bool legacy = false;
  for (const Route *route : matching) {
    methods += (methods.empty() ? "" : ", ") + route->method;
    legacy = legacy || route->legacy;
  }
  Response response;
  response.status = 204;
  response.content_type.clear();
  response.headers.emplace_back("Allow", methods + ", OPTIONS");
  const auto cors = cors_headers(legacy, request);
  response.headers.insert(response.headers.end(), cors.begin(), cors.end());
  return response;
}

Response Router::run(const Route &matched, Request &request) const {
  if (before_each_) {
    before_each_();
  }
  if (matched.access != Access::open) {
    auto principal = authenticate_(request, matched.access);
    if (!principal.ok()) {
      spdlog::debug("{} {} from {}: {}", request.method, request.path, request.remote_address,
                    principal.error().message);
      if (!matched.legacy_unauthenticated_body.empty()) {
        return json_response(401, matched.legacy_unauthenticated_body);
      }
      return error_response(401, "unauthenticated",
                            "a valid token is needed: log in at POST /api/login and send it as "
                            "'Authorization: Bearer TOKEN'");
    }
    const bool is_device = principal->role == "device";
    const bool metrics_token = principal->role == "metrics";
    if (matched.access == Access::metrics && metrics_token) {
      request.principal = std::move(principal).value();
      return matched.handler(request);
    }
    if (matched.access == Access::device && !is_device) {
      return error_response(403, "forbidden",
                            "this endpoint takes a device key ('pulsemon key add'), not a login");
    }
    if (principal->role == "display") {
      if (!matched.display) {
        return error_response(403, "forbidden",
                              "a display link opens the dashboard's Home and nothing else");
      }
    } else if (matched.access != Access::device &&
               rank(principal->role) < required_rank(matched.access)) {
      return error_response(403, "forbidden",
                            is_device ? "a device key may only upload pulses (POST /api/ingest)"
                            : metrics_token
                                ? "the metrics token opens GET /metrics and nothing else"
                                : "your role (" + principal->role + ") may not do this");
    }
    request.principal = std::move(principal).value();
  }
  return matched.handler(request);
}

} // namespace pulsemon::http

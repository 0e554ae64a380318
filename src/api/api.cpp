#include "api/api.h"

#include "api/openapi.h"
#include "api/site_access.h"
#include "auth/jwt.h"
#include "auth/secrets.h"
#include "core/quoted_input.h"
#include "core/time_text.h"
#include "core/untrusted_json.h"
#include "core/whole_number.h"
#include "ingest/ingest_batch.h"

#include <nlohmann/json.hpp>

namespace pulsemon {

LivePowers live_powers(ApiContext &context) {
  LivePowers powers;
  if (context.live) {
    for (const MeterLiveStatus &status : context.live()) {
      powers.emplace(status.meter_id, LivePower{status.power, status.power_latency});
    }
  }
  return powers;
}

const LivePower *live_power(const LivePowers &powers, std::int64_t meter_id) {
  const auto it = powers.find(meter_id);
  return it == powers.end() ? nullptr : &it->second;
}

namespace {

// Compares without stopping at the first difference, so the time taken
// tells nothing about how much of a guess was right.
bool same_secret(const std::string &given, const std::string &expected) {
  if (given.size() != expected.size()) {
    return false;
  }
  unsigned char difference = 0;
  for (std::size_t i = 0; i < given.size(); ++i) {
    difference |= static_cast<unsigned char>(given[i] ^ expected[i]);
  }
  return difference == 0;
}

// A display link's token (core/share_link.h): a viewer of the link's site
// that sees its chosen meters only, while the link is open.
Result<http::Principal> display_principal(ApiContext &context, const std::string &token) {
  const std::optional<Link> link = context.store.find_open_link(
      auth::hash_link_token(token.size() <= 2 * auth::link_token_length ? token : std::string()),
      LinkKind::display, context.time->wall_now());
  if (!link) {
    return Error{ErrorCode::unauthenticated, "no such display link, or it was revoked or expired"};
  }
  http::Principal principal{"display link " + std::to_string(link->id), "display", 0};
  principal.sites = {SiteMembership{link->site_id, Role::viewer}};
  principal.display_meters = link->meters;
  return principal;
}

} // namespace

std::string request_token(const http::Request &request) {
  const std::string authorization = request.header("authorization");
  if (authorization.rfind("Bearer ", 0) == 0) {
    return authorization.substr(7);
  }
  return request.header("x-access-token");
}

Result<http::Principal> authenticate(ApiContext &context, const http::Request &request,
                                     http::Access access) {
  const std::string token = request_token(request);
  if (token.empty()) {
    return Error{ErrorCode::unauthenticated, "no token"};
  }
  if (!context.metrics_token.empty() && same_secret(token, context.metrics_token)) {
    return http::Principal{"metrics token", "metrics", 0};
  }
  if (token.starts_with(display_token_prefix)) {
    return display_principal(context, token.substr(display_token_prefix.size()));
  }
  if (const auto parsed = auth::parse_device_key(token)) {
    if (access == http::Access::device && context.ingest_worker) {
      return http::Principal{"key " + std::to_string(parsed->id), "device", parsed->id, false};
    }
    const auto key = known_device_key(context.store, token);
    if (!key) {
      return Error{ErrorCode::unauthenticated, "unknown or revoked device key"};
    }
    return http::Principal{"key " + std::to_string(key->id), "device", key->id};
  }
  const std::int64_t now =
      std::chrono::floor<std::chrono::seconds>(context.time->wall_now()).time_since_epoch().count();
  auto claims = context.verified_tokens.verify(token, now);
  if (!claims.ok()) {
    return claims.error();
  }
  // The user must still exist and not have changed password since; the role
  // comes from the user table, so a demotion takes effect at once.
  // A token issued before the account existed was another account's, one
  // since deleted under the same name.
  const auto user = context.reads.find_user(claims->subject);
  if (!user || user->token_generation != claims->generation ||
      claims->issued_at <
          std::chrono::floor<std::chrono::seconds>(user->created).time_since_epoch().count()) {
    return Error{ErrorCode::unauthenticated, "token of a deleted user or an old password"};
  }
  // The router's gate takes the highest role the user holds anywhere (an
  // operator's counts as admin); the routes then check the site of what
  // is asked for (api/site_access.h).
  http::Principal principal{
      user->name, std::string(to_string(user->is_operator ? Role::admin : user->role)), 0};
  principal.sites = user->sites;
  principal.is_operator = user->is_operator;
  return principal;
}

// Path ids are whole positive numbers; anything else is a 400 that names it.
std::int64_t path_meter_id(const http::Request &request) {
  const std::string &text = request.params.at("id");
  const auto id = whole_number_in(text, 1, max_meter_id);
  if (!id) {
    throw Failure(ErrorCode::invalid_argument, "id: " + quoted_input(text) +
                                                   " is not a meter id (a whole number from 1 "
                                                   "to " +
                                                   std::to_string(max_meter_id) + ")");
  }
  return *id;
}

std::int64_t integer_query(const http::Request &request, const std::string &name, std::int64_t low,
                           std::int64_t high, std::int64_t fallback) {
  const auto it = request.query.find(name);
  if (it == request.query.end() || it->second.empty()) {
    return fallback;
  }
  const auto value = whole_number_in(it->second, low, high);
  if (!value) {
    throw Failure(ErrorCode::invalid_argument,
                  name + ": " + quoted_input(it->second) + " is not a whole number from " +
                      std::to_string(low) + " to " + std::to_string(high));
  }
  return *value;
}

nlohmann::json json_body_object(const http::Request &request) {
  nlohmann::json body = value_or_throw(parse_untrusted_json(request.body, "body"));
  if (!body.is_object()) {
    throw Failure(ErrorCode::invalid_argument, "body: must be a JSON object");
  }
  return body;
}

nlohmann::json utc_or_null(const std::optional<UtcTime> &time) {
  return time ? nlohmann::json(format_utc(*time)) : nlohmann::json();
}

nlohmann::json household_profile_json(const HouseholdProfile &profile) {
  return {
      {"people", profile.people ? nlohmann::json(*profile.people) : nlohmann::json()},
      {"floor_area_m2",
       profile.floor_area_m2 ? nlohmann::json(*profile.floor_area_m2) : nlohmann::json()},
      {"heating", profile.heating.empty() ? nlohmann::json() : nlohmann::json(profile.heating)}};
}

http::Response hashing_busy() {
  http::Response response = http::error_response(
      503, "unavailable", "too many passwords are being checked at once; try again in 1 s");
  response.headers.emplace_back("Retry-After", "1");
  return response;
}

http::Response after_hashing(ApiContext &context, std::string password,
                             std::function<http::Response(const std::string &)> answer) {
  http::Response deferred;
  deferred.deferred = [&context, password = std::move(password),
                       answer = std::move(answer)](const http::Response::Finish &finish) {
    const bool queued = context.hashing.submit([password, answer, finish] {
      finish([hash = auth::hash_password(password), answer] { return answer(hash); });
    });
    if (!queued) {
      finish([] { return hashing_busy(); });
    }
  };
  return deferred;
}

namespace {

// GET /api/live: the stream stays bound to the credential that opened it,
// and carries the events of the sites its user sees (api/site_access.h).
// While it is open the token is checked again as a new request's would be
// (its expiry, its user's password and existence); a changed role ends it
// too, so that a stream never shows more than its user may now see.
http::Response live_stream(ApiContext &context, const http::Request &request) {
  http::Request credential;
  for (const char *header : {"authorization", "x-access-token"}) {
    if (const auto it = request.headers.find(header); it != request.headers.end()) {
      credential.headers.insert(*it);
    }
  }
  const http::Principal opened_as = request.principal.value_or(http::Principal{});
  http::Response stream;
  stream.live_stream = true;
  stream.stream_owner = opened_as.user;
  stream.stream_audience = visible_sites(context, opened_as);
  if (!opened_as.display_meters.empty()) {
    // A display link's stream: its meters' events only, which the daemon
    // also publishes under the meter's display topic.
    stream.stream_audience.clear();
    for (const std::int64_t meter_id : opened_as.display_meters) {
      stream.stream_audience.insert(display_topic(meter_id));
    }
  }
  stream.stream_ends_because = [&context, credential = std::move(credential), opened_as,
                                audience = stream.stream_audience]() -> std::optional<std::string> {
    const auto now = authenticate(context, credential);
    if (!now.ok()) {
      return "the stream's credential no longer holds: " + now.error().message;
    }
    if (now->role != opened_as.role || now->sites != opened_as.sites ||
        now->is_operator != opened_as.is_operator) {
      return "the user's role or sites changed; open the stream again";
    }
    if (now->display_meters.empty() && visible_sites(context, *now) != audience) {
      return "the sites this stream may show changed (a grant given or revoked); open it again";
    }
    return std::nullopt;
  };
  return stream;
}

} // namespace

http::Router make_router(ApiContext &context) {
  http::Router router(
      [&context](const http::Request &request, http::Access access) {
        return authenticate(context, request, access);
      },
      [&context] { context.reads.refresh(); });
  router.set_cors_origins(context.settings.cors_origins);
  router.set_answer_hook([&context](const http::Route &route, unsigned status, double seconds) {
    RouteCounts &counts = context.http_counts[&route];
    if (counts.route.empty()) {
      counts.route = route.method + " " + route.pattern;
    }
    counts.by_status[status] += 1;
    counts.seconds.observe(seconds);
  });
  router.add({"GET",
              "/healthz",
              http::Access::open,
              [](http::Request &) { return http::json_response(200, R"({"status":"ok"})"); },
              {}});
  router.add(
      {"GET",
       "/api/openapi.json",
       http::Access::open,
       [](http::Request &) { return http::json_response(200, std::string(openapi_document())); },
       {}});
  router.add({"GET",
              "/api/live",
              http::Access::viewer,
              [&context](http::Request &request) { return live_stream(context, request); },
              {},
              false,
              true});
  add_login_routes(router, context);
  add_meter_routes(router, context);
  add_meter_admin_routes(router, context);
  add_household_routes(router, context);
  add_ingest_routes(router, context);
  add_legacy_routes(router, context);
  add_admin_routes(router, context);
  add_dashboard_routes(router, context);
  add_metrics_routes(router, context);
  add_site_routes(router, context);
  add_share_routes(router, context);
  add_friend_routes(router, context);
  return router;
}

} // namespace pulsemon

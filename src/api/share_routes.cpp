// Share and display links (core/share_link.h, docs/sharing.md):
//   GET/POST /api/shares, DELETE /api/shares/{id}: a household's links,
//     made and revoked by its members and owners;
//   GET /api/share/{token}: what a share link opens, as JSON, with no
//     sign-in; GET /share/{token}: the page that shows it.
// Every token that opens nothing (unknown, revoked, expired, a display
// link's) gets the same 404 after the same work: the token is hashed and
// looked up whatever its form, and the answer made only after both.
// Requests are counted per address, hits or misses alike, so guessing is
// slow and a friend's pulsemon fetching hourly never notices.
#include "api/api.h"
#include "api/site_access.h"
#include "auth/secrets.h"
#include "core/quoted_input.h"
#include "core/time_text.h"
#include "core/untrusted_json.h"
#include "core/whole_number.h"
#include "domain/share_figures.h"

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace pulsemon {

namespace {

std::string link_path(const Link &link, const std::string &token) {
  return (link.kind == LinkKind::share ? "/share/" : "/display/") + token;
}

// A link as its household sees it in the list (never its token).
nlohmann::json link_json(const Link &link, UtcTime now) {
  nlohmann::json body{{"id", link.id},
                      {"site", link.site_id},
                      {"kind", to_string(link.kind)},
                      {"label", link.label},
                      {"meters", link.meters},
                      {"expires", utc_or_null(link.expires)},
                      {"created_by", link.created_by},
                      {"created", format_utc(link.created)},
                      {"revoked", utc_or_null(link.revoked)},
                      {"last_used", utc_or_null(link.last_used)},
                      {"uses", link.uses},
                      {"open", link_open(link, now)}};
  if (link.kind == LinkKind::share) {
    body["granularity"] = to_string(link.granularity);
    body["window_days"] = link.window_days;
    body["household"] = household_profile_json(link.normalisers);
    body["show_names"] = link.show_names;
  }
  return body;
}

std::vector<std::int64_t> body_meters(const nlohmann::json &body) {
  const auto found = body.find("meters");
  if (found == body.end() || !found->is_array() || found->empty() ||
      found->size() > max_link_meters) {
    throw Failure(ErrorCode::invalid_argument,
                  "meters: a list of 1 to " + std::to_string(max_link_meters) + " meter ids");
  }
  std::vector<std::int64_t> meters;
  for (const nlohmann::json &item : *found) {
    const auto id = json_integer_in(item, 1, max_meter_id);
    if (!id) {
      throw Failure(ErrorCode::invalid_argument, "meters: each a meter id (a whole number)");
    }
    meters.push_back(*id);
  }
  std::sort(meters.begin(), meters.end());
  meters.erase(std::unique(meters.begin(), meters.end()), meters.end());
  return meters;
}

std::string body_text(const nlohmann::json &body, const std::string &name,
                      const std::string &fallback) {
  const auto found = body.find(name);
  if (found == body.end() || found->is_null()) {
    return fallback;
  }
  if (!found->is_string()) {
    throw Failure(ErrorCode::invalid_argument, name + ": must be a string");
  }
  return found->get<std::string>();
}

// The normalisers a share gives: the body's, else what the home site's
// household said about itself (the one profile kept so far).
HouseholdProfile body_normalisers(ApiContext &context, const nlohmann::json &body,
                                  std::int64_t site_id) {
  HouseholdProfile profile =
      site_id == home_site_id ? context.store.household() : HouseholdProfile{};
  if (const auto people = body.find("people"); people != body.end()) {
    if (people->is_null()) {
      profile.people.reset();
    } else {
      const auto value = json_integer_in(*people, 1, max_people);
      if (!value) {
        throw Failure(ErrorCode::invalid_argument,
                      "people: a whole number from 1 to " + std::to_string(max_people));
      }
      profile.people = static_cast<int>(*value);
    }
  }
  if (const auto area = body.find("floor_area_m2"); area != body.end()) {
    if (area->is_null()) {
      profile.floor_area_m2.reset();
    } else if (!area->is_number() || !std::isfinite(area->get<double>())) {
      throw Failure(ErrorCode::invalid_argument, "floor_area_m2: must be a number");
    } else {
      profile.floor_area_m2 = area->get<double>();
    }
  }
  profile.heating = body_text(body, "heating", profile.heating);
  return profile;
}

http::Response add_link(ApiContext &context, const http::Request &request) {
  static const std::set<std::string> known{"kind",        "label",     "meters", "granularity",
                                           "window_days", "expires",   "people", "floor_area_m2",
                                           "heating",     "show_names"};
  const nlohmann::json body = json_body_object(request);
  for (const auto &[key, value] : body.items()) {
    if (!known.contains(key)) {
      throw Failure(ErrorCode::invalid_argument,
                    key + ": is not a link field (kind, label, meters, granularity, window_days, "
                          "expires, people, floor_area_m2, heating, show_names)");
    }
  }
  const http::Principal &caller = caller_of(request);
  const UtcTime now = context.time->wall_now();
  Link link;
  link.kind = value_or_throw(parse_link_kind(body_text(body, "kind", "share")));
  link.label = body_text(body, "label", "");
  link.meters = body_meters(body);
  for (const std::int64_t meter_id : link.meters) {
    check_meter_in_reach(context, caller, meter_id, Role::user);
  }
  link.site_id = context.store.meter(link.meters.front()).site_id;
  if (link.kind == LinkKind::share) {
    link.granularity =
        value_or_throw(parse_share_granularity(body_text(body, "granularity", "day")));
    if (const auto window = body.find("window_days"); window != body.end()) {
      const auto days = json_integer_in(*window, 1, max_share_window_days);
      if (!days) {
        throw Failure(ErrorCode::invalid_argument, "window_days: a whole number of days from 1 "
                                                   "to " +
                                                       std::to_string(max_share_window_days));
      }
      link.window_days = static_cast<int>(*days);
    }
    link.normalisers = body_normalisers(context, body, link.site_id);
    if (const auto names = body.find("show_names"); names != body.end()) {
      if (!names->is_boolean()) {
        throw Failure(ErrorCode::invalid_argument, "show_names: true or false");
      }
      link.show_names = names->get<bool>();
    }
  }
  if (const std::string expires = body_text(body, "expires", ""); !expires.empty()) {
    link.expires = value_or_throw(parse_time(expires, *date::locate_zone(context.settings.zone)));
  }
  link.created_by = caller.user;
  link.created = now;
  const std::string token = auth::make_link_token();
  link.token_hash = auth::hash_link_token(token);
  link.id = context.store.add_link(link, now);
  nlohmann::json answer = link_json(link, now);
  answer["token"] = token;
  answer["path"] = link_path(link, token);
  return http::json_response(201, http::json_text(answer));
}

http::Response revoke_link(ApiContext &context, const http::Request &request) {
  const std::string &text = request.params.at("id");
  const auto id = whole_number_in(text, 1, max_site_id);
  if (!id) {
    throw Failure(ErrorCode::invalid_argument,
                  "id: " + quoted_input(text) + " is not a link id (a whole number from 1)");
  }
  const UtcTime now = context.time->wall_now();
  for (const std::int64_t site : sites_with_role(caller_of(request), Role::user)) {
    for (const Link &link : context.store.links(site)) {
      if (link.id == *id) {
        context.store.revoke_link(site, link.id, now);
        Link revoked = link;
        revoked.revoked = revoked.revoked.value_or(now);
        return http::json_ok(link_json(revoked, now));
      }
    }
  }
  throw Failure(ErrorCode::not_found, "link " + std::to_string(*id) + " does not exist");
}

constexpr std::string_view no_share = "no share at this address: it may have been revoked or "
                                      "have expired";

// The link of `kind` a token opens now, or nothing; the same work for a
// token never made as for a revoked or expired one (Store::find_open_link).
std::optional<Link> open_link(ApiContext &context, const http::Request &request, LinkKind kind) {
  const std::string &token = request.params.at("token");
  return context.store.find_open_link(
      auth::hash_link_token(token.size() <= 2 * auth::link_token_length ? token : ""), kind,
      context.time->wall_now());
}

// Too many requests from this address within the minute: 429 until its
// oldest ages out. Every request counts.
std::optional<http::Response> over_share_limit(ApiContext &context, const http::Request &request) {
  const MonoTime now = context.time->monotonic_now();
  const std::chrono::seconds wait = context.share_requests.wait_time(request.remote_address, now);
  if (wait.count() > 0) {
    http::Response response =
        http::error_response(429, "too_many_requests",
                             "too many requests for shared pages from this address; try again "
                             "in " +
                                 std::to_string(wait.count()) + " s");
    response.headers.emplace_back("Retry-After", std::to_string(wait.count()));
    return response;
  }
  context.share_requests.record_failure(request.remote_address, now);
  return std::nullopt;
}

nlohmann::json figures_json(const ShareFigures &figures, const Link &link) {
  nlohmann::json meters = nlohmann::json::array();
  int ref = 0;
  for (const SharedMeter &meter : figures.meters) {
    nlohmann::json periods = nlohmann::json::array();
    for (const SharedPeriod &period : meter.periods) {
      nlohmann::json item{{"first_day", period.first_day},
                          {"last_day", period.last_day},
                          {"value", std::round(period.value * 1000.0) / 1000.0}};
      if (period.kwh) {
        item["kwh"] = std::round(*period.kwh * 1000.0) / 1000.0;
      }
      periods.push_back(std::move(item));
    }
    nlohmann::json item{{"ref", ++ref},
                        {"kind", to_string(meter.kind)},
                        {"unit", meter.unit},
                        {"periods", std::move(periods)}};
    if (meter.name) {
      item["name"] = *meter.name;
      item["location"] = meter.location.value_or("");
    }
    meters.push_back(std::move(item));
  }
  return {{"pulsemon_share", 1},
          {"label", link.label},
          {"granularity", to_string(link.granularity)},
          {"first_day", figures.first_day},
          {"last_day", figures.last_day},
          {"household", household_profile_json(link.normalisers)},
          {"expires", utc_or_null(link.expires)},
          {"meters", std::move(meters)}};
}

http::Response share_answer(ApiContext &context, const http::Request &request) {
  if (auto limited = over_share_limit(context, request)) {
    return std::move(*limited);
  }
  const std::optional<Link> link = open_link(context, request, LinkKind::share);
  if (!link) {
    return http::error_response(404, "not_found", no_share);
  }
  const UtcTime now = context.time->wall_now();
  context.store.record_link_use(link->id, now);
  const Calendar calendar(*date::locate_zone(context.settings.zone), 1);
  const std::string body =
      http::json_text(figures_json(share_figures(context.store, *link, calendar, now), *link));
  const std::string etag = "\"" + auth::hash_link_token(body).substr(0, 32) + "\"";
  http::Response response = http::json_response(200, body);
  response.headers.emplace_back("ETag", etag);
  response.headers.emplace_back("Cache-Control", "private, no-cache");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  if (request.header("if-none-match") == etag) {
    response.status = 304;
    response.body.clear();
  }
  return response;
}

} // namespace

void add_share_routes(http::Router &router, ApiContext &context) {
  router.add({"GET",
              "/api/shares",
              http::Access::user,
              [&context](http::Request &request) {
                const UtcTime now = context.time->wall_now();
                nlohmann::json list = nlohmann::json::array();
                for (const std::int64_t site : sites_with_role(caller_of(request), Role::user)) {
                  for (const Link &link : context.store.links(site)) {
                    list.push_back(link_json(link, now));
                  }
                }
                return http::json_ok(list);
              },
              {}});
  router.add({"POST",
              "/api/shares",
              http::Access::user,
              [&context](http::Request &request) { return add_link(context, request); },
              {}});
  router.add({"DELETE",
              "/api/shares/{id}",
              http::Access::user,
              [&context](http::Request &request) { return revoke_link(context, request); },
              {}});
  router.add({"GET",
              "/api/share/{token}",
              http::Access::open,
              [&context](http::Request &request) { return share_answer(context, request); },
              {}});
  router.add({"GET",
              "/share/{token}",
              http::Access::open,
              [&context](http::Request &request) {
                if (auto limited = over_share_limit(context, request)) {
                  return std::move(*limited);
                }
                if (!open_link(context, request, LinkKind::share)) {
                  return http::error_response(404, "not_found", no_share);
                }
                return serve_dashboard_page(request);
              },
              {}});
  // A display link's page: the dashboard, which then calls the API with
  // the link's token (api.h display_token_prefix).
  router.add({"GET",
              "/display/{token}",
              http::Access::open,
              [&context](http::Request &request) {
                if (auto limited = over_share_limit(context, request)) {
                  return std::move(*limited);
                }
                if (!open_link(context, request, LinkKind::display)) {
                  return http::error_response(404, "not_found", no_share);
                }
                return serve_dashboard_page(request);
              },
              {}});
}

} // namespace pulsemon

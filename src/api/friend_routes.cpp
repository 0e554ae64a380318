// A household's friends (core/friend_link.h, docs/sharing.md):
//   GET /api/friends: the caller's sites' friends, each with its state and
//     the last good copy of its share;
//   POST /api/friends {label, url, site?}: add a friend's share link
//     (members and owners); it is fetched at once, by the refresher;
//   DELETE /api/friends/{id}; POST /api/friends/{id}/refresh (at most once
//     in 5 s per friend).
#include "api/api.h"
#include "api/site_access.h"
#include "core/quoted_input.h"
#include "core/time_text.h"
#include "core/whole_number.h"
#include "friends/friend_url.h"

#include <nlohmann/json.hpp>

namespace pulsemon {

namespace {

// A household may ask again this soon; well within a share's per-address limit.
constexpr std::chrono::seconds min_refresh_spacing{5};

// A friend as the site's users see it; the friend's link (its token is
// the access to the friend's figures) only to those who may change it.
nlohmann::json friend_json(const FriendLink &link, bool with_url) {
  nlohmann::json figures =
      link.figures.empty() ? nlohmann::json() : nlohmann::json::parse(link.figures, nullptr, false);
  return {{"id", link.id},
          {"site", link.site_id},
          {"label", link.label},
          {"url", with_url ? nlohmann::json(link.url) : nlohmann::json()},
          {"added_by", link.added_by},
          {"added", format_utc(link.added)},
          {"state", to_string(link.state)},
          {"reason", link.reason},
          {"since", utc_or_null(link.since)},
          {"checked", utc_or_null(link.checked)},
          {"fetched", utc_or_null(link.fetched)},
          {"figures", figures.is_discarded() ? nlohmann::json() : figures}};
}

std::int64_t path_friend_id(const http::Request &request) {
  const std::string &text = request.params.at("id");
  const auto id = whole_number_in(text, 1, max_site_id);
  if (!id) {
    throw Failure(ErrorCode::invalid_argument,
                  "id: " + quoted_input(text) + " is not a friend's id (a whole number from 1)");
  }
  return *id;
}

// The friend with the path's id among the caller's sites where it has
// `needed`; 404 as for none otherwise.
FriendLink friend_in_reach(ApiContext &context, const http::Request &request, Role needed) {
  const std::int64_t id = path_friend_id(request);
  for (const std::int64_t site : sites_with_role(caller_of(request), needed)) {
    for (const FriendLink &link : context.store.friends(site)) {
      if (link.id == id) {
        return link;
      }
    }
  }
  throw Failure(ErrorCode::not_found, "friend " + std::to_string(id) + " does not exist");
}

http::Response add_friend(ApiContext &context, const http::Request &request) {
  const nlohmann::json body = json_body_object(request);
  for (const auto &[key, value] : body.items()) {
    if (key != "label" && key != "url" && key != "site") {
      throw Failure(ErrorCode::invalid_argument,
                    key + ": is not a friend's field (label, url, site)");
    }
  }
  const http::Principal &caller = caller_of(request);
  const std::vector<std::int64_t> sites = sites_with_role(caller, Role::user);
  FriendLink link;
  if (const std::optional<std::int64_t> given = body_site(body)) {
    if (std::find(sites.begin(), sites.end(), *given) == sites.end()) {
      throw Failure(ErrorCode::not_found, "site " + std::to_string(*given) + " does not exist");
    }
    link.site_id = *given;
  } else if (sites.size() == 1) {
    link.site_id = sites.front();
  } else {
    throw Failure(ErrorCode::invalid_argument,
                  "site: you are a member of several sites; say which one this friend is for");
  }
  for (const char *field : {"label", "url"}) {
    if (!body.contains(field) || !body[field].is_string()) {
      throw Failure(ErrorCode::invalid_argument, std::string(field) + ": a string is needed");
    }
  }
  link.label = body["label"].get<std::string>();
  link.url = body["url"].get<std::string>();
  const auto url = parse_friend_url(link.url, context.settings.friend_allow_http);
  if (!url.ok()) {
    throw Failure(url.error());
  }
  link.added_by = caller.user;
  link.added = context.time->wall_now();
  link.id = context.store.add_friend(link);
  if (context.refresh_friend) {
    context.refresh_friend(link.id);
  }
  return http::json_response(201, http::json_text(friend_json(link, true)));
}

} // namespace

void add_friend_routes(http::Router &router, ApiContext &context) {
  router.add({"GET",
              "/api/friends",
              http::Access::viewer,
              [&context](http::Request &request) {
                nlohmann::json list = nlohmann::json::array();
                const http::Principal &caller = caller_of(request);
                for (const std::int64_t site : sites_with_role(caller, Role::viewer)) {
                  const bool changes = role_covers(*role_in(caller.sites, site), Role::user);
                  for (const FriendLink &link : context.store.friends(site)) {
                    list.push_back(friend_json(link, changes));
                  }
                }
                return http::json_ok(list);
              },
              {}});
  router.add({"POST",
              "/api/friends",
              http::Access::user,
              [&context](http::Request &request) { return add_friend(context, request); },
              {}});
  router.add({"DELETE",
              "/api/friends/{id}",
              http::Access::user,
              [&context](http::Request &request) {
                const FriendLink link = friend_in_reach(context, request, Role::user);
                context.store.delete_friend(link.site_id, link.id);
                return http::json_ok({{"deleted", link.id}});
              },
              {}});
  router.add({"POST",
              "/api/friends/{id}/refresh",
              http::Access::user,
              [&context](http::Request &request) {
                const FriendLink link = friend_in_reach(context, request, Role::user);
                const UtcTime now = context.time->wall_now();
                if (link.checked && *link.checked + min_refresh_spacing > now) {
                  http::Response response = http::error_response(
                      429, "too_many_requests",
                      "fetched moments ago; a friend's pulsemon is asked at most once in "
                      "5 s");
                  response.headers.emplace_back("Retry-After", "5");
                  return response;
                }
                if (context.refresh_friend) {
                  context.refresh_friend(link.id);
                }
                return http::json_response(202, http::json_text(friend_json(link, true)));
              },
              {}});
}

} // namespace pulsemon

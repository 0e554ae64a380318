#include "api/site_access.h"

#include "core/untrusted_json.h"

#include <algorithm>

namespace pulsemon {

namespace {

Failure no_meter(std::int64_t id) {
  return Failure(ErrorCode::not_found, "meter " + std::to_string(id) + " does not exist");
}

bool granted(ApiContext &context, std::int64_t site_id) {
  const std::vector<Site> &sites = context.reads.sites();
  return std::any_of(sites.begin(), sites.end(), [site_id](const Site &site) {
    return site.id == site_id && site.profiles_granted;
  });
}

} // namespace

const http::Principal &caller_of(const http::Request &request) {
  if (!request.principal) {
    throw Failure(ErrorCode::unauthenticated, "no caller");
  }
  return *request.principal;
}

std::optional<Role> role_at(ApiContext &context, const http::Principal &caller,
                            std::int64_t site_id) {
  if (const auto role = role_in(caller.sites, site_id)) {
    return role;
  }
  if (caller.is_operator && granted(context, site_id)) {
    return Role::viewer;
  }
  return std::nullopt;
}

std::set<std::int64_t> visible_sites(ApiContext &context, const http::Principal &caller) {
  std::set<std::int64_t> visible;
  for (const SiteMembership &membership : caller.sites) {
    visible.insert(membership.site_id);
  }
  if (caller.is_operator) {
    for (const Site &site : context.reads.sites()) {
      if (site.profiles_granted) {
        visible.insert(site.id);
      }
    }
  }
  return visible;
}

std::vector<std::int64_t> sites_with_role(const http::Principal &caller, Role needed) {
  std::vector<std::int64_t> sites;
  for (const SiteMembership &membership : caller.sites) {
    if (role_covers(membership.role, needed)) {
      sites.push_back(membership.site_id);
    }
  }
  return sites;
}

bool shows_meter(const http::Principal &caller, std::int64_t meter_id) {
  return caller.display_meters.empty() ||
         std::find(caller.display_meters.begin(), caller.display_meters.end(), meter_id) !=
             caller.display_meters.end();
}

bool manages_site(const http::Principal &caller, std::int64_t site_id) {
  return caller.is_operator || role_in(caller.sites, site_id) == Role::admin;
}

void check_meter_in_reach(ApiContext &context, const http::Principal &caller, std::int64_t meter_id,
                          Role needed) {
  const std::optional<std::int64_t> site = context.reads.meter_site(meter_id);
  if (!site || !shows_meter(caller, meter_id)) {
    throw no_meter(meter_id);
  }
  const std::optional<Role> role = role_at(context, caller, *site);
  const bool operator_manages = caller.is_operator && needed == Role::admin;
  if (!role && !operator_manages) {
    if (caller.is_operator) {
      throw Failure(ErrorCode::permission_denied,
                    "this meter's site has not granted operators its hourly and finer figures");
    }
    throw no_meter(meter_id);
  }
  if (operator_manages || role_covers(*role, needed)) {
    return;
  }
  throw Failure(ErrorCode::permission_denied, "your role in this meter's site (" +
                                                  std::string(site_role_name(*role)) +
                                                  ") may not do this");
}

std::int64_t meter_in_reach(ApiContext &context, const http::Request &request, Role needed) {
  const std::int64_t id = path_meter_id(request);
  check_meter_in_reach(context, caller_of(request), id, needed);
  return id;
}

std::int64_t site_for_new(ApiContext &context, const http::Principal &caller,
                          std::optional<std::int64_t> given) {
  if (given) {
    const std::vector<Site> &sites = context.reads.sites();
    const bool exists = std::any_of(sites.begin(), sites.end(),
                                    [&](const Site &site) { return site.id == *given; });
    if (!exists || (!caller.is_operator && !role_in(caller.sites, *given))) {
      throw Failure(ErrorCode::not_found,
                    "site: site " + std::to_string(*given) + " does not exist");
    }
    if (!manages_site(caller, *given)) {
      throw Failure(ErrorCode::permission_denied,
                    "site: only the site's owners (or an operator) may do this");
    }
    return *given;
  }
  std::vector<std::int64_t> owned;
  for (const SiteMembership &membership : caller.sites) {
    if (membership.role == Role::admin) {
      owned.push_back(membership.site_id);
    }
  }
  if (owned.size() == 1) {
    return owned.front();
  }
  throw Failure(ErrorCode::invalid_argument,
                owned.empty() ? "site: say which site (an id from GET /api/sites)"
                              : "site: you own several sites; say which (an id from GET "
                                "/api/sites)");
}

std::optional<std::int64_t> body_site(const nlohmann::json &body) {
  const auto site = body.find("site");
  if (site == body.end()) {
    return std::nullopt;
  }
  const auto id = json_integer_in(*site, 1, max_site_id);
  if (!id) {
    throw Failure(ErrorCode::invalid_argument,
                  "site: a site's id, a whole number from 1 to " + std::to_string(max_site_id));
  }
  return id;
}

} // namespace pulsemon

// GET/POST /api/sites, DELETE /api/sites/{id}, PUT /api/sites/{id}/grant,
// GET /api/sites/{id}/grants: the households of an install, what a member
// sees of its own, and what an operator sees of every one (data quality
// and energy per billing period, never a profile unless granted).
#include "api/api.h"
#include "api/meter_view.h"
#include "api/site_access.h"
#include "core/calendar.h"
#include "core/quoted_input.h"
#include "core/time_text.h"
#include "core/whole_number.h"
#include "domain/series.h"

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

namespace pulsemon {

namespace {

constexpr std::size_t max_gaps_counted = 1000;

std::int64_t path_site_id(const http::Request &request) {
  const std::string &text = request.params.at("id");
  const auto id = whole_number_in(text, 1, max_site_id);
  if (!id) {
    throw Failure(ErrorCode::invalid_argument,
                  "id: " + quoted_input(text) + " is not a site id (a whole number from 1)");
  }
  return *id;
}

// The site named in the path, when the caller is its member or an
// operator; 404 as for no site otherwise.
Site site_in_reach(ApiContext &context, const http::Request &request) {
  const std::int64_t id = path_site_id(request);
  const http::Principal &caller = caller_of(request);
  for (const Site &site : context.reads.sites()) {
    if (site.id == id && (caller.is_operator || role_in(caller.sites, id))) {
      return site;
    }
  }
  throw Failure(ErrorCode::not_found, "site " + std::to_string(id) + " does not exist");
}

// The energy of the current and the previous billing period (what billing
// needs, and no finer).
nlohmann::json billing_energy(ApiContext &context, const Meter &meter, UtcTime now) {
  const Calendar calendar(*date::locate_zone(context.settings.zone), context.settings.billing_day);
  const Bucket current = calendar.bucket_containing(now, BucketSize::month);
  const Bucket previous = calendar.bucket_containing(current.start - Micros{1}, BucketSize::month);
  const auto rows = energy_series(context.store, meter.id, previous.start, current.end,
                                  BucketSize::month, calendar, 2);
  nlohmann::json periods = nlohmann::json::array();
  for (const EnergyRow &row : value_or_throw(rows)) {
    periods.push_back({{"start", format_utc(row.bucket.start)},
                       {"end", format_utc(row.bucket.end)},
                       {"value", row.value},
                       {"unit", meter.unit},
                       {"cost", row.cost ? nlohmann::json(*row.cost) : nlohmann::json()}});
  }
  return periods;
}

// How well a meter's data is kept: gaps of the last 30 days, whether its
// pulses stopped for hours (a sensor fallen off), its nodes' health.
nlohmann::json data_quality(ApiContext &context, const Meter &meter, UtcTime now) {
  const MeterFacts &facts = context.reads.meter(meter.id, now);
  const UtcTime month_ago = now - date::days{30};
  std::int64_t gaps = 0;
  std::int64_t missing = 0;
  for (const Gap &gap : context.store.gaps(meter.id, max_gaps_counted)) {
    if (gap.at >= month_ago) {
      ++gaps;
      missing += gap.missing_pulses.value_or(0);
    }
  }
  nlohmann::json nodes = nlohmann::json::array();
  for (const NodeStatus &node : facts.nodes) {
    nodes.push_back(node_view(node, now));
  }
  // Whole hours only, and only past one: enough to tell a sensor that fell
  // off, too coarse to tell when a household is home.
  nlohmann::json silent = nullptr;
  if (facts.stats.last_pulse && now - *facts.stats.last_pulse >= std::chrono::hours{1}) {
    silent = std::chrono::duration_cast<std::chrono::hours>(now - *facts.stats.last_pulse).count();
  }
  return {{"gaps_30_days", gaps},
          {"missing_pulses_30_days", missing},
          {"silent_hours", silent},
          {"nodes", nodes}};
}

nlohmann::json site_view(ApiContext &context, const Site &site, const http::Principal &caller,
                         const std::map<std::int64_t, std::vector<Meter>> &meters, UtcTime now) {
  const std::optional<Role> role = role_in(caller.sites, site.id);
  nlohmann::json view{{"id", site.id},
                      {"name", site.name},
                      {"created", format_utc(site.created)},
                      {"role", role ? nlohmann::json(site_role_name(*role)) : nlohmann::json()},
                      {"profiles_granted", site.profiles_granted}};
  if (!caller.is_operator) {
    return view;
  }
  nlohmann::json of_meters = nlohmann::json::array();
  if (const auto found = meters.find(site.id); found != meters.end()) {
    for (const Meter &meter : found->second) {
      of_meters.push_back({{"id", meter.id},
                           {"name", meter.name},
                           {"kind", to_string(meter.kind)},
                           {"quality", data_quality(context, meter, now)},
                           {"billing_periods", billing_energy(context, meter, now)}});
    }
  }
  view["meters"] = std::move(of_meters);
  return view;
}

http::Response list_sites(ApiContext &context, const http::Request &request) {
  const http::Principal &caller = caller_of(request);
  const UtcTime now = context.time->wall_now();
  std::map<std::int64_t, std::vector<Meter>> meters;
  for (const Meter &meter : context.reads.catalogue()) {
    meters[meter.site_id].push_back(meter);
  }
  nlohmann::json all = nlohmann::json::array();
  for (const Site &site : context.reads.sites()) {
    if (caller.is_operator || role_in(caller.sites, site.id)) {
      all.push_back(site_view(context, site, caller, meters, now));
    }
  }
  nlohmann::json body{{"sites", all}, {"operator", caller.is_operator}};
  if (caller.is_operator) {
    body["clock_synchronised"] =
        context.clock_synchronised ? nlohmann::json(context.clock_synchronised()) : nullptr;
  }
  return http::json_ok(body);
}

nlohmann::json grant_view(const ProfileGrant &grant) {
  return {{"granted_by", grant.granted_by},
          {"granted", format_utc(grant.granted)},
          {"revoked_by", grant.revoked_by ? nlohmann::json(*grant.revoked_by) : nullptr},
          {"revoked", grant.revoked ? nlohmann::json(format_utc(*grant.revoked)) : nullptr}};
}

void require_operator(const http::Request &request) {
  if (!caller_of(request).is_operator) {
    throw Failure(ErrorCode::permission_denied, "only an operator manages sites");
  }
}

} // namespace

void add_site_routes(http::Router &router, ApiContext &context) {
  router.add({"GET",
              "/api/sites",
              http::Access::viewer,
              [&context](http::Request &request) { return list_sites(context, request); },
              {}});
  router.add({"POST",
              "/api/sites",
              http::Access::admin,
              [&context](http::Request &request) {
                require_operator(request);
                const nlohmann::json body = json_body_object(request);
                const auto name = body.find("name");
                if (name == body.end() || !name->is_string()) {
                  throw Failure(ErrorCode::invalid_argument, "name: required, a text");
                }
                const Site site =
                    context.store.add_site(name->get<std::string>(), context.time->wall_now());
                http::Response response = http::json_ok(
                    {{"id", site.id}, {"name", site.name}, {"created", format_utc(site.created)}});
                response.status = 201;
                return response;
              },
              {}});
  router.add({"DELETE",
              "/api/sites/{id}",
              http::Access::admin,
              [&context](http::Request &request) {
                require_operator(request);
                const Site site = site_in_reach(context, request);
                context.store.delete_site(site.id);
                return http::json_ok({{"deleted", site.id}});
              },
              {}});
  router.add(
      {"PUT",
       "/api/sites/{id}/grant",
       http::Access::admin,
       [&context](http::Request &request) {
         const Site site = site_in_reach(context, request);
         const http::Principal &caller = caller_of(request);
         // The household decides, not the operator it decides about.
         if (role_in(caller.sites, site.id) != Role::admin) {
           throw Failure(ErrorCode::permission_denied,
                         "only the site's owners grant or revoke operators' view of its profiles");
         }
         const nlohmann::json body = json_body_object(request);
         const auto granted = body.find("granted");
         if (granted == body.end() || !granted->is_boolean()) {
           throw Failure(ErrorCode::invalid_argument, "granted: required, true or false");
         }
         if (granted->get<bool>()) {
           context.store.grant_profiles(site.id, caller.user, context.time->wall_now());
         } else {
           context.store.revoke_profiles(site.id, caller.user, context.time->wall_now());
         }
         return http::json_ok({{"site", site.id}, {"profiles_granted", granted->get<bool>()}});
       },
       {}});
  router.add({"GET",
              "/api/sites/{id}/grants",
              http::Access::viewer,
              [&context](http::Request &request) {
                const Site site = site_in_reach(context, request);
                const http::Principal &caller = caller_of(request);
                if (!manages_site(caller, site.id)) {
                  throw Failure(ErrorCode::permission_denied,
                                "the site's owners and operators see its grants");
                }
                nlohmann::json grants = nlohmann::json::array();
                for (const ProfileGrant &grant : context.store.profile_grants(site.id)) {
                  grants.push_back(grant_view(grant));
                }
                return http::json_ok(grants);
              },
              {}});
}

} // namespace pulsemon

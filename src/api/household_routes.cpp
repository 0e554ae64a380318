// GET /api/household (everyone signed in) and PUT /api/household (users
// and admins): what the household says about itself (core/household.h),
// beside the instance's currency and billing day, which pulsemon.toml sets.
#include "api/api.h"
#include "api/site_access.h"
#include "core/household.h"
#include "core/untrusted_json.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace pulsemon {

namespace {

nlohmann::json household_json(const HouseholdProfile &profile, const ApiSettings &settings) {
  nlohmann::json body = household_profile_json(profile);
  body["currency"] = settings.currency;
  body["billing_day"] = settings.billing_day;
  return body;
}

// The body's fields over `profile`; null clears a field.
void apply(HouseholdProfile &profile, const nlohmann::json &body) {
  for (const auto &[key, value] : body.items()) {
    if (key == "people") {
      if (value.is_null()) {
        profile.people.reset();
        continue;
      }
      const auto people = json_integer_in(value, 1, max_people);
      if (!people) {
        throw Failure(ErrorCode::invalid_argument,
                      "people: a whole number from 1 to " + std::to_string(max_people));
      }
      profile.people = static_cast<int>(*people);
    } else if (key == "floor_area_m2") {
      if (value.is_null()) {
        profile.floor_area_m2.reset();
        continue;
      }
      if (!value.is_number() || !std::isfinite(value.get<double>())) {
        throw Failure(ErrorCode::invalid_argument, "floor_area_m2: must be a number");
      }
      profile.floor_area_m2 = value.get<double>();
    } else if (key == "heating") {
      if (!value.is_null() && !value.is_string()) {
        throw Failure(ErrorCode::invalid_argument, "heating: must be a string");
      }
      profile.heating = value.is_null() ? "" : value.get<std::string>();
    } else if (key == "currency" || key == "billing_day") {
      throw Failure(ErrorCode::invalid_argument,
                    key + ": is set in pulsemon.toml (" +
                        (key == "currency" ? "[money] currency" : "[time] billing_day") +
                        ") and applies after a restart");
    } else {
      throw Failure(ErrorCode::invalid_argument,
                    key + ": is not a household field (people, floor_area_m2, heating)");
    }
  }
  if (auto error = validate_household(profile)) {
    throw Failure(*error);
  }
}

// The profile is the home site's (core/site.h): its members read it, its
// members and owners change it; to anyone else it does not exist.
void check_home_site(ApiContext &context, const http::Request &request, Role needed) {
  const std::optional<Role> role = role_at(context, caller_of(request), home_site_id);
  if (!role) {
    throw Failure(ErrorCode::not_found, "no household profile: it is the home site's");
  }
  if (!role_covers(*role, needed)) {
    throw Failure(ErrorCode::permission_denied, "your role in the home site (" +
                                                    std::string(site_role_name(*role)) +
                                                    ") may not change its profile");
  }
}

} // namespace

void add_household_routes(http::Router &router, ApiContext &context) {
  router.add({"GET",
              "/api/household",
              http::Access::viewer,
              [&context](http::Request &request) {
                check_home_site(context, request, Role::viewer);
                return http::json_ok(household_json(context.store.household(), context.settings));
              },
              {}});
  router.add({"PUT",
              "/api/household",
              http::Access::user,
              [&context](http::Request &request) {
                check_home_site(context, request, Role::user);
                const nlohmann::json body = json_body_object(request);
                HouseholdProfile profile = context.store.household();
                apply(profile, body);
                context.store.set_household(profile);
                return http::json_ok(household_json(profile, context.settings));
              },
              {}});
}

} // namespace pulsemon

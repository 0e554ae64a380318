// What the CLI can manage, over the API for the dashboard's settings:
// users and device keys (a site's owners, operators), meter readings
// (members) and gas calorific values (owners). Every field is checked and
// named when wrong. An owner sees and changes the users and keys of the
// sites it owns; an operator, all (api/site_access.h).
#include "api/api.h"
#include "api/site_access.h"
#include "auth/secrets.h"
#include "core/meter.h"
#include "core/quoted_input.h"
#include "core/time_text.h"
#include "core/untrusted_json.h"
#include "core/whole_number.h"

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <sstream>

namespace pulsemon {

namespace {

constexpr std::size_t minimum_password_length = 8;
constexpr std::size_t maximum_password_length = 1024;
constexpr std::size_t maximum_name_length = 64;
constexpr double maximum_register_value = 1e12;
constexpr double maximum_megajoules_per_m3 = 200.0;
constexpr double maximum_volume_correction = 2.0;

const nlohmann::json *field(const nlohmann::json &body, const char *name) {
  const auto it = body.find(name);
  return it == body.end() ? nullptr : &*it;
}

std::string required_text(const nlohmann::json &body, const char *name, std::size_t max_length) {
  const nlohmann::json *value = field(body, name);
  if (value == nullptr || !value->is_string() || value->get<std::string>().empty()) {
    throw Failure(ErrorCode::invalid_argument, std::string(name) + ": required, a text");
  }
  std::string text = value->get<std::string>();
  if (text.size() > max_length) {
    throw Failure(ErrorCode::invalid_argument,
                  std::string(name) + ": at most " + std::to_string(max_length) + " bytes");
  }
  return text;
}

std::string checked_password(const nlohmann::json &body) {
  std::string password = required_text(body, "password", maximum_password_length);
  if (password.size() < minimum_password_length) {
    throw Failure(ErrorCode::invalid_argument, "password: must have at least " +
                                                   std::to_string(minimum_password_length) +
                                                   " characters");
  }
  return password;
}

double number_in(const nlohmann::json &body, const char *name, double low, double high,
                 std::optional<double> fallback = std::nullopt) {
  const nlohmann::json *value = field(body, name);
  if (value == nullptr && fallback) {
    return *fallback;
  }
  if (value == nullptr || !value->is_number() || !std::isfinite(value->get<double>()) ||
      value->get<double>() < low || value->get<double>() > high) {
    std::ostringstream range;
    range << name << ": a number from " << low << " to " << high;
    throw Failure(ErrorCode::invalid_argument, range.str());
  }
  return value->get<double>();
}

// "at"/"from": a time as the API's queries take it, in the household's
// zone when it has no offset; now when absent.
UtcTime time_field(const ApiContext &context, const nlohmann::json &body, const char *name) {
  const nlohmann::json *value = field(body, name);
  if (value == nullptr) {
    return context.time->wall_now();
  }
  if (!value->is_string()) {
    throw Failure(ErrorCode::invalid_argument, std::string(name) + ": a time such as 2026-03-29 "
                                                                   "or 2026-03-29T14:05:00Z");
  }
  const auto parsed =
      parse_time(value->get<std::string>(), *date::locate_zone(context.settings.zone));
  if (!parsed.ok()) {
    throw Failure(ErrorCode::invalid_argument, std::string(name) + ": " + parsed.error().message);
  }
  return *parsed;
}

// A user as `caller` may see it: its roles in the sites the caller
// manages, and as "role" the highest of those (an older client's one role).
nlohmann::json user_view(const User &user, const http::Principal &caller) {
  nlohmann::json sites = nlohmann::json::array();
  std::vector<SiteMembership> shown;
  for (const SiteMembership &membership : user.sites) {
    if (manages_site(caller, membership.site_id)) {
      shown.push_back(membership);
      sites.push_back({{"site", membership.site_id}, {"role", site_role_name(membership.role)}});
    }
  }
  return {{"name", user.name},
          {"role", to_string(highest_role(shown))},
          {"sites", sites},
          {"operator", user.is_operator},
          {"password_change_required", user.must_change_password}};
}

// Whether `caller` manages `user`: an operator any; an owner the users of
// the sites it owns (and itself).
bool manages_user(const User &user, const http::Principal &caller) {
  return caller.is_operator || user.name == caller.user ||
         std::any_of(user.sites.begin(), user.sites.end(),
                     [&](const SiteMembership &m) { return manages_site(caller, m.site_id); });
}

// The user named in the path, when the caller manages them; 404 as for
// no such user otherwise.
User managed_user(ApiContext &context, const http::Request &request) {
  const std::string &name = request.params.at("name");
  auto user = context.store.find_user(name);
  if (!user || !manages_user(*user, caller_of(request))) {
    throw Failure(ErrorCode::not_found, "user " + quoted_input(name) + " does not exist");
  }
  return std::move(*user);
}

// The site a role change is for: "site" of the body, else the one site of
// the user's that the caller manages.
std::int64_t site_of_change(ApiContext &context, const http::Principal &caller, const User &user,
                            const nlohmann::json &body) {
  if (const auto site = body_site(body)) {
    return site_for_new(context, caller, site);
  }
  std::vector<std::int64_t> managed;
  for (const SiteMembership &membership : user.sites) {
    if (manages_site(caller, membership.site_id)) {
      managed.push_back(membership.site_id);
    }
  }
  if (managed.size() == 1) {
    return managed.front();
  }
  throw Failure(ErrorCode::invalid_argument,
                "site: " + quoted_input(user.name) +
                    (managed.empty() ? " is in no site you manage; say which site to add them to"
                                     : " is in several sites you manage; say which"));
}

nlohmann::json key_view(const DeviceKey &key) {
  return {{"id", key.id},
          {"name", key.name},
          {"meters", key.meters},
          {"created", format_utc(key.created)},
          {"revoked", key.revoked ? nlohmann::json(format_utc(*key.revoked)) : nlohmann::json()}};
}

void add_user_routes(http::Router &router, ApiContext &context) {
  router.add({"GET",
              "/api/users",
              http::Access::admin,
              [&context](http::Request &request) {
                const http::Principal &caller = caller_of(request);
                nlohmann::json users = nlohmann::json::array();
                for (const User &user : context.store.users()) {
                  if (manages_user(user, caller)) {
                    users.push_back(user_view(user, caller));
                  }
                }
                return http::json_ok(users);
              },
              {}});
  router.add({"POST",
              "/api/users",
              http::Access::admin,
              [&context](http::Request &request) {
                const nlohmann::json body = json_body_object(request);
                const std::string name = required_text(body, "username", maximum_name_length);
                const http::Principal &caller = caller_of(request);
                const std::string role_text =
                    field(body, "role") != nullptr && field(body, "role")->is_string()
                        ? field(body, "role")->get<std::string>()
                        : std::string("viewer");
                User user{0, name, Role::viewer, "", 0, false, {}};
                if (role_text == "operator") {
                  if (!caller.is_operator) {
                    throw Failure(ErrorCode::permission_denied,
                                  "role: only an operator makes operators");
                  }
                  user.is_operator = true;
                } else {
                  user.role = value_or_throw(parse_role(role_text));
                  user.sites = {{site_for_new(context, caller, body_site(body)), user.role}};
                }
                std::string password = checked_password(body);
                const auto exists = [&context, name] {
                  if (context.store.find_user(name)) {
                    throw Failure(ErrorCode::already_exists,
                                  "username: " + quoted_input(name) + " already exists");
                  }
                };
                exists();
                return after_hashing(context, std::move(password),
                                     [&context, user, caller, exists](const std::string &hash) {
                                       exists(); // again: it may have been added meanwhile
                                       User added = user;
                                       added.password_hash = hash;
                                       context.store.add_user(added, context.time->wall_now());
                                       http::Response response = http::json_ok(
                                           user_view(*context.store.find_user(added.name), caller));
                                       response.status = 201;
                                       return response;
                                     });
              },
              {}});
  router.add({"PUT",
              "/api/users/{name}",
              http::Access::admin,
              [&context](http::Request &request) {
                const User user = managed_user(context, request);
                const std::string name = user.name;
                const http::Principal &caller = caller_of(request);
                const nlohmann::json body = json_body_object(request);
                // A new role, a new password, or both; the role is checked
                // before any password is hashed. A role is the user's in one
                // site: "site", or the one the caller manages.
                std::optional<Role> role;
                std::int64_t site = 0;
                if (field(body, "role") != nullptr) {
                  role = value_or_throw(parse_role(required_text(body, "role", 16)));
                  site = site_of_change(context, caller, user, body);
                }
                if (field(body, "password") == nullptr) {
                  if (!role) {
                    throw Failure(ErrorCode::invalid_argument,
                                  "body: give a new password, a new role, or both");
                  }
                  context.store.set_membership(name, site, *role);
                  return http::json_ok(user_view(*context.store.find_user(name), caller));
                }
                return after_hashing(
                    context, checked_password(body),
                    [&context, name, role, site, caller](const std::string &hash) {
                      if (!context.store.find_user(name)) {
                        throw Failure(ErrorCode::not_found,
                                      "user " + quoted_input(name) + " was deleted meanwhile");
                      }
                      if (role) {
                        context.store.set_membership(name, site, *role);
                      }
                      context.store.set_password(name, hash);
                      return http::json_ok(user_view(*context.store.find_user(name), caller));
                    });
              },
              {}});
  router.add({"DELETE",
              "/api/users/{name}",
              http::Access::admin,
              [&context](http::Request &request) {
                const User user = managed_user(context, request);
                const http::Principal &caller = caller_of(request);
                if (caller.user == user.name) {
                  throw Failure(ErrorCode::invalid_argument,
                                "name: you cannot delete the user you are signed in as");
                }
                // A user who is also in sites the caller does not manage
                // leaves the caller's sites; the account stays theirs.
                const bool everywhere =
                    std::all_of(user.sites.begin(), user.sites.end(), [&](const SiteMembership &m) {
                      return manages_site(caller, m.site_id);
                    });
                if (everywhere) {
                  context.store.delete_user(user.name);
                  return http::json_ok({{"deleted", user.name}});
                }
                context.store.atomically([&] {
                  for (const SiteMembership &membership : user.sites) {
                    if (manages_site(caller, membership.site_id)) {
                      context.store.set_membership(user.name, membership.site_id, std::nullopt);
                    }
                  }
                });
                return http::json_ok({{"deleted", user.name}});
              },
              {}});
}

// A key belongs to its meters' site (store.h): its owners and operators
// manage it.
bool manages_key(ApiContext &context, const DeviceKey &key, const http::Principal &caller) {
  const std::optional<std::int64_t> site =
      key.meters.empty() ? std::nullopt : context.reads.meter_site(key.meters.front());
  return caller.is_operator || (site && manages_site(caller, *site));
}

void add_key_routes(http::Router &router, ApiContext &context) {
  router.add({"GET",
              "/api/keys",
              http::Access::admin,
              [&context](http::Request &request) {
                nlohmann::json keys = nlohmann::json::array();
                for (const DeviceKey &key : context.store.device_keys()) {
                  if (manages_key(context, key, caller_of(request))) {
                    keys.push_back(key_view(key));
                  }
                }
                return http::json_ok(keys);
              },
              {}});
  router.add({"POST",
              "/api/keys",
              http::Access::admin,
              [&context](http::Request &request) {
                const nlohmann::json body = json_body_object(request);
                const nlohmann::json *meters = field(body, "meters");
                if (meters == nullptr || !meters->is_array() || meters->empty() ||
                    meters->size() > 64) {
                  throw Failure(ErrorCode::invalid_argument,
                                "meters: required, a list of 1 to 64 meter ids");
                }
                std::vector<std::int64_t> ids;
                for (const nlohmann::json &meter : *meters) {
                  const auto id = json_integer_in(meter, 1, max_meter_id);
                  if (!id) {
                    throw Failure(ErrorCode::invalid_argument,
                                  "meters: " + json_kind(meter) + " is not a meter id");
                  }
                  check_meter_in_reach(context, caller_of(request), *id, Role::admin);
                  ids.push_back(*id);
                }
                const nlohmann::json *name_field = field(body, "name");
                const std::string name = name_field != nullptr && name_field->is_string()
                                             ? name_field->get<std::string>()
                                             : std::string();
                if (name.size() > maximum_name_length) {
                  throw Failure(ErrorCode::invalid_argument, "name: at most 64 bytes");
                }
                std::string text;
                const std::int64_t id = context.store.add_device_key(
                    name, ids, context.time->wall_now(), [&](std::int64_t new_id) {
                      text = auth::make_device_key(new_id);
                      return auth::hash_device_key(text);
                    });
                http::Response response =
                    http::json_ok({{"id", id}, {"meters", ids}, {"name", name}, {"key", text}});
                response.status = 201; // the key itself is in this answer only
                return response;
              },
              {}});
  router.add({"DELETE",
              "/api/keys/{id}",
              http::Access::admin,
              [&context](http::Request &request) {
                const auto id = whole_number_in(request.params.at("id"), 1, max_meter_id);
                if (!id) {
                  throw Failure(ErrorCode::invalid_argument, "id: not a device key id");
                }
                const auto key = context.store.find_device_key(*id);
                if (!key || !manages_key(context, *key, caller_of(request))) {
                  throw Failure(ErrorCode::not_found,
                                "device key " + std::to_string(*id) + " does not exist");
                }
                context.store.revoke_device_key(*id, context.time->wall_now());
                return http::json_ok({{"revoked", *id}});
              },
              {}});
}

void add_register_routes(http::Router &router, ApiContext &context) {
  router.add({"POST",
              "/api/meters/{id}/readings",
              http::Access::user,
              [&context](http::Request &request) {
                const std::int64_t meter = meter_in_reach(context, request, Role::user);
                const nlohmann::json body = json_body_object(request);
                const double value =
                    number_in(body, "value", -maximum_register_value, maximum_register_value);
                const UtcTime at = time_field(context, body, "at");
                const nlohmann::json *replacement = field(body, "replacement");
                if (replacement != nullptr && !replacement->is_boolean()) {
                  throw Failure(ErrorCode::invalid_argument, "replacement: true or false");
                }
                context.store.add_register_record(
                    meter, {at, value, replacement != nullptr && replacement->get<bool>()});
                const RegisterState state =
                    context.store.register_state(meter, context.time->wall_now());
                http::Response response =
                    http::json_ok({{"register", state.register_value}, {"total", state.total}});
                response.status = 201;
                return response;
              },
              {}});
  router.add({"POST",
              "/api/meters/{id}/calorific",
              http::Access::admin,
              [&context](http::Request &request) {
                const std::int64_t meter = meter_in_reach(context, request, Role::admin);
                if (context.store.meter(meter).kind != MeterKind::gas) {
                  throw Failure(ErrorCode::invalid_argument,
                                "id: meter " + std::to_string(meter) + " is not a gas meter");
                }
                const nlohmann::json body = json_body_object(request);
                const CalorificValue value{
                    time_field(context, body, "from"),
                    number_in(body, "mj_per_m3", 1.0, maximum_megajoules_per_m3),
                    number_in(body, "correction", 0.5, maximum_volume_correction,
                              CalorificValue{}.volume_correction)};
                context.store.add_calorific_value(meter, value);
                http::Response response = http::json_ok({{"from", format_utc(value.effective_from)},
                                                         {"mj_per_m3", value.megajoules_per_m3},
                                                         {"correction", value.volume_correction}});
                response.status = 201;
                return response;
              },
              {}});
}

} // namespace

void add_admin_routes(http::Router &router, ApiContext &context) {
  add_user_routes(router, context);
  add_key_routes(router, context);
  add_register_routes(router, context);
}

} // namespace pulsemon

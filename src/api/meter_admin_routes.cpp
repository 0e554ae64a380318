// POST /api/meters (a site's owners, operators) and PUT /api/meters/{id}
// (its members and owners): JSON bodies, every field checked and named
// when wrong.
#include "api/api.h"
#include "api/meter_view.h"
#include "api/site_access.h"
#include "core/tariff.h"
#include "core/untrusted_json.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace pulsemon {

namespace {

const char *const settable_fields = "name, location, kind, unit, ppu, tariff, min_interval_ms, "
                                    "min_width_ms, power_timeout_s, site";

std::string text_field(const nlohmann::json &value, const std::string &key) {
  if (!value.is_string()) {
    throw Failure(ErrorCode::invalid_argument, key + ": must be a string");
  }
  return value.get<std::string>();
}

double number_field(const nlohmann::json &value, const std::string &key) {
  if (!value.is_number() || !std::isfinite(value.get<double>())) {
    throw Failure(ErrorCode::invalid_argument, key + ": must be a number");
  }
  return value.get<double>();
}

// Applies the body's fields to `meter`. Only admins may change what would
// rewrite the meaning of stored pulses (kind, unit, ppu).
void apply(Meter &meter, const nlohmann::json &body, bool is_admin) {
  for (const auto &[key, value] : body.items()) {
    if (key == "id" || key == "site") {
      continue; // from the path, or read by the caller
    }
    if ((key == "kind" || key == "unit" || key == "ppu") && !is_admin) {
      throw Failure(ErrorCode::permission_denied, key + ": only an admin may change it");
    }
    if (key == "name") {
      meter.name = text_field(value, key);
    } else if (key == "location") {
      meter.location = text_field(value, key);
    } else if (key == "kind") {
      meter.kind = value_or_throw(parse_meter_kind(text_field(value, key)));
    } else if (key == "unit") {
      meter.unit = text_field(value, key);
    } else if (key == "ppu") {
      meter.pulses_per_unit = number_field(value, key);
    } else if (key == "tariff") {
      meter.tariff = text_field(value, key);
      if (!meter.tariff.empty()) {
        (void)value_or_throw(parse_tariff(meter.tariff));
      }
    } else if (key == "min_interval_ms") {
      meter.filter.min_interval =
          value_or_throw(filter_milliseconds(key, number_field(value, key)));
    } else if (key == "min_width_ms") {
      meter.filter.min_width = value_or_throw(filter_milliseconds(key, number_field(value, key)));
    } else if (key == "power_timeout_s") {
      meter.power_timeout = value_or_throw(power_timeout_seconds(key, number_field(value, key)));
    } else {
      throw Failure(ErrorCode::invalid_argument,
                    key + ": is not a meter field (" + std::string(settable_fields) + ")");
    }
  }
}

http::Response create(ApiContext &context, const http::Request &request) {
  const nlohmann::json body = json_body_object(request);
  Meter meter;
  const auto id = body.find("id");
  const auto id_value = id == body.end() ? std::nullopt : json_integer_in(*id, 1, max_meter_id);
  if (!id_value) {
    throw Failure(ErrorCode::invalid_argument,
                  "id: a whole number from 1 to " + std::to_string(max_meter_id) + " is required");
  }
  meter.id = *id_value;
  for (const char *required : {"name", "kind", "ppu"}) {
    if (!body.contains(required)) {
      throw Failure(ErrorCode::invalid_argument, std::string(required) + ": is required");
    }
  }
  apply(meter, body, true);
  meter.site_id = site_for_new(context, caller_of(request), body_site(body));
  if (!body.contains("unit")) {
    meter.unit = std::string(default_unit(meter.kind));
  }
  context.store.add_meter(meter, context.time->wall_now());
  return http::json_response(
      201, http::json_text(meter_view(context.store, meter, context.time->wall_now())));
}

http::Response update(ApiContext &context, const http::Request &request, std::int64_t id) {
  const nlohmann::json body = json_body_object(request);
  Meter meter = context.store.meter(id);
  const http::Principal &caller = caller_of(request);
  apply(meter, body, manages_site(caller, meter.site_id));
  if (const auto site = body_site(body); site && *site != meter.site_id) {
    if (!manages_site(caller, meter.site_id)) {
      throw Failure(ErrorCode::permission_denied, "site: only an owner may move a meter");
    }
    meter.site_id = site_for_new(context, caller, site); // one the caller manages too
  }
  context.store.update_meter(meter);
  if (context.meter_changed) {
    context.meter_changed(meter);
  }
  return http::json_ok(meter_view(context.store, meter, context.time->wall_now()));
}

} // namespace

void add_meter_admin_routes(http::Router &router, ApiContext &context) {
  router.add({"POST",
              "/api/meters",
              http::Access::admin,
              [&context](http::Request &request) { return create(context, request); },
              {}});
  router.add({"PUT",
              "/api/meters/{id}",
              http::Access::user,
              [&context](http::Request &request) {
                return update(context, request, meter_in_reach(context, request, Role::user));
              },
              {}});
}

} // namespace pulsemon

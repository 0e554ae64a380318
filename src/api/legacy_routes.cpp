// The old Node.js service's endpoints, field for field, so that its clients
// (a Pimatic plugin polling /api/ipu, Domoticz scripts polling /apiv2/ipu)
// keep working. Deliberate differences are listed in docs/legacy-api.md.
// Each account sees the meters of its own sites (api/site_access.h): on a
// single-household install, every meter, as before.
#include "api/api.h"
#include "api/site_access.h"
#include "core/quoted_input.h"
#include "core/time_text.h"
#include "core/untrusted_json.h"
#include "core/whole_number.h"
#include "domain/series.h"

#include <date/date.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <set>

namespace pulsemon {

namespace {

// What each version of the old service said to a request without a valid
// token: /api/* was the older version's, /apiv2/* the later one's.
constexpr std::string_view not_authorized =
    R"({"status":401,"message":"You're not authorized, bye"})";
constexpr std::string_view unknown_userid = R"({"status":401,"message":"unknown userid, bye"})";

std::string old_timestamp(UtcTime t) {
  return date::format("%F %T", std::chrono::floor<std::chrono::seconds>(t));
}

http::Response ipu(ApiContext &context, const http::Principal &caller) {
  const UtcTime now = context.time->wall_now();
  const LivePowers live = live_powers(context);
  const std::set<std::int64_t> sites = visible_sites(context, caller);
  nlohmann::json rows = nlohmann::json::array();
  for (const Meter &seen : context.reads.catalogue()) {
    if (!sites.contains(seen.site_id)) {
      continue;
    }
    const MeterFacts &facts = context.reads.meter(seen.id, now);
    const Meter &meter = facts.meter;
    const UtcTime created = facts.created;
    const auto last_pulse = facts.stats.last_pulse;
    const std::optional<double> power = power_now(facts, now, live_power(live, meter.id));
    rows.push_back({{"meterid", meter.id},
                    {"created", old_timestamp(created)},
                    {"updated", old_timestamp(last_pulse.value_or(created))},
                    {"description", meter.name},
                    {"location", meter.location},
                    {"ipu", static_cast<std::int64_t>(std::llround(power.value_or(0.0)))}});
  }
  return http::json_ok(rows);
}

// A body field as the client sent it: a JSON number, or text (a JSON
// string or any form field).
struct BodyField {
  std::string text;
  bool number = false;
};

// A whole-number field read as the old service read it, `body.x || "21"`:
// a missing, empty or zero number (JavaScript's false values) takes the
// default, which it then echoed as the string in its code; anything else
// is echoed as sent, a number as a number and a string as a string. Names
// the field when it is not a whole number in range.
struct OldField {
  std::int64_t value = 0;
  nlohmann::json echoed;
};

OldField old_field(const std::map<std::string, BodyField> &fields, const std::string &name,
                   std::int64_t fallback, std::int64_t low, std::int64_t high) {
  const auto it = fields.find(name);
  if (it == fields.end() || it->second.text.empty() ||
      (it->second.number && it->second.text == "0")) {
    return {fallback, std::to_string(fallback)};
  }
  const auto value = whole_number_in(it->second.text, low, high);
  if (!value) {
    throw Failure(ErrorCode::invalid_argument,
                  name + ": " + quoted_input(it->second.text) + " is not a whole number from " +
                      std::to_string(low) + " to " + std::to_string(high));
  }
  return {*value, it->second.number ? nlohmann::json(*value) : nlohmann::json(it->second.text)};
}

std::map<std::string, BodyField> body_fields(const http::Request &request) {
  std::map<std::string, BodyField> fields;
  if (request.header("content-type").find("json") == std::string::npos) {
    for (auto &[key, value] : http::parse_form(request.body)) {
      fields[key] = BodyField{std::move(value), false};
    }
    return fields;
  }
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return {}; // no body: the defaults, as the old service took them
  }
  const auto parsed = parse_untrusted_json(request.body, "body");
  const nlohmann::json body = parsed.ok() ? *parsed : nlohmann::json();
  if (!body.is_object()) {
    throw Failure(ErrorCode::invalid_argument,
                  "body: not a JSON object like {\"mid\":1,\"nrDaysBack\":1}");
  }
  for (const auto &[key, value] : body.items()) {
    if (value.is_number_integer()) {
      fields[key] = BodyField{value.dump(), true}; // digits, signed or unsigned
    } else if (value.is_string()) {
      fields[key] = BodyField{value.get<std::string>(), false};
    } else if (value.is_null() || (value.is_boolean() && !value.get<bool>())) {
      continue; // false to JavaScript too: the default
    } else {
      // Refused below as not a whole number, never echoed whole.
      fields[key] = BodyField{json_kind(value), false};
    }
  }
  return fields;
}

// A figure as the old service wrote it: a whole number when it is one (Wh
// per hour at 1000 imp/kWh always is), else rounded to a thousandth, which
// is finer than any meter resolves and drops binary noise such as
// 120.00000000000001.
nlohmann::json old_number(double value) {
  const double rounded = std::round(value * 1000.0) / 1000.0;
  if (rounded == std::floor(rounded) && std::abs(rounded) < 9.0e15) {
    return static_cast<std::int64_t>(rounded);
  }
  return rounded;
}

// e-energy: Wh per hour; e-power: average W per minute; both for the UTC
// day `nrDaysBack` days ago.
http::Response day_series(ApiContext &context, const http::Request &request, bool power) {
  const auto fields = body_fields(request);
  const OldField meter_field = old_field(fields, "mid", 21, 1, max_meter_id);
  const OldField days_field = old_field(fields, "nrDaysBack", 1, 0, 36'500);
  const std::int64_t mid = meter_field.value;
  const std::int64_t days_back = days_field.value;
  check_meter_in_reach(context, caller_of(request), mid, Role::viewer);
  const Meter meter = context.store.meter(mid);
  const UtcTime day =
      std::chrono::floor<date::days>(context.time->wall_now()) - date::days{days_back};
  const auto step = power ? std::chrono::seconds{60} : std::chrono::seconds{3600};
  const double to_watt_hours = rate_unit(meter.unit).per_unit_per_hour; // kWh → Wh
  auto rows = power_series(context.store, mid, day, day + date::days{1}, step, 2000);
  nlohmann::json values = nlohmann::json::array();
  for (const PowerRow &row : value_or_throw(std::move(rows))) {
    if (row.pulses == 0) {
      continue; // the old service answered the buckets that had pulses, never the future
    }
    const double energy = energy_of(row.pulses, meter.pulses_per_unit) * to_watt_hours;
    values.push_back(
        {{"time",
          std::chrono::floor<std::chrono::seconds>(row.span.start).time_since_epoch().count()},
         {"energy", old_number(power ? row.average : energy)}});
  }
  const std::string unit = rate_unit(meter.unit).name == "W" ? (power ? "W" : "Wh") : meter.unit;
  return http::json_ok({{"mid", meter_field.echoed},
                        {"unit", unit},
                        {"nrDayBacks", days_field.echoed},
                        {"values", values}});
}

} // namespace

void add_legacy_routes(http::Router &router, ApiContext &context) {
  router.add({"GET", "/api/ipu", http::Access::viewer,
              [&context](http::Request &request) { return ipu(context, caller_of(request)); },
              std::string(not_authorized), true});
  router.add({"GET", "/apiv2/ipu", http::Access::viewer,
              [&context](http::Request &request) { return ipu(context, caller_of(request)); },
              std::string(unknown_userid), true});
  router.add({"PUT", "/apiv2/e-energy", http::Access::viewer,
              [&context](http::Request &request) { return day_series(context, request, false); },
              std::string(unknown_userid), true});
  router.add({"PUT", "/apiv2/e-power", http::Access::viewer,
              [&context](http::Request &request) { return day_series(context, request, true); },
              std::string(unknown_userid), true});
  router.add({"GET",
              "/apiv2/",
              http::Access::open,
              [](http::Request &) {
                return http::json_response(
                    200, R"({"description":"Project EMON API version 2. Welcome"})");
              },
              {},
              true});
  // Version 1 was retired: any path under it answered this, with a 200.
  router.add({"GET",
              "/apiv1/*",
              http::Access::open,
              [](http::Request &) {
                return http::json_response(
                    200, R"({"description":"Project X API version 1. Please use API version 2"})");
              },
              {},
              true});
}

} // namespace pulsemon

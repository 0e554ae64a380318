// GET /api/meters, GET /api/meters/{id}, …/energy, …/power.
#include "api/api.h"
#include "api/meter_view.h"
#include "core/calendar.h"
#include "core/time_text.h"

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include <charconv>

namespace pulsemon {

namespace {

http::Response json_response(const nlohmann::json &body) {
  return http::json_response(200, body.dump());
}

std::optional<double> live_power(ApiContext &context, std::int64_t id) {
  if (!context.live) {
    return std::nullopt;
  }
  for (const MeterLiveStatus &status : context.live()) {
    if (status.meter_id == id) {
      return status.power;
    }
  }
  return std::nullopt;
}

const date::time_zone &zone_of(const ApiContext &context, const http::Request &request) {
  const auto it = request.query.find("tz");
  const std::string name = it == request.query.end() ? context.settings.zone : it->second;
  try {
    return *date::locate_zone(name);
  } catch (const std::exception &) {
    throw Failure(ErrorCode::invalid_argument,
                  "tz: '" + name + "' is not an IANA time zone (e.g. Europe/Amsterdam)");
  }
}

UtcTime time_param(const http::Request &request, const std::string &name,
                   const date::time_zone &zone, UtcTime fallback) {
  const auto it = request.query.find(name);
  if (it == request.query.end() || it->second.empty()) {
    return fallback;
  }
  auto parsed = parse_time(it->second, zone);
  if (!parsed.ok()) {
    throw Failure(ErrorCode::invalid_argument, name + ": " + parsed.error().message);
  }
  return *parsed;
}

struct Range {
  UtcTime from;
  UtcTime to;
};

Range range_of(const http::Request &request, const date::time_zone &zone, Micros default_span) {
  const UtcTime to = time_param(request, "to", zone, api_now());
  const UtcTime from = time_param(request, "from", zone, to - default_span);
  if (from >= to) {
    throw Failure(ErrorCode::invalid_argument, "from: must be before to");
  }
  return {from, to};
}

http::Response energy(ApiContext &context, const http::Request &request) {
  const std::int64_t id = path_meter_id(request);
  const auto snapshot = context.store.read_snapshot();
  const Meter meter = context.store.meter(id);
  const date::time_zone &zone = zone_of(context, request);
  const auto bucket_text =
      request.query.contains("bucket") ? request.query.at("bucket") : std::string("hour");
  const BucketSize size = value_or_throw(parse_bucket_size(bucket_text));
  const Range range = range_of(request, zone, std::chrono::hours{24});
  const Calendar calendar(zone, context.settings.billing_day);
  auto rows =
      context.store.energy(id, range.from, range.to, size, calendar, context.settings.max_rows);
  if (!rows.ok()) {
    throw Failure(rows.error());
  }
  nlohmann::json body = nlohmann::json::array();
  for (const EnergyRow &row : *rows) {
    nlohmann::json item{{"start", format_utc(row.bucket.start)},
                        {"end", format_utc(row.bucket.end)},
                        {"pulses", row.pulses},
                        {"value", row.value},
                        {"unit", meter.unit},
                        {"cost", row.cost ? nlohmann::json(*row.cost) : nlohmann::json()}};
    if (row.kwh) {
      item["kwh"] = *row.kwh;
    }
    body.push_back(std::move(item));
  }
  return json_response(body);
}

http::Response power(ApiContext &context, const http::Request &request) {
  const std::int64_t id = path_meter_id(request);
  const Meter meter = context.store.meter(id);
  const date::time_zone &zone = zone_of(context, request);
  std::int64_t step = 60;
  if (const auto it = request.query.find("step"); it != request.query.end()) {
    const auto [end, ec] =
        std::from_chars(it->second.data(), it->second.data() + it->second.size(), step);
    if (ec != std::errc{} || end != it->second.data() + it->second.size() || step <= 0) {
      throw Failure(ErrorCode::invalid_argument,
                    "step: '" + it->second + "' is not a whole number of seconds above 0");
    }
  }
  const Range range = range_of(request, zone, std::chrono::hours{1});
  auto rows = context.store.power(id, range.from, range.to, std::chrono::seconds{step},
                                  context.settings.max_rows);
  if (!rows.ok()) {
    throw Failure(rows.error());
  }
  const std::string unit = rate_unit(meter.unit).name;
  nlohmann::json body = nlohmann::json::array();
  for (const PowerRow &row : *rows) {
    body.push_back({{"start", format_utc(row.span.start)},
                    {"end", format_utc(row.span.end)},
                    {"pulses", row.pulses},
                    {"average", row.average},
                    {"unit", unit}});
  }
  return json_response(body);
}

// Pulses as JSON (an array of UTC times) or CSV (Accept: text/csv; a header
// line, then one time per line), in pages of 10 000 so that a year of pulses
// streams without being held in memory.
http::Response pulses(ApiContext &context, const http::Request &request) {
  const std::int64_t id = path_meter_id(request);
  (void)context.store.meter(id); // 404 before the stream starts
  const Range range = range_of(request, zone_of(context, request), std::chrono::hours{1});
  const bool csv = request.header("accept").find("text/csv") != std::string::npos;

  struct Cursor {
    UtcTime next;
    bool started = false;
    bool wrote_any = false;
    bool finished = false;
  };
  auto cursor = std::make_shared<Cursor>(Cursor{range.from});
  http::Response response;
  response.content_type = csv ? "text/csv" : "application/json";
  response.next_chunk = [&context, id, to = range.to, csv, cursor]() -> std::optional<std::string> {
    if (cursor->finished) {
      return std::nullopt;
    }
    constexpr std::size_t page_size = 10'000;
    const std::vector<UtcTime> page = context.store.pulses_page(id, cursor->next, to, page_size);
    std::string chunk;
    if (!cursor->started) {
      chunk = csv ? "time\n" : "[";
      cursor->started = true;
    }
    for (const UtcTime t : page) {
      if (csv) {
        chunk += format_utc(t);
        chunk += '\n';
        continue;
      }
      if (cursor->wrote_any) {
        chunk += ',';
      }
      chunk += '"' + format_utc(t) + '"';
      cursor->wrote_any = true;
    }
    if (page.size() < page_size) {
      cursor->finished = true;
      if (!csv) {
        chunk += "]";
      }
    } else {
      cursor->next = page.back() + Micros{1};
    }
    return chunk;
  };
  return response;
}

// The meter as the API shows it, with how finely its energy is known: from
// pulses, or only from power reports ([[mqtt_power]], lower resolution).
nlohmann::json api_meter_view(ApiContext &context, const Meter &meter, UtcTime now) {
  nlohmann::json view = meter_view(context.store, meter, now, live_power(context, meter.id));
  view["resolution"] = context.power_report_meters.contains(meter.id) ? "power reports" : "pulses";
  return view;
}

} // namespace

void add_meter_routes(http::Router &router, ApiContext &context) {
  router.add({"GET",
              "/api/meters",
              http::Access::viewer,
              [&context](http::Request &) {
                const UtcTime now = api_now();
                const auto snapshot = context.store.read_snapshot();
                nlohmann::json body = nlohmann::json::array();
                for (const Meter &meter : context.store.meters()) {
                  body.push_back(api_meter_view(context, meter, now));
                }
                return json_response(body);
              },
              {}});
  router.add({"GET",
              "/api/meters/{id}",
              http::Access::viewer,
              [&context](http::Request &request) {
                const std::int64_t id = path_meter_id(request);
                const auto snapshot = context.store.read_snapshot();
                return json_response(api_meter_view(context, context.store.meter(id), api_now()));
              },
              {}});
  router.add({"GET",
              "/api/meters/{id}/energy",
              http::Access::viewer,
              [&context](http::Request &request) { return energy(context, request); },
              {}});
  router.add({"GET",
              "/api/meters/{id}/pulses",
              http::Access::viewer,
              [&context](http::Request &request) { return pulses(context, request); },
              {}});
  router.add({"GET",
              "/api/meters/{id}/power",
              http::Access::viewer,
              [&context](http::Request &request) { return power(context, request); },
              {}});
}

} // namespace pulsemon

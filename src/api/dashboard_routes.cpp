// The dashboard (web/, built into the binary) at / and /assets/…, and
// /api/status, which tells it the household's time zone, the version,
// whether the clock is synchronised and how the sources fare.
#include "api/api.h"
#include "api/site_access.h"

#include "core/time_text.h"
#include "web/assets.h"

#include <nlohmann/json.hpp>

#include <set>

namespace pulsemon {

namespace {

// Scripts and styles only from this origin, no inline script or style
// attribute, no frames, no plugins; the API is the only place to connect.
constexpr std::string_view content_security_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

const web::Asset *find_asset(std::string_view path) {
  for (const web::Asset &asset : web::assets()) {
    if (asset.path == path) {
      return &asset;
    }
  }
  return nullptr;
}

bool accepts_gzip(const http::Request &request) {
  return request.header("accept-encoding").find("gzip") != std::string::npos;
}

// The file with its caching headers: 304 when the browser has this
// version (If-None-Match), gzip when the browser takes it.
http::Response serve_asset(const web::Asset &asset, const http::Request &request) {
  http::Response response;
  response.content_type = std::string(asset.content_type);
  response.headers = {{"ETag", std::string(asset.etag)},
                      {"Cache-Control", std::string(asset.cache_control)},
                      {"Content-Security-Policy", std::string(content_security_policy)},
                      {"X-Content-Type-Options", "nosniff"},
                      {"Referrer-Policy", "no-referrer"},
                      {"Vary", "Accept-Encoding"}};
  if (request.header("if-none-match") == asset.etag) {
    response.status = 304;
    return response;
  }
  if (accepts_gzip(request)) {
    response.headers.emplace_back("Content-Encoding", "gzip");
    response.body = std::string(asset.gzip_body);
  } else {
    response.body = std::string(asset.body);
  }
  return response;
}

// Sources and totals of the meters the caller sees (an operator: every
// site's sources, which are data quality; totals only where it sees the
// figures).
nlohmann::json status_of(ApiContext &context, const http::Principal &caller) {
  const std::set<std::int64_t> sites = visible_sites(context, caller);
  const auto seen = [&](std::int64_t meter_id) {
    const std::optional<std::int64_t> site = context.reads.meter_site(meter_id);
    return site && sites.contains(*site) && shows_meter(caller, meter_id);
  };
  nlohmann::json sources = nlohmann::json::array();
  if (context.sources) {
    for (const SourceHealth &source : context.sources()) {
      if (!caller.is_operator && !seen(source.meter_id)) {
        continue;
      }
      sources.push_back({{"name", source.name},
                         {"meter", source.meter_id},
                         {"state", source.running ? "running" : "down"},
                         {"restarts", source.restarts},
                         {"condition", source.condition},
                         {"last_failure", source.last_failure},
                         {"last_failure_at", utc_or_null(source.last_failure_at)},
                         {"restart_at", utc_or_null(source.restart_at)}});
    }
  }
  nlohmann::json behind = nlohmann::json::array();
  if (context.totals != nullptr) {
    for (const TotalHole &hole : context.totals->holes()) {
      if (!seen(hole.meter_id)) {
        continue;
      }
      behind.push_back({{"meter", hole.meter_id},
                        {"published_total", hole.published},
                        {"stored_total", hole.stored},
                        {"missing", hole.published - hole.stored},
                        {"since", format_utc(hole.since)}});
    }
  }
  nlohmann::json backup;
  if (context.backup && caller.display_meters.empty()) { // a wall screen has no say in backups
    const BackupStatus status = context.backup();
    backup = {{"dir", status.dir},
              {"every", to_string(status.schedule.every)},
              {"keep", status.schedule.keep},
              {"last", status.last_good ? nlohmann::json{{"at", format_utc(*status.last_good)},
                                                         {"bytes", status.last_bytes},
                                                         {"file", status.last_file}}
                                        : nlohmann::json()},
              {"next_due", format_utc(status.next_due)},
              {"overdue", status.overdue},
              {"last_failure", status.last_failure},
              {"last_failure_at", utc_or_null(status.last_failure_at)}};
  }
  return {{"version", context.settings.version},
          {"zone", context.settings.zone},
          {"billing_day", context.settings.billing_day},
          {"currency", context.settings.currency},
          {"clock_synchronised", context.clock_synchronised
                                     ? nlohmann::json(context.clock_synchronised())
                                     : nlohmann::json()},
          {"sources", sources},
          {"totals_behind", behind},
          {"backup", backup}};
}

} // namespace

http::Response serve_dashboard_page(const http::Request &request) {
  return serve_asset(*find_asset("/"), request);
}

void add_dashboard_routes(http::Router &router, ApiContext &context) {
  router.add({"GET",
              "/",
              http::Access::open,
              [](http::Request &request) { return serve_dashboard_page(request); },
              {}});
  router.add({"GET",
              "/assets/*",
              http::Access::open,
              [](http::Request &request) {
                const web::Asset *asset = find_asset(request.path);
                if (asset == nullptr || asset->path == "/") {
                  return http::error_response(404, "not_found",
                                              "no such file of the dashboard (an old page? "
                                              "reload it)");
                }
                return serve_asset(*asset, request);
              },
              {}});
  router.add({"GET",
              "/api/status",
              http::Access::viewer,
              [&context](http::Request &request) {
                return http::json_ok(status_of(context, caller_of(request)));
              },
              {},
              false,
              true});
}

} // namespace pulsemon

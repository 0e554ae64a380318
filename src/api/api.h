#pragma once
// The HTTP API: every route, and what its handlers share. The handlers'
// thread owns ApiContext (http/server.h: one thread, off the event loop, in
// the daemon); handlers run on that thread only.

#include "api/http/router.h"
#include "api/login_limits.h"
#include "api/meter_view.h"
#include "api/read_cache.h"
#include "auth/hash_pool.h"
#include "auth/verified_tokens.h"
#include "clock/time_source.h"
#include "core/alerts.h"
#include "core/backup_schedule.h"
#include "core/metrics_text.h"
#include "core/rate_limiter.h"
#include "core/source_health.h"
#include "pipeline/meter_pipeline.h"
#include "store/published_totals.h"
#include "store/pulse_bus.h"
#include "store/store.h"
#include "store/writer.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace date {
class time_zone;
}

namespace pulsemon {

struct ApiSettings {
  std::chrono::seconds token_lifetime{24 * 3600};
  std::string zone = "UTC"; // default for ?tz=, and the dashboard's zone
  std::string version;      // pulsemon's, for /api/status
  int billing_day = 1;
  std::string currency = "EUR";  // ISO 4217, for /api/status and the dashboard
  AlertSettings alerts{};        // what /api/alerts judges by
  std::size_t max_rows = 10'000; // buckets or steps in one answer
  // Origins whose browser pages may call the v1 API (http.cors_origins).
  std::vector<std::string> cors_origins{};
  // Requests for shared pages (/share/…, /api/share/…) one address may
  // make in a minute ([sharing] requests_per_minute).
  std::size_t share_requests_per_minute = 60;
  // Whether a friend's share link may be plain http:// ([sharing]).
  bool friend_allow_http = false;
};

// Where node uploads (POST /api/ingest) are stored: a thread of its own
// with a connection of its own, so that a slow commit (an SD card, a busy
// database) holds up no other request and no stream. Batches that wait
// beyond max_waiting get 503 (the node resends).
struct IngestWorker {
  IngestWorker(std::unique_ptr<Store> worker_store, std::size_t max_waiting)
      : store(std::move(worker_store)), pool(1, max_waiting) {}
  std::unique_ptr<Store> store; // used on the worker's thread only
  std::string failing_because;  // why uploads cannot be stored (a full disk), while they cannot
  auth::HashPool pool;          // one thread: commits in order (a job queue, not only hashing)
};

// What one route answered since start, for /metrics.
struct RouteCounts {
  std::string route; // "GET /api/meters/{id}"
  std::map<unsigned, std::uint64_t> by_status;
  HistogramCounts seconds{{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0}};
};

struct ApiContext {
  Store &store;       // the API's own connection
  std::string secret; // token-signing key, raw bytes
  ApiSettings settings;
  // Live status from the running pipelines (empty when none run).
  std::function<std::vector<MeterLiveStatus>()> live;
  // Tells the running pipelines about a meter whose settings changed.
  std::function<void(const Meter &)> meter_changed;
  // Failed logins (api/login_limits.h), shared with the other instances
  // where the store is.
  LoginLimits login_limits{store.shared_login_failures()};
  // Meters known only from power reports (lower resolution in the API).
  std::set<std::int64_t> power_report_meters{};
  // Where pulses that nodes upload are published once stored (the live
  // figures subscribe); none in tests that do not follow them.
  PulseBus *bus = nullptr;
  // Meters and users as last read from `store`, until the database changes
  // (brought up to date at the start of each request), and tokens already
  // verified.
  ReadCache reads{store};
  auth::VerifiedTokens verified_tokens{secret};
  // Why node uploads cannot be stored (a full disk), while they cannot;
  // for uploads stored on the API's thread (no ingest_worker).
  std::string ingest_failing_because{};
  // Where node uploads are stored when set (the daemon); unset, on the
  // API's thread through `store` (tests of the handlers).
  std::unique_ptr<IngestWorker> ingest_worker{};
  // Password checks run here, off the event loop (POST /api/login).
  auth::HashPool hashing{};
  // Whether the kernel says the wall clock is synchronised (NTP, chrony);
  // unset: unknown (/api/status says null).
  std::function<bool()> clock_synchronised{};
  // How the daemon's supervised sources (GPIO lines) fare; unset: none.
  std::function<std::vector<SourceHealth>()> sources{};
  // For /metrics: the routes' answers (counts per route),
  // the writer's figures (unset: no writer runs), and a bearer token that
  // opens /metrics alone ([metrics] token_file; empty: none).
  // Keyed by the route's place in the router (no text made per request).
  std::map<const http::Route *, RouteCounts> http_counts{};
  std::function<WriterStats()> writer_stats{};
  std::string metrics_token{};
  // The highest figures published per meter (none: not held), which
  // /metrics raises and the meters' totals and /api/status follow.
  PublishedTotals *totals = nullptr;
  // How many live streams are open (unset: none can be).
  std::function<std::size_t()> live_streams{};
  // The scheduled backups' state; unset when none are configured.
  std::function<BackupStatus()> backup{};
  // Asks the friends' refresher to fetch a friend's share soon (unset: no
  // refresher runs; the friend waits).
  std::function<void(std::int64_t)> refresh_friend{};
  // Requests for shared pages per address, hits and misses alike.
  FailureLimiter share_requests{settings.share_requests_per_minute, std::chrono::seconds{60}};
  // The clocks every answer reads (a simulated time in tests).
  TimeSource *time = &real_time();
};

// Builds the route table over `context`, which must outlive the router.
[[nodiscard]] http::Router make_router(ApiContext &context);

// Route groups, one file each.
void add_login_routes(http::Router &router, ApiContext &context);
void add_meter_routes(http::Router &router, ApiContext &context);
void add_legacy_routes(http::Router &router, ApiContext &context);
void add_meter_admin_routes(http::Router &router, ApiContext &context);
void add_household_routes(http::Router &router, ApiContext &context);
void add_ingest_routes(http::Router &router, ApiContext &context);
void add_dashboard_routes(http::Router &router, ApiContext &context);
void add_admin_routes(http::Router &router, ApiContext &context);
void add_metrics_routes(http::Router &router, ApiContext &context);
void add_site_routes(http::Router &router, ApiContext &context);
void add_share_routes(http::Router &router, ApiContext &context);
void add_friend_routes(http::Router &router, ApiContext &context);

// The dashboard's page (index.html) with its headers, for every path that
// opens it (/, /share/{token}).
[[nodiscard]] http::Response serve_dashboard_page(const http::Request &request);

// A time as the API writes it (format_utc), null when there is none.
[[nodiscard]] nlohmann::json utc_or_null(const std::optional<UtcTime> &time);

// What a household says about itself (core/household.h) as the API shows
// it, each field null when not said: GET /api/household's and a share's.
[[nodiscard]] nlohmann::json household_profile_json(const HouseholdProfile &profile);

// A request's body as a JSON object, read under the untrusted-JSON policy;
// a 400 naming "body" otherwise.
[[nodiscard]] nlohmann::json json_body_object(const http::Request &request);

// The {id} of a path as a meter id; a 400 naming it when it is not one.
[[nodiscard]] std::int64_t path_meter_id(const http::Request &request);

// A whole-number query parameter from `low` to `high`, `fallback` when it
// is absent or empty; a 400 that names it and the range otherwise.
[[nodiscard]] std::int64_t integer_query(const http::Request &request, const std::string &name,
                                         std::int64_t low, std::int64_t high,
                                         std::int64_t fallback);

// A display link's bearer token is this and the link's token (the page at
// /display/TOKEN sends it).
inline constexpr std::string_view display_token_prefix = "pmd_";

// The live stream's topic of one meter's events for display links (a
// site's topic is its id, always positive; a meter's is its id negated).
[[nodiscard]] constexpr std::int64_t display_topic(std::int64_t meter_id) {
  return -meter_id;
}

// The token a request carries (`Authorization: Bearer` or the legacy
// `X-Access-Token`); empty when none.
[[nodiscard]] std::string request_token(const http::Request &request);

// Verifies a request's token against the secret and the user table. For a
// device route (node uploads) with an ingest worker, a device key is only
// checked for its form here: the worker looks it up with the upload, so
// that the handlers' thread does not touch the database for every upload
// (its reads wait on SQLite's locks while the worker commits).
[[nodiscard]] Result<http::Principal> authenticate(ApiContext &context,
                                                   const http::Request &request,
                                                   http::Access access = http::Access::viewer);

// The running pipelines' power per meter with a lane, at the moment asked
// (empty when none run), read once per answer; live_power finds one
// meter's (null: no lane runs for it).
using LivePowers = std::map<std::int64_t, LivePower>;
[[nodiscard]] LivePowers live_powers(ApiContext &context);
[[nodiscard]] const LivePower *live_power(const LivePowers &powers, std::int64_t meter_id);

// An answer that needs `password` hashed with Argon2id: the hash is made
// on context.hashing, and `answer(hash)` then runs on the handlers' thread
// again (it may use the store). 503 with Retry-After when too many
// hashes wait already.
[[nodiscard]] http::Response
after_hashing(ApiContext &context, std::string password,
              std::function<http::Response(const std::string &)> answer);
// That 503: too many passwords are being hashed at once.
[[nodiscard]] http::Response hashing_busy();

} // namespace pulsemon

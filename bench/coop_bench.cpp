// A housing co-operative's data set on PostgreSQL beside the same on
// SQLite, in one run: 1 000 meters (electricity at 1 000 and 10 000
// imp/kWh, gas, water) over 30 days, served by the real daemon, and wrk
// asking it for
//
//   the meters list   GET /api/meters (every meter's figures)
//   a year by day     GET /api/meters/N/energy?bucket=day over the last
//                     365 days of any meter: N at random for each request
//                     (bench/any_meter.lua), so that the answers come from
//                     the store, not from the daemon's kept answers
//
// p99 in ms and requests per second of each, on each backend, and the
// ratios PostgreSQL ÷ SQLite.
//
// Each meter's pulses follow a simulated household's (electricity) or
// heating's (gas, water) day, thinned to about 15 000 pulses a meter over
// the 30 days (15 M in all): the two reads measured use each meter's
// statistics and hourly rollups, whose size grows with meters and hours,
// not with pulses per hour; how fast pulses go in is postgres_bench's.
//
// Prints name=value lines (bench/run passes them on).
//   PULSEMON_BENCH_COOP_METERS   meters (default 1000)
//   PULSEMON_BENCH_COOP_DAYS     days (default 30)
//   PULSEMON_BENCH_WRK_SECONDS   seconds of each wrk round (default 10)
#include "bench_data.h"
#include "coop_data.h"
#include "core/time_text.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"
#include "wrk_load.h"

#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <regex>
#include <stdexcept>

namespace pulsemon::bench {
namespace {

// The data set into `store`: every meter, its pulses in one commit each.
std::size_t load(Store &store, int meters, int days) {
  std::size_t stored = 0;
  for (std::int64_t id = 1; id <= meters; ++id) {
    const CoopMeter coop = coop_meter(id);
    store.add_meter(coop.meter, simulation_start);
    auto pulses = coop_pulses(coop, days);
    stored += pulses.size();
    (void)store.commit_or_throw(PulseBatch{id, std::move(pulses), {}, {}});
  }
  return stored;
}

struct Served {
  Load meters;
  Load year;
};

Served serve_and_measure(const std::filesystem::path &config, const std::string &password,
                         const std::string &year_target, int seconds) {
  testing::RunningDaemon daemon = testing::start_daemon(config);
  const std::string bearer = testing::login_bearer(daemon.port, "admin", password);
  const auto meters =
      testing::http_request(daemon.port, "GET", "/api/meters", "", {{"Authorization", bearer}});
  if (meters.status != 200 || nlohmann::json::parse(meters.body).size() < 7) {
    throw std::runtime_error("GET /api/meters answered " + std::to_string(meters.status));
  }
  std::string one_year = year_target;
  one_year.replace(one_year.find("{id}"), 4, "1");
  const auto year =
      testing::http_request(daemon.port, "GET", one_year, "", {{"Authorization", bearer}});
  if (year.status != 200 || nlohmann::json::parse(year.body).empty()) {
    throw std::runtime_error(one_year + " answered " + std::to_string(year.status) + ": " +
                             year.body);
  }
  Served served;
  served.meters = wrk(daemon.port, "/api/meters", seconds, {bearer, "", false});
  served.year = wrk(daemon.port, year_target, seconds,
                    {bearer, PULSEMON_SOURCE_DIR "/bench/any_meter.lua", false});
  daemon.process->signal(SIGTERM);
  (void)daemon.process->wait(std::chrono::seconds{30});
  return served;
}

int run() {
  const int meters = static_cast<int>(env_number("PULSEMON_BENCH_COOP_METERS", 1000));
  const int days = static_cast<int>(env_number("PULSEMON_BENCH_COOP_DAYS", 30));
  const int seconds = static_cast<int>(env_number("PULSEMON_BENCH_WRK_SECONDS", 10));
  if (meters < 7 || days < 1 || seconds < 1) {
    throw std::runtime_error("PULSEMON_BENCH_COOP_METERS must be at least 7 (one of each kind), "
                             "the days and seconds at least 1");
  }
  std::string why;
  testing::PostgresServer *server = testing::shared_postgres(why);
  if (server == nullptr) {
    throw std::runtime_error("PostgreSQL cannot start: " + why);
  }
  testing::TempDir dir;
  // wrk's script reads it (os.getenv).
  ::setenv("PULSEMON_BENCH_METERS", std::to_string(meters).c_str(), 1);

  // PostgreSQL: the data folder's config names the database; its admin is
  // made there.
  const std::string url = server->new_database_url();
  (void)testing::init_data_folder(dir / "postgres", false);
  const auto pg_config = dir / "postgres" / "pulsemon.toml";
  testing::use_store_url(pg_config, url);
  std::size_t pulses = 0;
  {
    PostgresStore store(url, StoreOptions{Durability::normal, true});
    pulses = load(store, meters, days);
  }
  const std::string password = "a long benchmark password";
  const testing::Completed admin =
      testing::run(testing::pulsemon_binary(),
                   {"-c", pg_config.string(), "user", "add", "admin", "--role", "admin"},
                   password + "\n" + password + "\n");
  if (admin.exit_code != 0) {
    throw std::runtime_error("user add failed: " + admin.err);
  }

  // SQLite: the same meters and pulses in the data folder's own file.
  const std::string sqlite_password = testing::init_data_folder(dir / "sqlite", false);
  {
    SqliteStore store(dir / "sqlite" / "pulsemon.db", StoreOptions{Durability::normal, true});
    (void)load(store, meters, days);
  }
  figure("coop_meters", meters);
  figure("coop_pulses", static_cast<double>(pulses));

  // Any meter's last 365 days, by day.
  const UtcTime end = simulation_start + std::chrono::hours{24 * days};
  const std::string year_target =
      "/api/meters/{id}/energy?bucket=day&from=" + format_day(end - std::chrono::hours{24 * 365}) +
      "&to=" + format_day(end);
  const Served pg = serve_and_measure(pg_config, password, year_target, seconds);
  const Served sqlite =
      serve_and_measure(dir / "sqlite" / "pulsemon.toml", sqlite_password, year_target, seconds);
  figure("coop_pg_meters_rps", pg.meters.rps);
  figure("coop_pg_meters_p99_ms", pg.meters.p99_ms, "%.3f");
  figure("coop_sqlite_meters_rps", sqlite.meters.rps);
  figure("coop_sqlite_meters_p99_ms", sqlite.meters.p99_ms, "%.3f");
  figure("coop_meters_p99_ratio", pg.meters.p99_ms / sqlite.meters.p99_ms, "%.2f");
  figure("coop_pg_year_by_day_rps", pg.year.rps);
  figure("coop_pg_year_by_day_p99_ms", pg.year.p99_ms, "%.3f");
  figure("coop_sqlite_year_by_day_rps", sqlite.year.rps);
  figure("coop_sqlite_year_by_day_p99_ms", sqlite.year.p99_ms, "%.3f");
  figure("coop_year_by_day_p99_ratio", pg.year.p99_ms / sqlite.year.p99_ms, "%.2f");
  return 0;
}

} // namespace
} // namespace pulsemon::bench

int main() {
  try {
    return pulsemon::bench::run();
  } catch (const std::exception &error) {
    std::fprintf(stderr, "coop_bench: %s\n", error.what());
    return 1;
  }
}

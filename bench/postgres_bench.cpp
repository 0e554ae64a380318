// PostgreSQL beside its limits and beside SQLite, in one run, on a real
// PostgreSQL 15 started for it (tests/support/postgres_server.h):
//
//   pg_ingest      a simulated household's edges → MeterPipelines →
//                  PulseWriter → PostgresStore (pulses, rollups, statistics,
//                  synchronous_commit on), in pulses per second;
//   pg_copy        the same pulse rows through COPY into a bare two-column
//                  table, in transactions as large as the writer's largest:
//                  the most PostgreSQL takes them in (pg_ingest_ratio);
//   pg_copy_keyed  the same into a table with pulses' primary key: the
//                  most PostgreSQL takes them in with the index a pulse
//                  store needs to be idempotent (pg_ingest_keyed_ratio);
//   year by day    energy per local day for the last 365 days of the same
//                  store, p99 over 200 queries, beside the same on SQLite;
//   bytes/pulse    pulses, rollups and their indexes on disk per pulse.
//   instances      the same ingest by 1, 2 and 3 instances at once, each
//                  with its own handle, writer and meter and a change-feed
//                  origin (as daemons on one database have), in pulses per
//                  second of all of them together.
//
// Prints name=value lines (bench/run passes them on).
// PULSEMON_BENCH_INGEST_DAYS: days of the household (default 30).
#include "bench_data.h"
#include "core/calendar.h"
#include "domain/series.h"
#include "pipeline/meter_pipeline.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/writer.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"

#include <date/tz.h>
#include <libpq-fe.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <thread>

namespace pulsemon::bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point began) {
  return std::chrono::duration<double>(Clock::now() - began).count();
}

Meter household_meter() {
  Meter meter;
  meter.id = 1;
  meter.name = "household";
  return meter;
}

// Through the daemon's write path; returns pulses per second.
double ingest(Store &store, const Simulated &data, std::int64_t meter_id = 1) {
  Meter meter = household_meter();
  meter.id = meter_id;
  const auto began = Clock::now();
  PulseWriter writer(store, WriterSettings{});
  MeterPipelines pipelines({meter},
                           [&writer](PulseBatch batch) { writer.submit(std::move(batch)); });
  for (const UtcTime pulse : data.pulses) {
    const MonoTime at = mono_from_us(to_epoch_us(pulse));
    pipelines.on_edge(Edge{meter_id, EdgeKind::leading, at, pulse, false});
    pipelines.on_edge(
        Edge{meter_id, EdgeKind::trailing, at + Micros{30'000}, pulse + Micros{30'000}, false});
  }
  writer.flush();
  writer.stop();
  if (writer.stats().committed_pulses != data.pulses.size()) {
    throw std::runtime_error("the writer did not store every pulse");
  }
  return static_cast<double>(data.pulses.size()) / seconds_since(began);
}

// `count` instances ingesting at once into one database, each its own
// meter; returns the pulses per second of all of them together.
double ingest_by_instances(const std::string &url, const Simulated &data, int count) {
  std::vector<std::unique_ptr<PostgresStore>> stores;
  for (int i = 0; i < count; ++i) {
    stores.push_back(std::make_unique<PostgresStore>(
        url, StoreOptions{Durability::full, true, "instance-" + std::to_string(i)}));
    Meter meter = household_meter();
    meter.id = i + 1;
    stores.back()->add_meter(meter, simulation_start);
  }
  const auto began = Clock::now();
  std::vector<std::thread> instances;
  for (int i = 0; i < count; ++i) {
    instances.emplace_back(
        [&, i] { (void)ingest(*stores[static_cast<std::size_t>(i)], data, i + 1); });
  }
  for (std::thread &instance : instances) {
    instance.join();
  }
  return static_cast<double>(data.pulses.size()) * count / seconds_since(began);
}

void check(PGconn *connection, PGresult *result) {
  const ExecStatusType status = PQresultStatus(result);
  PQclear(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_COPY_IN) {
    throw std::runtime_error(PQerrorMessage(connection));
  }
}

// PostgreSQL's own bulk load of the same rows into a bare table, or into
// one with pulses' primary key (`keyed`); returns pulses per second.
double copy_rows(const std::string &url, const Simulated &data, bool keyed) {
  PGconn *connection = PQconnectdb(url.c_str());
  if (PQstatus(connection) != CONNECTION_OK) {
    throw std::runtime_error(PQerrorMessage(connection));
  }
  check(connection,
        PQexec(connection, keyed ? "CREATE TABLE raw (meter_id bigint NOT NULL, "
                                   "ts_us bigint NOT NULL, PRIMARY KEY (meter_id, ts_us))"
                                 : "CREATE TABLE raw (meter_id bigint NOT NULL, "
                                   "ts_us bigint NOT NULL)"));
  const std::size_t per_transaction = WriterSettings{}.commit_at_pulses;
  const auto began = Clock::now();
  for (std::size_t from = 0; from < data.pulses.size(); from += per_transaction) {
    check(connection, PQexec(connection, "BEGIN"));
    check(connection, PQexec(connection, "COPY raw (meter_id, ts_us) FROM STDIN"));
    std::string rows;
    const std::size_t to = std::min(from + per_transaction, data.pulses.size());
    for (std::size_t i = from; i < to; ++i) {
      rows += "1\t" + std::to_string(to_epoch_us(data.pulses[i])) + "\n";
    }
    if (PQputCopyData(connection, rows.data(), static_cast<int>(rows.size())) != 1 ||
        PQputCopyEnd(connection, nullptr) != 1) {
      throw std::runtime_error(PQerrorMessage(connection));
    }
    check(connection, PQgetResult(connection));
    check(connection, PQexec(connection, "COMMIT"));
  }
  const double rate = static_cast<double>(data.pulses.size()) / seconds_since(began);
  PQfinish(connection);
  return rate;
}

// p99 of 200 queries of the last 365 local days by day, in ms.
double year_by_day_p99_ms(Store &store, UtcTime last_pulse) {
  const Calendar calendar(*date::locate_zone("Europe/Amsterdam"));
  const UtcTime to = calendar.bucket_containing(last_pulse, BucketSize::day).end;
  const UtcTime from =
      calendar.bucket_containing(to - std::chrono::hours{24 * 365}, BucketSize::day).start;
  std::vector<double> latencies;
  for (int i = 0; i < 200; ++i) {
    const auto began = Clock::now();
    const auto rows = energy_series(store, 1, from, to, BucketSize::day, calendar, 1000);
    latencies.push_back(seconds_since(began) * 1000.0);
    if (!rows.ok() || rows->empty()) {
      throw std::runtime_error("the year by day query failed");
    }
  }
  std::sort(latencies.begin(), latencies.end());
  return latencies[static_cast<std::size_t>(0.99 * static_cast<double>(latencies.size() - 1))];
}

int run() {
  const Simulated data =
      simulate_household(static_cast<int>(env_number("PULSEMON_BENCH_INGEST_DAYS", 30)), 1000.0);
  std::string why;
  testing::PostgresServer *server = testing::shared_postgres(why);
  if (server == nullptr) {
    throw std::runtime_error("PostgreSQL cannot start: " + why);
  }
  const std::string url = server->new_database_url();
  PostgresStore postgres(url, StoreOptions{Durability::full, true});
  postgres.add_meter(household_meter(), simulation_start);
  const double pg_rate = ingest(postgres, data);
  const double copy_rate = copy_rows(server->new_database_url(), data, false);
  const std::string keyed_url = server->new_database_url();
  const double keyed_copy_rate = copy_rows(keyed_url, data, true);

  testing::TempDir dir;
  SqliteStore sqlite(dir / "pulsemon.db", StoreOptions{Durability::full, true});
  sqlite.add_meter(household_meter(), simulation_start);
  const double sqlite_rate = ingest(sqlite, data);

  figure("pg_ingest_pulses_per_second", pg_rate);
  figure("pg_copy_pulses_per_second", copy_rate);
  figure("pg_copy_keyed_pulses_per_second", keyed_copy_rate);
  figure("pg_ingest_ratio", pg_rate / copy_rate, "%.2f");
  figure("pg_ingest_keyed_ratio", pg_rate / keyed_copy_rate, "%.2f");
  figure("pg_ingest_vs_sqlite", pg_rate / sqlite_rate, "%.2f");

  const UtcTime last = *postgres.stats(1).last_pulse;
  const double pg_p99 = year_by_day_p99_ms(postgres, last);
  const double sqlite_p99 = year_by_day_p99_ms(sqlite, last);
  figure("pg_year_by_day_p99_ms", pg_p99, "%.3f");
  figure("sqlite_year_by_day_p99_ms", sqlite_p99, "%.3f");
  figure("pg_year_by_day_p99_ratio", pg_p99 / sqlite_p99, "%.2f");

  // Sealed as the daemon's writer would have by now (it seals after each
  // commit and while idle), then measured with every page written out.
  (void)seal_everything(postgres);
  const auto bytes_of = [](const std::string &database, const char *sql) {
    PGconn *connection = PQconnectdb(database.c_str());
    check(connection, PQexec(connection, "CHECKPOINT"));
    PGresult *size = PQexec(connection, sql);
    const double bytes = std::strtod(PQgetvalue(size, 0, 0), nullptr);
    PQclear(size);
    PQfinish(connection);
    return bytes;
  };
  // The tail is in monthly partitions (the parent holds nothing itself);
  // the blocks with their TOAST table and key; the rollups.
  const char *const store_size =
      "SELECT coalesce((SELECT sum(pg_total_relation_size(inhrelid)) "
      "FROM pg_inherits WHERE inhparent = 'pulses'::regclass), 0) + "
      "pg_total_relation_size('pulse_blocks') + pg_total_relation_size('rollups')";
  // Right after the load, the tail's rows are dead but their pages still
  // held (the high-water mark of one bulk load); a running store's
  // autovacuum gives them to the next rows. VACUUM FULL shows what the
  // store holds.
  const double high_water = bytes_of(url, store_size);
  {
    PGconn *connection = PQconnectdb(url.c_str());
    check(connection, PQexec(connection, "VACUUM FULL pulses"));
    check(connection, PQexec(connection, "VACUUM FULL pulse_blocks"));
    PQfinish(connection);
  }
  const double bytes = bytes_of(url, store_size);
  // The same pulses a row each under the pulses' key (the COPY above),
  // with the same rollups beside them: the layout before blocks.
  const double row_bytes = bytes_of(keyed_url, "SELECT pg_total_relation_size('raw')") +
                           bytes_of(url, "SELECT pg_total_relation_size('rollups')");
  const auto per_pulse = [&](double total) {
    return total / static_cast<double>(data.pulses.size());
  };
  figure("pg_bytes_per_pulse", per_pulse(bytes), "%.2f");
  figure("pg_bytes_per_pulse_before_vacuum", per_pulse(high_water), "%.2f");
  figure("pg_row_bytes_per_pulse", per_pulse(row_bytes), "%.2f");
  figure("pg_bytes_ratio", row_bytes / bytes, "%.2f");

  // Several instances on one database: their writers take the writers'
  // lock in turn, so the database's commits, not the instances, set the
  // pace; on 2 cores the instances also share the CPU with PostgreSQL.
  const double one = ingest_by_instances(server->new_database_url(), data, 1);
  const double two = ingest_by_instances(server->new_database_url(), data, 2);
  const double three = ingest_by_instances(server->new_database_url(), data, 3);
  figure("pg_ingest_1_instance_pulses_per_second", one);
  figure("pg_ingest_2_instances_pulses_per_second", two);
  figure("pg_ingest_3_instances_pulses_per_second", three);
  figure("pg_ingest_2_instances_ratio", two / one, "%.2f");
  figure("pg_ingest_3_instances_ratio", three / one, "%.2f");
  return 0;
}

} // namespace
} // namespace pulsemon::bench

int main() {
  try {
    return pulsemon::bench::run();
  } catch (const std::exception &error) {
    std::fprintf(stderr, "postgres_bench: %s\n", error.what());
    return 1;
  }
}

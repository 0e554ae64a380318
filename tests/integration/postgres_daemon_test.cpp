// pulsemon on PostgreSQL as a newcomer sets it up: the config's [store]
// url names a database on a real PostgreSQL 15, `pulsemon meter add` and
// `pulsemon user add` make the meter and the admin there, `serve` stores a
// simulated meter's pulses, the API answers from the database, and a
// restart of PostgreSQL under the running daemon loses nothing: the
// writer keeps its pulses while the server is away and stores them when
// it is back.
#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_schema.h"
#include "store/postgres/postgres_store.h"
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/live_client.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"

#include <date/date.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <thread>

namespace pulsemon {
namespace {

using namespace std::chrono_literals;

class PostgresDaemon : public ::testing::Test {
protected:
  void SetUp() override {
    std::string why;
    server = testing::shared_postgres(why);
    if (server == nullptr) {
      const char *required = std::getenv("PULSEMON_REQUIRE_POSTGRES");
      if (required != nullptr && std::string(required) == "1") {
        FAIL() << "PostgreSQL is required here but cannot start: " << why;
      }
      GTEST_SKIP() << "PostgreSQL cannot start here: " << why;
    }
    url = server->new_database_url();
  }

  std::int64_t stored_pulses() const {
    PostgresStore store(url, StoreOptions{});
    return store.stats(1).pulses;
  }

  testing::TempDir dir;
  testing::PostgresServer *server = nullptr;
  std::string url;
};

TEST_F(PostgresDaemon, ServesFromTheDatabaseAndLosesNothingWhenPostgresqlRestarts) {
  const auto config = testing::init_steady_data_folder(dir.path());
  testing::use_store_url(config, url);

  const testing::Completed meter = testing::run(
      testing::pulsemon_binary(), {"-c", config.string(), "meter", "add", "--id", "1", "--name",
                                   "House", "--kind", "electricity", "--ppu", "1000"});
  ASSERT_EQ(meter.exit_code, 0) << meter.err;
  const testing::Completed user =
      testing::run(testing::pulsemon_binary(),
                   {"-c", config.string(), "user", "add", "admin", "--role", "admin"},
                   "a long password\na long password\n");
  ASSERT_EQ(user.exit_code, 0) << user.err;

  testing::RunningDaemon daemon = testing::start_daemon(config);
  const auto wait_for_more_than = [&](std::int64_t count) {
    for (int i = 0; i < 200; ++i) {
      if (stored_pulses() > count) {
        return true;
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  };
  ASSERT_TRUE(wait_for_more_than(10)) << daemon.process->output();
  const std::string bearer = testing::login_bearer(daemon.port, "admin", "a long password");
  const auto answer =
      testing::http_request(daemon.port, "GET", "/api/meters/1", "", {{"Authorization", bearer}});
  ASSERT_EQ(answer.status, 200U) << answer.body;
  EXPECT_GT(nlohmann::json::parse(answer.body)["pulses"].get<std::int64_t>(), 10);

  // PostgreSQL goes away for a moment and comes back, while a browser
  // follows the live stream (whose credentials the daemon checks against
  // the database twice a second: a check that cannot read it must not end
  // the daemon).
  testing::LiveClient stream(daemon.port, bearer.substr(std::string("Bearer ").size()));
  ASSERT_TRUE(stream.connected());
  server->stop();
  (void)stream.read_for(1500ms);
  server->start();
  const std::int64_t after_restart = stored_pulses();
  ASSERT_TRUE(wait_for_more_than(after_restart + 10)) << daemon.process->output();
  const auto logged = [&](const std::string &text) {
    return daemon.process->output().find(text) != std::string::npos ||
           daemon.process->wait_for_line(text, std::chrono::seconds{10});
  };
  EXPECT_TRUE(logged("live streams: their credentials are checked again"))
      << daemon.process->output();
  EXPECT_TRUE(logged("source claims: held again"))
      << "the simulator's claim on meter 1 is taken again on the new connection: "
      << daemon.process->output();
  daemon.process->signal(SIGTERM);
  ASSERT_EQ(daemon.process->wait(std::chrono::seconds{20}), 0) << daemon.process->output();
  EXPECT_NE(daemon.process->output().find("cannot store pulses: PostgreSQL"), std::string::npos)
      << "the outage is told: " << daemon.process->output();
  EXPECT_NE(daemon.process->output().find("storing again"), std::string::npos)
      << daemon.process->output();
  EXPECT_NE(daemon.process->output().find(" 0 duplicates, 0 not stored"), std::string::npos)
      << daemon.process->output();

  // Ten pulses a second, every one of them stored: none lost while the
  // server was down (the simulator's first pulse is its only gap).
  PostgresStore reader(url, StoreOptions{});
  const MeterStats stats = reader.stats(1);
  ASSERT_TRUE(stats.first_pulse && stats.last_pulse);
  const double seconds =
      std::chrono::duration<double>(*stats.last_pulse - *stats.first_pulse).count();
  EXPECT_NEAR(static_cast<double>(stats.pulses), seconds * 10.0 + 1.0, 2.0)
      << "pulses over " << seconds << " s at ten a second";
}

UtcTime utc(int year, unsigned month, unsigned day) {
  return UtcTime{date::sys_days{date::year{year} / month / day}};
}

std::vector<std::string> pulse_partitions(const std::string &url) {
  PGconn *connection = PQconnectdb(url.c_str());
  PGresult *result =
      PQexec(connection, "SELECT c.relname FROM pg_inherits AS i JOIN pg_class AS c "
                         "ON c.oid = i.inhrelid WHERE i.inhparent = 'pulses'::regclass "
                         "ORDER BY 1");
  std::vector<std::string> names;
  for (int row = 0; row < PQntuples(result); ++row) {
    names.emplace_back(PQgetvalue(result, row, 0));
  }
  PQclear(result);
  PQfinish(connection);
  return names;
}

TEST_F(PostgresDaemon, PulsesLandInMonthlyPartitionsMadeByTheCommitsThatNeedThem) {
  PostgresStore store(url, StoreOptions{Durability::full, true});
  Meter meter;
  meter.id = 1;
  meter.name = "House";
  store.add_meter(meter, utc(2026, 1, 1));
  EXPECT_TRUE(pulse_partitions(url).empty()) << "none before a pulse needs one";

  (void)store.commit_or_throw(PulseBatch{1, {utc(2026, 1, 31), utc(2026, 3, 1)}, {}, {}});
  EXPECT_EQ(pulse_partitions(url), (std::vector<std::string>{"pulses_2026_01", "pulses_2026_02",
                                                             "pulses_2026_03", "pulses_2026_04"}))
      << "each month a pulse fell in, and the month after it";

  // A transaction that fails takes its partition with it, and the next
  // commit that needs the month makes it again.
  EXPECT_THROW(store.atomically([&] {
    (void)store.commit_or_throw(PulseBatch{1, {utc(2030, 5, 2)}, {}, {}});
    throw Failure(ErrorCode::internal, "changed its mind");
  }),
               Failure);
  EXPECT_EQ(pulse_partitions(url).size(), 4U);
  (void)store.commit_or_throw(PulseBatch{1, {utc(2030, 5, 2)}, {}, {}});
  EXPECT_EQ(pulse_partitions(url).size(), 6U);

  // Another handle (another instance) commits into months made by this one.
  PostgresStore other(url, StoreOptions{});
  EXPECT_EQ(
      other.commit_or_throw(PulseBatch{1, {utc(2026, 1, 30), utc(2030, 5, 3)}, {}, {}}).stored, 2);
  EXPECT_EQ(other.stats(1).pulses, 5);
  EXPECT_EQ(other.count_pulses(1, utc(2026, 1, 1), utc(2026, 2, 1)), 2);
}

// A session's settings (durability = "normal" is synchronous_commit off)
// hold on the connection made again after the server came back.
TEST_F(PostgresDaemon, AConnectionMadeAgainKeepsItsSessionSettings) {
  pg::Connection db(url, "SET synchronous_commit = off");
  EXPECT_EQ(db.run("SHOW synchronous_commit").text(0, 0), "off");
  server->stop();
  EXPECT_THROW((void)db.run("SELECT 1"), Failure) << "the server is away";
  server->start();
  EXPECT_EQ(db.run("SHOW synchronous_commit").text(0, 0), "off") << "made again, set again";
}

// A database made before pulses were partitioned (schema 1) keeps every
// pulse, each in its month, and commits on into the months it made.
TEST_F(PostgresDaemon, TheFirstSchemasPulsesMoveIntoTheirMonths) {
  {
    pg::Connection db(url);
    pg::migrate(db, 1);
    db.execute("INSERT INTO meters (id, name, kind, unit, pulses_per_unit, min_interval_us, "
               "min_width_us, power_timeout_s, created_us) VALUES "
               "(1, 'House', 'electricity', 'kWh', 1000, 0, 0, 300, 0)");
    db.execute("INSERT INTO meter_stats (meter_id, pulses) VALUES (1, 3)");
    const std::string rows = "(1, " + std::to_string(to_epoch_us(utc(2025, 12, 31))) + "), (1, " +
                             std::to_string(to_epoch_us(utc(2026, 1, 1))) + "), (1, " +
                             std::to_string(to_epoch_us(utc(2026, 1, 31))) + ")";
    db.execute("INSERT INTO pulses (meter_id, ts_us) VALUES " + rows);
  }
  PostgresStore store(url, StoreOptions{});
  EXPECT_EQ(store.schema_version(), pg::current_schema_version);
  EXPECT_EQ(pulse_partitions(url), (std::vector<std::string>{"pulses_2025_12", "pulses_2026_01"}));
  // (Raw pulses: this test wrote no rollups for them.)
  EXPECT_EQ(store.pulses_page(1, utc(2025, 12, 1), utc(2026, 2, 1), 10).size(), 3U);
  EXPECT_EQ(store.commit_or_throw(PulseBatch{1, {utc(2026, 1, 1), utc(2026, 1, 2)}, {}, {}}).stored,
            1)
      << "a pulse moved is still known: the second is new";
  EXPECT_EQ(store.pulses_page(1, utc(2025, 12, 1), utc(2026, 2, 1), 10).size(), 4U);
}

} // namespace
} // namespace pulsemon

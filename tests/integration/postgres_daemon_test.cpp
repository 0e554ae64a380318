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
#include "support/postgres_test.h"
#include "support/temp_dir.h"

#include <date/date.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <future>
#include <thread>

namespace pulsemon {
namespace {

using namespace std::chrono_literals;

class PostgresDaemon : public ::testing::Test {
protected:
  void SetUp() override {
    PULSEMON_POSTGRES_OR_SKIP(server);
    url = server->new_database_url();
  }

  // Meter 1 (electricity, 1 000 imp/kWh) and the admin, through the CLI
  // as a newcomer makes them, into the database `config` names.
  static void add_house_and_admin(const std::filesystem::path &config) {
    const testing::Completed meter = testing::run(
        testing::pulsemon_binary(), {"-c", config.string(), "meter", "add", "--id", "1", "--name",
                                     "House", "--kind", "electricity", "--ppu", "1000"});
    ASSERT_EQ(meter.exit_code, 0) << meter.err;
    const testing::Completed user =
        testing::run(testing::pulsemon_binary(),
                     {"-c", config.string(), "user", "add", "admin", "--role", "admin"},
                     "a long password\na long password\n");
    ASSERT_EQ(user.exit_code, 0) << user.err;
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

  ASSERT_NO_FATAL_FAILURE(add_house_and_admin(config));

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

// Sends raw bytes to the daemon and reads what comes within `wait`.
std::string raw_exchange(unsigned short port, const std::string &bytes,
                         std::chrono::milliseconds wait) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string received;
  if (::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0 &&
      ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size())) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (auto now = std::chrono::steady_clock::now(); now < deadline;
         now = std::chrono::steady_clock::now()) {
      pollfd readable{fd, POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
      if (::poll(&readable, 1, static_cast<int>(left.count())) <= 0) {
        break;
      }
      std::array<char, 4096> chunk{};
      const ssize_t got = ::read(fd, chunk.data(), chunk.size());
      if (got <= 0) {
        break;
      }
      received.append(chunk.data(), static_cast<std::size_t>(got));
    }
  }
  ::close(fd);
  return received;
}

// A database that does not answer (a network round trip that never ends)
// holds up the requests that need it and nothing else: the event loop goes
// on taking connections and answering what it answers alone, the live
// stream stays open, and the waiting request is answered once the database
// is back. With the handlers on the event loop the malformed request below
// gets no answer while the database is frozen.
TEST_F(PostgresDaemon, ADatabaseThatDoesNotAnswerHoldsUpOnlyTheRequestsThatNeedIt) {
  const auto config = testing::init_steady_data_folder(dir.path());
  testing::use_store_url(config, url);
  ASSERT_NO_FATAL_FAILURE(add_house_and_admin(config));
  testing::RunningDaemon daemon = testing::start_daemon(config);
  const std::string bearer = testing::login_bearer(daemon.port, "admin", "a long password");
  testing::LiveClient stream(daemon.port, bearer.substr(std::string("Bearer ").size()));
  ASSERT_TRUE(stream.connected());
  ASSERT_NE(stream.read_until("event: pulse", 1).find("event: pulse"), std::string::npos);

  server->freeze();
  auto waiting = std::async(std::launch::async, [&] {
    return testing::http_request(daemon.port, "GET", "/api/meters", "",
                                 {{"Authorization", bearer}});
  });
  // Whatever fails below, the server goes on before `waiting` is waited
  // for (its request needs the server).
  const std::unique_ptr<testing::PostgresServer, void (*)(testing::PostgresServer *)> thaw_at_end(
      server, [](testing::PostgresServer *frozen) { frozen->thaw(); });
  ASSERT_EQ(waiting.wait_for(1s), std::future_status::timeout)
      << "the request waits for the frozen database";

  const std::string refused = raw_exchange(daemon.port,
                                           "POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                           "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
                                           3s);
  EXPECT_EQ(refused.rfind("HTTP/1.1 400", 0), 0U)
      << "the event loop answers while a request waits for the database: " << refused;

  server->thaw();
  ASSERT_EQ(waiting.wait_for(20s), std::future_status::ready);
  const testing::HttpResult answered = waiting.get();
  EXPECT_EQ(answered.status, 200U) << answered.body;
  EXPECT_EQ(nlohmann::json::parse(answered.body).size(), 1U) << answered.body;
  EXPECT_NE(stream.read_until("event: pulse", 3).find("event: pulse"), std::string::npos)
      << "the live stream opened before goes on: " << daemon.process->output();
  daemon.process->signal(SIGTERM);
  ASSERT_EQ(daemon.process->wait(std::chrono::seconds{20}), 0) << daemon.process->output();
  EXPECT_NE(daemon.process->output().find(" 0 duplicates, 0 not stored"), std::string::npos)
      << daemon.process->output();
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

// Several pulsemon instances on one PostgreSQL database: the change feed
// carries what one instance stores to the others, so that a browser on
// instance B sees live the pulses instance A stored.
#include "store/feed_follower.h"
#include "store/postgres/postgres_store.h"
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/live_client.h"
#include "support/mosquitto.h"
#include "support/mqtt_client.h"
#include "support/postgres_test.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <condition_variable>
#include <csignal>
#include <fstream>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

namespace pulsemon {
namespace {

using namespace std::chrono_literals;

class PostgresInstances : public ::testing::Test {
protected:
  void SetUp() override {
    PULSEMON_POSTGRES_OR_SKIP(server);
    url = server->new_database_url();
  }

  [[nodiscard]] std::unique_ptr<PostgresStore> instance(const std::string &origin) const {
    return std::make_unique<PostgresStore>(url, StoreOptions{Durability::full, true, origin});
  }

  testing::TempDir dir;
  testing::PostgresServer *server = nullptr;
  std::string url;
};

UtcTime at_second(std::int64_t second) {
  return UtcTime{std::chrono::seconds{1'780'000'000 + second}};
}

Meter house(std::int64_t id) {
  Meter meter;
  meter.id = id;
  meter.name = "House " + std::to_string(id);
  return meter;
}

TEST_F(PostgresInstances, TheChangeFeedHoldsEachInstancesNewPulsesInCommitOrder) {
  auto a = instance("a");
  auto b = instance("b");
  a->add_meter(house(1), at_second(0));
  a->add_meter(house(2), at_second(0));
  std::unique_ptr<ChangeFeed> feed = b->open_change_feed();
  ASSERT_NE(feed, nullptr);
  const std::int64_t start = feed->head();

  (void)a->commit_or_throw(PulseBatch{1, {at_second(1), at_second(2)}, {}, {}});
  (void)b->commit_or_throw(PulseBatch{2, {at_second(3)}, {}, {}});
  // Nothing new: no entry. A transaction that fails: no entry.
  (void)b->commit_or_throw(PulseBatch{1, {at_second(2)}, {}, {}});
  EXPECT_THROW(a->atomically([&] {
    (void)a->commit_or_throw(PulseBatch{1, {at_second(9)}, {}, {}});
    throw Failure(ErrorCode::internal, "changed its mind");
  }),
               Failure);
  // A pulse already stored beside a new one: only the new one.
  (void)b->commit_or_throw(PulseBatch{1, {at_second(1), at_second(4)}, {}, {}});
  // A handle without an origin (a command's import) stays out of the feed.
  (void)instance("")->commit_or_throw(PulseBatch{1, {at_second(5)}, {}, {}});

  const std::vector<FeedEntry> entries = feed->after(start, 100);
  ASSERT_EQ(entries.size(), 3U);
  EXPECT_EQ(entries[0].origin, "a");
  EXPECT_EQ(entries[0].meter_id, 1);
  EXPECT_EQ(entries[0].pulses, (std::vector<UtcTime>{at_second(1), at_second(2)}));
  EXPECT_EQ(entries[1].origin, "b");
  EXPECT_EQ(entries[1].meter_id, 2);
  EXPECT_EQ(entries[1].pulses, (std::vector<UtcTime>{at_second(3)}));
  EXPECT_EQ(entries[2].pulses, (std::vector<UtcTime>{at_second(4)}));
  EXPECT_LT(entries[0].position, entries[1].position);
  EXPECT_LT(entries[1].position, entries[2].position);
  EXPECT_EQ(feed->head(), entries[2].position);
  EXPECT_EQ(feed->after(entries[0].position, 1).at(0).position, entries[1].position)
      << "read in pages";

  feed->forget_older_than(std::chrono::seconds{3600});
  EXPECT_EQ(feed->after(start, 100).size(), 3U) << "fresh entries are kept";
  std::this_thread::sleep_for(1100ms);
  feed->forget_older_than(std::chrono::seconds{1});
  EXPECT_TRUE(feed->after(start, 100).empty()) << "old entries are dropped";
}

TEST_F(PostgresInstances, AFollowerBringsTheOtherInstancesCommitsIntoItsBusAndNotItsOwn) {
  auto a = instance("a");
  auto b = instance("b");
  a->add_meter(house(1), at_second(0));
  PulseBus bus;
  std::mutex mutex;
  std::condition_variable arrived;
  std::vector<CommittedPulses> published;
  const PulseBus::Subscription subscription = bus.subscribe([&](const CommittedPulses &pulses) {
    const std::lock_guard lock(mutex);
    published.push_back(pulses);
    arrived.notify_all();
  });
  FeedFollower follower(b->open_change_feed(), "b", bus);
  follower.start();

  (void)b->commit_or_throw(PulseBatch{1, {at_second(1)}, {}, {}}); // b's own: on its bus already
  (void)a->commit_or_throw(PulseBatch{1, {at_second(2), at_second(3)}, {}, {}});
  std::unique_lock lock(mutex);
  ASSERT_TRUE(arrived.wait_for(lock, 10s, [&] { return !published.empty(); }))
      << "the NOTIFY (or the follower's next look) brings a's commit";
  ASSERT_EQ(published.size(), 1U);
  EXPECT_EQ(published[0].meter_id, 1);
  EXPECT_EQ(published[0].pulses, (std::vector<UtcTime>{at_second(2), at_second(3)}));
  lock.unlock();
  follower.stop();
  EXPECT_EQ(follower.followed(), 1U);
}

TEST_F(PostgresInstances, ABrowserOnOneInstanceSeesLiveThePulsesAnotherInstanceStored) {
  // Instance A has the simulated meter; instance B has no source at all.
  const auto config_a = testing::init_steady_data_folder(dir.path() / "a");
  (void)testing::init_data_folder(dir.path() / "b", false);
  const auto config_b = dir.path() / "b" / "pulsemon.toml";
  for (const auto &config : {config_a, config_b}) {
    testing::use_store_url(config, url);
  }
  const testing::Completed meter = testing::run(
      testing::pulsemon_binary(), {"-c", config_a.string(), "meter", "add", "--id", "1", "--name",
                                   "House", "--kind", "electricity", "--ppu", "1000"});
  ASSERT_EQ(meter.exit_code, 0) << meter.err;
  const testing::Completed user =
      testing::run(testing::pulsemon_binary(),
                   {"-c", config_b.string(), "user", "add", "admin", "--role", "admin"},
                   "a long password\na long password\n");
  ASSERT_EQ(user.exit_code, 0) << user.err;

  testing::RunningDaemon b = testing::start_daemon(config_b);
  const std::string bearer = testing::login_bearer(b.port, "admin", "a long password");
  testing::LiveClient stream(b.port, bearer.substr(std::string("Bearer ").size()));
  ASSERT_TRUE(stream.connected());
  testing::RunningDaemon a = testing::start_daemon(config_a);

  const std::string received = stream.read_until("event: pulse", 5);
  std::size_t events = 0;
  for (auto at = received.find("event: pulse"); at != std::string::npos;
       at = received.find("event: pulse", at + 1)) {
    ++events;
  }
  EXPECT_GE(events, 5U) << "B's stream shows A's pulses: " << received
                        << "\nA: " << a.process->output() << "\nB: " << b.process->output();
  EXPECT_NE(received.find("\"meter\":1"), std::string::npos) << received;
  // And B's figures follow them: the meter's live power, which only the
  // pulses give, is there on B.
  const auto answer =
      testing::http_request(b.port, "GET", "/api/meters/1", "", {{"Authorization", bearer}});
  ASSERT_EQ(answer.status, 200U) << answer.body;
  const nlohmann::json body = nlohmann::json::parse(answer.body);
  EXPECT_FALSE(body["power"].is_null()) << answer.body;
  EXPECT_NE(b.process->output().find("through its change feed"), std::string::npos)
      << b.process->output();

  a.process->signal(SIGTERM);
  b.process->signal(SIGTERM);
  EXPECT_EQ(a.process->wait(std::chrono::seconds{20}), 0) << a.process->output();
  EXPECT_EQ(b.process->wait(std::chrono::seconds{20}), 0) << b.process->output();
}

TEST_F(PostgresInstances, AMetersSimulatorIsReadByOneInstanceAndASecondIsRefused) {
  // Two data folders configured alike: each with a simulator on meter 1.
  const auto config_a = testing::init_steady_data_folder(dir.path() / "a");
  const auto config_b = testing::init_steady_data_folder(dir.path() / "b");
  for (const auto &config : {config_a, config_b}) {
    testing::use_store_url(config, url);
  }
  const testing::Completed meter = testing::run(
      testing::pulsemon_binary(), {"-c", config_a.string(), "meter", "add", "--id", "1", "--name",
                                   "House", "--kind", "electricity", "--ppu", "1000"});
  ASSERT_EQ(meter.exit_code, 0) << meter.err;

  testing::RunningDaemon a = testing::start_daemon(config_a);
  const testing::Completed refused = testing::run(
      testing::pulsemon_binary(), {"-c", config_b.string(), "serve", "--listen", "127.0.0.1:0"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("'simulator[0].meter': meter 1's simulator is read by another "
                             "pulsemon instance on this database already"),
            std::string::npos)
      << refused.err;
  EXPECT_EQ(refused.out.find("API listening"), std::string::npos) << "nothing started";

  // The claim ends with the instance, however it ends.
  a.process->signal(SIGKILL);
  (void)a.process->wait(std::chrono::seconds{10});
  std::optional<testing::RunningDaemon> b;
  for (int attempt = 0; attempt < 20 && !b; ++attempt) {
    try {
      b = testing::start_daemon(config_b);
    } catch (const std::runtime_error &) {
      std::this_thread::sleep_for(250ms); // the server notices the closed session
    }
  }
  ASSERT_TRUE(b) << "B starts once A is gone";
  b->process->signal(SIGTERM);
  EXPECT_EQ(b->process->wait(std::chrono::seconds{20}), 0) << b->process->output();
}

// A client that guesses passwords gets five tries a minute for a user in
// all, however many instances the load balancer spreads its tries over.
TEST_F(PostgresInstances, TheLoginLimitsHoldAcrossInstances) {
  std::vector<std::filesystem::path> configs;
  for (const std::string name : {"a", "b"}) {
    (void)testing::init_data_folder(dir.path() / name, false);
    const auto config = dir.path() / name / "pulsemon.toml";
    testing::use_store_url(config, url);
    configs.push_back(config);
  }
  const testing::Completed user =
      testing::run(testing::pulsemon_binary(),
                   {"-c", configs[0].string(), "user", "add", "admin", "--role", "admin"},
                   "a long password\na long password\n");
  ASSERT_EQ(user.exit_code, 0) << user.err;
  testing::RunningDaemon a = testing::start_daemon(configs[0]);
  testing::RunningDaemon b = testing::start_daemon(configs[1]);
  const auto try_login = [](const testing::RunningDaemon &instance, const std::string &password) {
    return testing::http_request(
        instance.port, "POST", "/api/login",
        nlohmann::json{{"username", "admin"}, {"password", password}}.dump(),
        {{"Content-Type", "application/json"}});
  };
  for (int i = 0; i < 5; ++i) {
    const auto answer = try_login(i % 2 == 0 ? a : b, "a wrong guess");
    EXPECT_EQ(answer.status, 401U) << "try " << i << ": " << answer.body;
  }
  for (const testing::RunningDaemon *instance : {&a, &b}) {
    const auto answer = try_login(*instance, "a long password");
    EXPECT_EQ(answer.status, 429U) << "the sixth try, on either instance: " << answer.body;
    EXPECT_NE(answer.body.find("too many failed logins"), std::string::npos) << answer.body;
  }
  a.process->signal(SIGTERM);
  b.process->signal(SIGTERM);
  EXPECT_EQ(a.process->wait(std::chrono::seconds{20}), 0) << a.process->output();
  EXPECT_EQ(b.process->wait(std::chrono::seconds{20}), 0) << b.process->output();
}

// A primary and a synchronous streaming standby; the daemon's url names
// both with target_session_attrs=read-write. The primary dies at once and
// the standby is promoted: the daemon finds it by itself, says so, and
// every pulse of the steady simulator is stored, none lost, none twice.
TEST(PostgresFailover, TheDaemonMovesToThePromotedStandbyAndLosesNothing) {
  std::unique_ptr<testing::PostgresServer> server;
  try {
    server = std::make_unique<testing::PostgresServer>();
  } catch (const std::exception &why) {
    const char *required = std::getenv("PULSEMON_REQUIRE_POSTGRES");
    if (required != nullptr && std::string(required) == "1") {
      FAIL() << "PostgreSQL is required here but cannot start: " << why.what();
    }
    GTEST_SKIP() << "PostgreSQL cannot start here: " << why.what();
  }
  const std::string url = server->failover_url(server->new_database_url());
  server->add_standby();
  testing::TempDir dir;
  const auto config = testing::init_steady_data_folder(dir.path());
  testing::use_store_url(config, url);
  const testing::Completed meter = testing::run(
      testing::pulsemon_binary(), {"-c", config.string(), "meter", "add", "--id", "1", "--name",
                                   "House", "--kind", "electricity", "--ppu", "1000"});
  ASSERT_EQ(meter.exit_code, 0) << meter.err;

  const auto stored = [&] {
    try {
      return PostgresStore(url, StoreOptions{}).stats(1).pulses;
    } catch (const Failure &) {
      return std::int64_t{-1}; // no server takes writes right now
    }
  };
  const auto wait_for_more_than = [&](std::int64_t count) {
    for (int i = 0; i < 300; ++i) {
      if (stored() > count) {
        return true;
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  };
  testing::RunningDaemon daemon = testing::start_daemon(config);
  ASSERT_TRUE(wait_for_more_than(20)) << daemon.process->output();

  server->kill_primary();
  std::this_thread::sleep_for(1s);
  server->promote_standby();
  ASSERT_TRUE(wait_for_more_than(-1)) << "the promoted standby takes writes";
  const std::int64_t after_promotion = stored();
  ASSERT_TRUE(wait_for_more_than(after_promotion + 20)) << daemon.process->output();
  EXPECT_TRUE(daemon.process->wait_for_line("PostgreSQL: connected again, now to",
                                            std::chrono::seconds{10}))
      << "the log says where the daemon went: " << daemon.process->output();
  daemon.process->signal(SIGTERM);
  ASSERT_EQ(daemon.process->wait(std::chrono::seconds{20}), 0) << daemon.process->output();
  EXPECT_NE(daemon.process->output().find(" 0 not stored"), std::string::npos)
      << daemon.process->output();

  // Ten pulses a second, every one of them on the promoted standby: the
  // commits acknowledged before the primary died were on the standby too.
  PostgresStore reader(url, StoreOptions{});
  const MeterStats stats = reader.stats(1);
  ASSERT_TRUE(stats.first_pulse && stats.last_pulse);
  const double seconds =
      std::chrono::duration<double>(*stats.last_pulse - *stats.first_pulse).count();
  EXPECT_NEAR(static_cast<double>(stats.pulses), seconds * 10.0 + 1.0, 2.0)
      << "pulses over " << seconds << " s at ten a second";
}

// The batches a node publishes while the last "N batches" status line of
// `output` counts them.
std::int64_t batches_taken(const std::string &output) {
  std::int64_t last = -1;
  const std::regex line("mqtt: connected; (\\d+) batches");
  for (auto it = std::sregex_iterator(output.begin(), output.end(), line);
       it != std::sregex_iterator(); ++it) {
    last = std::stoll((*it)[1].str());
  }
  return last;
}

// Whether the daemon has said `text` in its log, or says it within 15 s.
bool logged(const testing::RunningDaemon &daemon, const std::string &text) {
  return daemon.process->output().find(text) != std::string::npos ||
         daemon.process->wait_for_line(text, std::chrono::seconds{15});
}

// Reads what the daemon logs for a while.
void read_log_for(const testing::RunningDaemon &daemon, std::chrono::seconds duration) {
  (void)daemon.process->wait_for_line("a line no daemon writes", duration);
}

TEST_F(PostgresInstances, NodeBatchesOverMqttAreSharedAmongTheInstancesAndOnePublishes) {
  testing::Broker broker(dir.path());
  std::vector<std::filesystem::path> configs;
  for (const std::string name : {"a", "b"}) {
    (void)testing::init_data_folder(dir.path() / name, false);
    const auto config = dir.path() / name / "pulsemon.toml";
    testing::use_store_url(config, url);
    testing::edit_file(config, "status_interval_s = 60", "status_interval_s = 1");
    std::ofstream(config, std::ios::app)
        << "\n[mqtt]\nbroker = \"127.0.0.1:" << broker.port() << "\"\n"
        << "\n[mqtt_out]\nbroker = \"127.0.0.1:" << broker.port() << "\"\n";
    configs.push_back(config);
  }
  const auto cli = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"-c", configs[0].string()});
    return testing::run(testing::pulsemon_binary(), args);
  };
  ASSERT_EQ(
      cli({"meter", "add", "--id", "1", "--name", "Flat", "--kind", "electricity", "--ppu", "1000"})
          .exit_code,
      0);
  const testing::Completed made = cli({"key", "add", "--meter", "1"});
  std::smatch match;
  ASSERT_TRUE(std::regex_search(made.out, match, std::regex("pmk_\\d+_[0-9a-f]{32}")))
      << made.out << made.err;
  const std::string key = match.str();

  testing::RunningDaemon a = testing::start_daemon(configs[0]);
  ASSERT_TRUE(logged(a, "mqtt_out: publishing")) << a.process->output();
  testing::RunningDaemon b = testing::start_daemon(configs[1]);
  ASSERT_TRUE(logged(b, "this one stands by"))
      << "one instance publishes, the other stands by: " << b.process->output();
  for (testing::RunningDaemon *instance : {&a, &b}) {
    ASSERT_TRUE(logged(*instance, "subscribed to $share/pulsemon/pulsemon/+/pulses (shared with "
                                  "the other instances)"))
        << instance->process->output();
  }

  // Forty batches of three pulses: each acknowledged once, by the one
  // instance the broker gave it to, after its commit.
  testing::MqttClient node(broker.port());
  node.subscribe("pulsemon/hall/ack");
  constexpr int batches = 40;
  constexpr std::int64_t s = 1'000'000;
  const std::int64_t base_us = to_epoch_us(at_second(0));
  for (int seq = 1; seq <= batches; ++seq) {
    const std::int64_t first = base_us + seq * 10 * s;
    node.publish("pulsemon/hall/pulses",
                 nlohmann::json{{"node", "hall"},
                                {"boot", 1},
                                {"seq", seq},
                                {"meter", 1},
                                {"key", key},
                                {"pulses", {first, first + s, first + 2 * s}}}
                     .dump());
  }
  const std::vector<std::string> acks = node.wait_for(batches);
  ASSERT_EQ(acks.size(), static_cast<std::size_t>(batches))
      << a.process->output() << b.process->output();
  std::set<std::int64_t> acknowledged;
  for (const std::string &ack : acks) {
    const nlohmann::json body = nlohmann::json::parse(ack);
    EXPECT_EQ(body["accepted"], 3) << ack;
    EXPECT_FALSE(body.value("duplicate_batch", false)) << "handled by one instance only: " << ack;
    acknowledged.insert(body["seq"].get<std::int64_t>());
  }
  EXPECT_EQ(acknowledged.size(), static_cast<std::size_t>(batches));
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(node.received().size(), static_cast<std::size_t>(batches)) << "no second ack";
  EXPECT_EQ(PostgresStore(url, StoreOptions{}).stats(1).pulses, 3 * batches);
  // The broker spread them: both instances took some (read from their
  // status lines, one a second).
  read_log_for(a, 2s);
  read_log_for(b, 1s);
  const std::int64_t by_a = batches_taken(a.process->output());
  const std::int64_t by_b = batches_taken(b.process->output());
  EXPECT_GT(by_a, 0) << a.process->output();
  EXPECT_GT(by_b, 0) << b.process->output();
  EXPECT_EQ(by_a + by_b, batches);

  // The publishing instance dies: the other takes over, and the status
  // topic the dead one's last will set to "offline" says "online" again.
  testing::MqttClient watcher(broker.port());
  watcher.subscribe("pulsemon/status");
  a.process->signal(SIGKILL);
  (void)a.process->wait(std::chrono::seconds{10});
  EXPECT_TRUE(logged(b, "mqtt_out: publishing")) << b.process->output();
  // The status topic, in the order the watcher got it: A's retained
  // "online", A's last will "offline", then B's "online".
  const auto online_after_offline = [&] {
    bool offline = false;
    for (const testing::MqttClient::Message &message : watcher.messages()) {
      if (message.topic != "pulsemon/status") {
        continue;
      }
      if (message.payload == "offline") {
        offline = true;
      } else if (message.payload == "online" && offline) {
        return true;
      }
    }
    return false;
  };
  bool back_online = false;
  for (int i = 0; i < 200 && !back_online; ++i) {
    back_online = online_after_offline();
    if (!back_online) {
      std::this_thread::sleep_for(100ms);
    }
  }
  EXPECT_TRUE(back_online) << "the dead instance's last will, then the instance that took over "
                              "says online: "
                           << b.process->output();
  b.process->signal(SIGTERM);
  EXPECT_EQ(b.process->wait(std::chrono::seconds{20}), 0) << b.process->output();
}

} // namespace
} // namespace pulsemon

// MQTT out with a real Mosquitto broker and `pulsemon serve` as a process:
// Home Assistant's discovery (held against HA's rules), states, availability
// (online at start, offline by the last will on SIGKILL), discovery sent
// again when HA says it is online, and a total that never goes backwards
// across 20 restarts.
#include "support/daemon.h"
#include "support/home_assistant_rules.h"
#include "support/http_client.h"
#include "support/mosquitto.h"
#include "support/mqtt_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <csignal>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

namespace pulsemon {
namespace {

using namespace std::chrono_literals;

bool any(const std::string &) {
  return true;
}

class MqttOut : public ::testing::Test {
protected:
  testing::TempDir dir;
  std::unique_ptr<testing::Broker> broker;
  std::filesystem::path config;
  std::unique_ptr<testing::MqttClient> home_assistant; // listens as HA would, to everything

  void SetUp() override {
    broker = std::make_unique<testing::Broker>(dir.path());
    config = testing::init_steady_data_folder(dir / "data"); // ten pulses a second
    ASSERT_EQ(testing::run(testing::pulsemon_binary(),
                           {"-c", config.string(), "meter", "set", "1", "tariff=0.30"})
                  .exit_code,
              0);
    std::ofstream(config, std::ios::app)
        << "\n[mqtt_out]\nbroker = \"127.0.0.1:" << broker->port() << "\"\n"
        << "min_interval_ms = 200\nmax_interval_ms = 1000\n";
    home_assistant = std::make_unique<testing::MqttClient>(broker->port());
    home_assistant->subscribe("#");
  }

  // Every total of meter 1 Home Assistant has been sent, in order.
  [[nodiscard]] std::vector<double> totals_published() const {
    std::vector<double> totals;
    for (const auto &message : home_assistant->messages()) {
      if (message.topic == "pulsemon/meter/1/total" && !message.payload.empty()) {
        totals.push_back(std::stod(message.payload));
      }
    }
    return totals;
  }

  testing::RunningDaemon start() const {
    auto daemon = testing::start_daemon(config);
    EXPECT_TRUE(daemon.process->wait_for_line("mqtt_out: connected", 15s))
        << daemon.process->output();
    return daemon;
  }
};

TEST_F(MqttOut, DiscoveryStatesAndAvailabilityAsHomeAssistantWantsThem) {
  // A meter that is gone left its config in the broker (a restored backup
  // without it, say): pulsemon clears it.
  {
    testing::MqttClient old(broker->port());
    old.publish_retained("homeassistant/device/pulsemon_meter_99/config", R"({"device":{}})");
  }
  auto daemon = start();
  const auto config_message =
      home_assistant->wait_for_message("homeassistant/device/pulsemon_meter_1/config",
                                       [](const std::string &p) { return !p.empty(); });
  ASSERT_TRUE(config_message) << daemon.process->output();
  const nlohmann::json meter_config = nlohmann::json::parse(config_message->payload);
  EXPECT_TRUE(testing::ha_discovery_problems(meter_config).empty())
      << ::testing::PrintToString(testing::ha_discovery_problems(meter_config))
      << meter_config.dump(2);
  const auto &components = meter_config["components"];
  EXPECT_TRUE(testing::ha_energy_dashboard_takes(components["pulsemon_meter_1_total"]));
  EXPECT_EQ(components["pulsemon_meter_1_cost_today"]["device_class"], "monetary");
  EXPECT_EQ(components["pulsemon_meter_1_problem"]["platform"], "binary_sensor");
  EXPECT_EQ(components["pulsemon_meter_1_problem"]["device_class"], "problem");

  const auto bridge = home_assistant->wait_for_message("homeassistant/device/pulsemon/config", any);
  ASSERT_TRUE(bridge);
  EXPECT_TRUE(testing::ha_discovery_problems(nlohmann::json::parse(bridge->payload)).empty());

  EXPECT_TRUE(home_assistant->wait_for_message("pulsemon/status",
                                               [](const std::string &p) { return p == "online"; }));
  EXPECT_TRUE(home_assistant->wait_for_message("pulsemon/meter/1/availability",
                                               [](const std::string &p) { return p == "online"; }));
  // The simulated load is 36 kW; a single estimate can be lower when the
  // simulator's thread is late on a loaded machine (a pulse's gap is then
  // longer), so the test waits for an estimate within 10 % rather than
  // judging the first one above some threshold.
  const auto power =
      home_assistant->wait_for_message("pulsemon/meter/1/power", [](const std::string &p) {
        return std::abs(std::stod(p) - 36'000.0) <= 3'600.0;
      });
  ASSERT_TRUE(power) << "no power within 10 % of 36 kW";
  const auto today =
      home_assistant->wait_for_message("pulsemon/meter/1/today", [](const std::string &p) {
        return nlohmann::json::parse(p)["energy"].get<double>() > 0.0;
      });
  ASSERT_TRUE(today);
  const nlohmann::json day = nlohmann::json::parse(today->payload);
  EXPECT_NEAR(day["cost"].get<double>(), day["energy"].get<double>() * 0.30, 0.001);
  EXPECT_TRUE(day["since"].is_string());

  // A new meter's first minutes hold nothing worth a look.
  const auto problem = home_assistant->wait_for_message("pulsemon/meter/1/problem", any);
  ASSERT_TRUE(problem) << daemon.process->output();
  EXPECT_EQ(nlohmann::json::parse(problem->payload),
            nlohmann::json::parse(R"({"state":"OFF","alerts":[]})"));

  // A second listener gets the config and the states from the broker's store.
  testing::MqttClient late(broker->port());
  late.subscribe("pulsemon/#");
  EXPECT_TRUE(late.wait_for_message("pulsemon/meter/1/total", any, 0, 5s).value().retained);

  EXPECT_TRUE(home_assistant->wait_for_message("homeassistant/device/pulsemon_meter_99/config",
                                               [](const std::string &p) { return p.empty(); }))
      << "the stale config is cleared";

  // Renamed while running: the config follows (meters are read every 5 s).
  ASSERT_EQ(testing::run(testing::pulsemon_binary(),
                         {"-c", config.string(), "meter", "set", "1", "name=Kitchen"})
                .exit_code,
            0);
  EXPECT_TRUE(home_assistant->wait_for_message(
      "homeassistant/device/pulsemon_meter_1/config",
      [](const std::string &p) {
        return !p.empty() && nlohmann::json::parse(p)["device"]["name"] == "Kitchen";
      }))
      << daemon.process->output();

  // HA restarts and says so: the discovery comes again.
  const std::size_t before = home_assistant->messages().size();
  home_assistant->publish("homeassistant/status", "online");
  EXPECT_TRUE(
      home_assistant->wait_for_message("homeassistant/device/pulsemon_meter_1/config", any, before))
      << daemon.process->output();

  // SIGKILL: the broker says "offline" for pulsemon (its last will).
  const std::size_t killed_at = home_assistant->messages().size();
  daemon.process->signal(SIGKILL);
  (void)daemon.process->wait(10s);
  EXPECT_TRUE(home_assistant->wait_for_message(
      "pulsemon/status", [](const std::string &p) { return p == "offline"; }, killed_at));
}

// One discovery batch per cause: one at the start (not two within
// milliseconds), one more when HA says it is back, one "offline" at a
// stop (not ours and then the last will), and a unit HA does not know
// warned about once, not at every send.
TEST_F(MqttOut, EachCauseSendsOneDiscoveryAndEachWarningIsSaidOnce) {
  ASSERT_EQ(testing::run(testing::pulsemon_binary(),
                         {"-c", config.string(), "meter", "add", "--id", "2", "--name", "Gas",
                          "--kind", "gas", "--ppu", "100", "--unit", "m3"})
                .exit_code,
            0);
  const auto count = [&](const std::string &topic, const std::string &payload) {
    std::size_t n = 0;
    for (const auto &message : home_assistant->messages()) {
      n += message.topic == topic &&
                   (payload.empty() ? !message.payload.empty() : message.payload == payload)
               ? 1
               : 0;
    }
    return n;
  };
  const std::string config_topic = "homeassistant/device/pulsemon_meter_1/config";
  auto daemon = start();
  ASSERT_TRUE(home_assistant->wait_for_message(config_topic, any));
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(count(config_topic, ""), 1U) << "one discovery at the start";
  EXPECT_EQ(count("homeassistant/device/pulsemon/config", ""), 1U);

  const std::size_t before = home_assistant->messages().size();
  home_assistant->publish("homeassistant/status", "online");
  ASSERT_TRUE(home_assistant->wait_for_message(config_topic, any, before));
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(count(config_topic, ""), 2U) << "one more when HA came back";

  daemon.process->signal(SIGTERM);
  ASSERT_EQ(daemon.process->wait(20s), 0) << daemon.process->output();
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(count("pulsemon/status", "offline"), 1U) << "one offline at a stop";
  std::size_t warnings = 0;
  for (auto at = daemon.process->output().find("'m3'"); at != std::string::npos;
       at = daemon.process->output().find("'m3'", at + 1)) {
    ++warnings;
  }
  EXPECT_EQ(warnings, 1U) << daemon.process->output();
}

TEST_F(MqttOut, TheTotalNeverGoesBackwardsAcrossTwentyRestarts) {
  for (int restart = 0; restart < 20; ++restart) {
    const std::size_t before = home_assistant->messages().size();
    auto daemon = start();
    // At least one total from this run (and so, by then, pulses flowing).
    ASSERT_TRUE(home_assistant->wait_for_message("pulsemon/meter/1/total", any, before))
        << daemon.process->output();
    std::this_thread::sleep_for(std::chrono::milliseconds{100 * (restart % 4)});
    // Mostly a clean stop; every fifth a SIGKILL, which loses what was not committed.
    daemon.process->signal(restart % 5 == 4 ? SIGKILL : SIGTERM);
    ASSERT_NE(daemon.process->wait(20s), -1) << daemon.process->output();
  }
  const std::vector<double> totals = totals_published();
  ASSERT_GE(totals.size(), 20U);
  for (std::size_t i = 1; i < totals.size(); ++i) {
    EXPECT_GE(totals[i], totals[i - 1]) << "total " << i << " went backwards";
  }
  EXPECT_GT(totals.back(), totals.front()) << "pulses came, so the total grew";
  // (So no restart published a 0, or anything below what came before it:
  // the meter's first run starts from a stored 0, the others from more.)
}

// "Stop, copy pulsemon.db, run on, kill -9, put the copy back, start": the
// database is now behind what MQTT and /metrics published. Neither an MQTT
// total nor a meter's counter on /metrics ever goes below a value published
// before, /api/status says how far the store is behind, and once new
// pulses have made up the difference the totals move on.
TEST_F(MqttOut, ADatabasePutBackOlderNeverLowersAPublishedTotalOrCounter) {
  const auto data = config.parent_path();
  const std::string token(64, 't');
  std::ofstream(data / "metrics.token") << token << "\n";
  std::filesystem::permissions(data / "metrics.token", std::filesystem::perms::owner_read);
  std::ofstream(config, std::ios::app) << "\n[metrics]\ntoken_file = \"metrics.token\"\n";
  const std::map<std::string, std::string> bearer{{"Authorization", "Bearer " + token}};

  // Each meter counter's values, scrape by scrape, across all runs.
  std::map<std::string, std::vector<double>> counters;
  const auto scrape = [&](unsigned short port) {
    const auto metrics = testing::http_request(port, "GET", "/metrics", "", bearer);
    ASSERT_EQ(metrics.status, 200U) << metrics.body;
    std::istringstream lines(metrics.body);
    std::string line;
    while (std::getline(lines, line)) {
      for (const char *name : {"pulsemon_pulses_stored_total{", "pulsemon_energy_joules_total{",
                               "pulsemon_pulses_resent_total{", "pulsemon_edges_rejected_total{"}) {
        if (line.starts_with(name)) {
          const auto space = line.rfind(' ');
          counters[line.substr(0, space)].push_back(std::stod(line.substr(space + 1)));
        }
      }
    }
  };
  const auto run_for = [&](testing::RunningDaemon &daemon, std::chrono::milliseconds duration,
                           const std::function<void()> &each) {
    const auto until = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < until) {
      scrape(daemon.port);
      if (each) {
        each();
      }
      std::this_thread::sleep_for(500ms);
    }
  };

  {
    auto first = start();
    run_for(first, 3s, {});
    first.process->signal(SIGTERM);
    ASSERT_EQ(first.process->wait(20s), 0) << first.process->output();
  }
  std::filesystem::copy_file(data / "pulsemon.db", dir / "backup.db");
  {
    auto second = start();
    run_for(second, 8s, {});
    second.process->signal(SIGKILL);
    (void)second.process->wait(10s);
  }
  std::filesystem::copy_file(dir / "backup.db", data / "pulsemon.db",
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::remove(data / "pulsemon.db-wal");
  std::filesystem::remove(data / "pulsemon.db-shm");

  ASSERT_EQ(testing::run(testing::pulsemon_binary(),
                         {"-c", config.string(), "user", "add", "watcher", "--role", "viewer"},
                         "a long password\n")
                .exit_code,
            0);
  auto third = start();
  EXPECT_TRUE(third.process->output().find("the published total holds there") !=
                  std::string::npos ||
              third.process->wait_for_line("the published total holds there", 10s))
      << "said at the start, or once the broker handed back the totals\n"
      << third.process->output();
  const auto login = testing::http_request(third.port, "POST", "/api/login",
                                           R"({"username":"watcher","password":"a long password"})",
                                           {{"Content-Type", "application/json"}});
  const auto status = nlohmann::json::parse(
      testing::http_request(
          third.port, "GET", "/api/status", "",
          {{"Authorization",
            "Bearer " + nlohmann::json::parse(login.body)["token"].get<std::string>()}})
          .body);
  ASSERT_EQ(status["totals_behind"].size(), 1U) << status.dump();
  EXPECT_EQ(status["totals_behind"][0]["meter"], 1);
  EXPECT_GT(status["totals_behind"][0]["missing"].get<double>(), 0.0) << status.dump();
  run_for(third, 16s, {});
  EXPECT_TRUE(third.process->wait_for_line("has caught up with the published one", 5s))
      << "16 s of new pulses make up for the 8 s lost\n"
      << third.process->output();
  third.process->signal(SIGTERM);
  ASSERT_EQ(third.process->wait(20s), 0) << third.process->output();

  const std::vector<double> totals = totals_published();
  ASSERT_GE(totals.size(), 10U);
  for (std::size_t i = 1; i < totals.size(); ++i) {
    ASSERT_GE(totals[i], totals[i - 1]) << "MQTT total " << i << " went down";
  }
  ASSERT_FALSE(counters.empty());
  for (const auto &[series, values] : counters) {
    for (std::size_t i = 1; i < values.size(); ++i) {
      ASSERT_GE(values[i], values[i - 1]) << series << " went down at scrape " << i;
    }
  }
  EXPECT_GT(counters.at("pulsemon_pulses_stored_total{meter=\"1\"}").back(),
            counters.at("pulsemon_pulses_stored_total{meter=\"1\"}").front())
      << "the counters moved on";
}

// The same with the marks file gone too (a new SD card with a restored
// backup): the broker's retained totals, which pulsemon takes back before it
// publishes, still keep MQTT's total from going down.
TEST_F(MqttOut, TheBrokersRetainedTotalsAloneKeepTheTotalFromGoingDown) {
  const auto data = config.parent_path();
  const auto published_total = [&] {
    return home_assistant->wait_for_message("pulsemon/meter/1/total", any,
                                            home_assistant->messages().size());
  };
  {
    auto first = start();
    ASSERT_TRUE(published_total());
    first.process->signal(SIGTERM);
    ASSERT_EQ(first.process->wait(20s), 0) << first.process->output();
  }
  std::filesystem::copy_file(data / "pulsemon.db", dir / "backup.db");
  {
    auto second = start();
    std::this_thread::sleep_for(4s);
    ASSERT_TRUE(published_total());
    second.process->signal(SIGKILL);
    (void)second.process->wait(10s);
  }
  std::filesystem::copy_file(dir / "backup.db", data / "pulsemon.db",
                             std::filesystem::copy_options::overwrite_existing);
  for (const char *gone : {"pulsemon.db-wal", "pulsemon.db-shm", "published-totals"}) {
    std::filesystem::remove(data / gone);
  }
  auto third = start();
  ASSERT_TRUE(published_total());
  std::this_thread::sleep_for(2s);
  const std::vector<double> totals = totals_published();
  for (std::size_t i = 1; i < totals.size(); ++i) {
    ASSERT_GE(totals[i], totals[i - 1]) << "MQTT total " << i << " went down";
  }
  EXPECT_TRUE(third.process->wait_for_line("the published total holds there", 5s))
      << third.process->output();
}

// TLS to the broker, trusting only the CA in mqtt_out.ca_file: with the
// broker's own certificate the states arrive; with another one pulsemon
// does not connect, and says so.
TEST(MqttOutTls, StatesGoOverTlsOnlyToABrokerWhoseCertificateTheCaFileVouchesFor) {
  testing::TempDir dir;
  const auto broker_certificate = testing::localhost_certificate(dir.path(), "broker");
  const auto other_certificate = testing::localhost_certificate(dir.path(), "other");
  testing::Broker broker(dir.path(), testing::tls_listener(broker_certificate));

  const auto config = testing::init_steady_data_folder(dir / "data");
  std::ofstream(config, std::ios::app)
      << "\n[mqtt_out]\nbroker = \"127.0.0.1:" << broker.port() << "\"\nca_file = \""
      << broker_certificate.string() << "\"\nmax_interval_ms = 1000\n";

  testing::MqttClient listener(broker.port(), "", "", "", broker_certificate.string());
  listener.subscribe("pulsemon/#");
  {
    auto daemon = testing::start_daemon(config);
    ASSERT_TRUE(daemon.process->wait_for_line("mqtt_out: connected", 15s))
        << daemon.process->output() << broker.output();
    EXPECT_TRUE(listener.wait_for_message("pulsemon/meter/1/total", any));
    daemon.process->signal(SIGTERM);
    EXPECT_EQ(daemon.process->wait(20s), 0);
  }

  testing::edit_file(config, broker_certificate.string(), other_certificate.string());
  auto daemon = testing::start_daemon(config);
  EXPECT_TRUE(daemon.process->wait_for_line("certificate verify failed", 10s))
      << daemon.process->output();
  EXPECT_EQ(daemon.process->output().find("mqtt_out: connected"), std::string::npos)
      << "connected to a broker the CA file does not vouch for";
  daemon.process->signal(SIGTERM);
  EXPECT_EQ(daemon.process->wait(20s), 0) << daemon.process->output();
}

} // namespace
} // namespace pulsemon

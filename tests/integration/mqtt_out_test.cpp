// MQTT out with a real Mosquitto broker and `pulsemon serve` as a process:
// Home Assistant's discovery (held against HA's rules), states, availability
// (online at start, offline by the last will on SIGKILL), discovery sent
// again when HA says it is online, and a total that never goes backwards
// across 20 restarts.
#include "support/daemon.h"
#include "support/home_assistant_rules.h"
#include "support/mosquitto.h"
#include "support/mqtt_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <csignal>
#include <fstream>

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
  std::vector<double> totals;
  for (const auto &message : home_assistant->messages()) {
    if (message.topic == "pulsemon/meter/1/total" && !message.payload.empty()) {
      totals.push_back(std::stod(message.payload));
    }
  }
  ASSERT_GE(totals.size(), 20U);
  for (std::size_t i = 1; i < totals.size(); ++i) {
    EXPECT_GE(totals[i], totals[i - 1]) << "total " << i << " went backwards";
  }
  EXPECT_GT(totals.back(), totals.front()) << "pulses came, so the total grew";
  // (So no restart published a 0, or anything below what came before it:
  // the meter's first run starts from a stored 0, the others from more.)
}

// TLS to the broker, trusting only the CA in mqtt_out.ca_file: with the
// broker's own certificate the states arrive; with another one pulsemon
// does not connect, and says so.
TEST(MqttOutTls, StatesGoOverTlsOnlyToABrokerWhoseCertificateTheCaFileVouchesFor) {
  testing::TempDir dir;
  auto certificate = [&](const std::string &name) {
    const auto made =
        testing::run("/usr/bin/openssl",
                     {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                      "-nodes", "-keyout", (dir / (name + ".key")).string(), "-out",
                      (dir / (name + ".pem")).string(), "-days", "1", "-subj", "/CN=localhost",
                      "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"});
    EXPECT_EQ(made.exit_code, 0) << made.err;
    return dir / (name + ".pem");
  };
  const auto broker_certificate = certificate("broker");
  const auto other_certificate = certificate("other");
  // Mosquitto started as root reads its files as the user mosquitto.
  using std::filesystem::perms;
  std::filesystem::permissions(dir.path(),
                               perms::owner_all | perms::group_exec | perms::others_exec);
  std::filesystem::permissions(dir / "broker.key",
                               perms::owner_read | perms::group_read | perms::others_read);
  // The broker's one listener speaks TLS only.
  testing::Broker broker(dir.path(), "allow_anonymous true\ncertfile " +
                                         broker_certificate.string() + "\nkeyfile " +
                                         (dir / "broker.key").string() + "\n");

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

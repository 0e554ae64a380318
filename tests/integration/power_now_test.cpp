// One "power now" on every surface: a real daemon whose simulated meter
// draws a steady 30 kW at 1000 imp/kWh (a pulse every 120 ms) with the
// default one-second commit, a real Mosquitto broker, the live stream and
// /metrics. Every figure any surface shows must be within 5 % of the load,
// from the first one on and across a restart: a figure that sags while the
// next pulse is still on its way through a commit, a 0 before the first
// pulse, or a figure from before the restart is a failure.
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/live_client.h"
#include "support/mosquitto.h"
#include "support/mqtt_client.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

namespace pulsemon {
namespace {

using namespace std::chrono_literals;

constexpr double load_watts = 30'000.0;

bool within_five_percent(double watts) {
  return std::abs(watts - load_watts) <= 0.05 * load_watts;
}

// The "power" of every pulse event in a live stream's text.
std::vector<double> live_powers(const std::string &stream) {
  std::vector<double> powers;
  std::istringstream lines(stream);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with("data: ") && line.find("\"power\"") != std::string::npos) {
      const auto event = nlohmann::json::parse(line.substr(6));
      if (!event["power"].is_null()) {
        powers.push_back(event["power"].get<double>());
      }
    }
  }
  return powers;
}

// pulsemon_power_watts of meter 1 in a /metrics text, if there.
std::optional<double> metrics_power(const std::string &text) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with("pulsemon_power_watts{") &&
        line.find("meter=\"1\"") != std::string::npos) {
      return std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  return std::nullopt;
}

class PowerNow : public ::testing::Test {
protected:
  testing::TempDir dir;
  std::unique_ptr<testing::Broker> broker;
  std::filesystem::path config;
  std::string password;
  const std::string metrics_token = std::string(64, 'm');

  void SetUp() override {
    broker = std::make_unique<testing::Broker>(dir.path());
    password = testing::init_data_folder(dir / "data", true);
    config = dir / "data/pulsemon.toml";
    testing::edit_file(config, "\nprofile = \"household\"", "\nwatts = 30000");
    {
      std::ofstream token(dir / "data/metrics.token");
      token << metrics_token << "\n";
    }
    std::filesystem::permissions(dir / "data/metrics.token",
                                 std::filesystem::perms::owner_read |
                                     std::filesystem::perms::owner_write);
    std::ofstream(config, std::ios::app)
        << "\n[metrics]\ntoken_file = \"metrics.token\"\n"
        << "\n[mqtt_out]\nbroker = \"127.0.0.1:" << broker->port() << "\"\n"
        << "min_interval_ms = 200\nmax_interval_ms = 1000\n";
  }

  std::string login(unsigned short port) const {
    const auto answer =
        testing::http_request(port, "POST", "/api/login",
                              nlohmann::json{{"username", "admin"}, {"password", password}}.dump(),
                              {{"Content-Type", "application/json"}});
    return nlohmann::json::parse(answer.body).at("token").get<std::string>();
  }

  // Runs the daemon for `duration`, reading /api/meters and /metrics every
  // quarter of a second and the live stream throughout; every figure read
  // goes to `seen` (API and metrics) or `live`.
  void run_and_read(std::chrono::seconds duration, std::vector<double> &seen,
                    std::vector<double> &live) const {
    auto daemon = testing::start_daemon(config);
    const std::string token = login(daemon.port);
    testing::LiveClient stream(daemon.port, token);
    ASSERT_TRUE(stream.connected());
    auto streamed = std::async(std::launch::async, [&] { return stream.read_for(duration); });
    const auto until = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < until) {
      const auto meters = testing::http_request(daemon.port, "GET", "/api/meters/1", {},
                                                {{"Authorization", "Bearer " + token}});
      ASSERT_EQ(meters.status, 200U) << meters.body;
      if (const auto power = nlohmann::json::parse(meters.body)["power"]; !power.is_null()) {
        seen.push_back(power.get<double>());
      }
      const auto metrics = testing::http_request(daemon.port, "GET", "/metrics", {},
                                                 {{"Authorization", "Bearer " + metrics_token}});
      ASSERT_EQ(metrics.status, 200U) << metrics.body;
      if (const auto power = metrics_power(metrics.body)) {
        seen.push_back(*power);
      }
      std::this_thread::sleep_for(250ms);
    }
    const auto powers = live_powers(streamed.get());
    live.insert(live.end(), powers.begin(), powers.end());
    daemon.process->signal(SIGTERM);
    ASSERT_EQ(daemon.process->wait(20s), 0) << daemon.process->output();
  }
};

TEST_F(PowerNow, ASteadyThirtyKilowattsIsWithinFivePercentOnEverySurfaceAcrossARestart) {
  testing::MqttClient home_assistant(broker->port());
  home_assistant.subscribe("pulsemon/meter/1/power");
  std::vector<double> seen;
  std::vector<double> live;
  run_and_read(20s, seen, live);
  run_and_read(10s, seen, live); // a restart: no figure from before it, no 0 before a pulse
  ASSERT_FALSE(HasFatalFailure());

  std::vector<double> mqtt;
  for (const auto &message : home_assistant.messages()) {
    if (message.topic == "pulsemon/meter/1/power") {
      mqtt.push_back(std::stod(message.payload));
    }
  }
  // At least a figure a second on MQTT, four a second from the API and
  // metrics, and the pulses' own.
  EXPECT_GE(mqtt.size(), 25U);
  EXPECT_GE(seen.size(), 100U);
  EXPECT_GE(live.size(), 200U);
  for (const auto &[surface, figures] :
       {std::pair{"MQTT", &mqtt}, std::pair{"API and /metrics", &seen}, std::pair{"live", &live}}) {
    const auto off = std::find_if_not(figures->begin(), figures->end(), within_five_percent);
    EXPECT_EQ(off, figures->end()) << surface << " showed " << *off << " W (figure "
                                   << (off - figures->begin()) << " of " << figures->size() << ")";
  }
}

} // namespace
} // namespace pulsemon

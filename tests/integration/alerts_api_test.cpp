// The alerts of a real daemon: a water meter whose simulated weeks end in
// days of water that never stops is listed at GET /api/alerts as a leak,
// with what the household should look at (the list takes a login like
// every reading), and its Home Assistant problem sensor is on.
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/mosquitto.h"
#include "support/mqtt_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include <date/date.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <map>
#include <regex>

namespace pulsemon {
namespace {

TEST(AlertsApi, ALeakingWaterMeterIsListedWithWhatToLookAt) {
  testing::TempDir dir;
  const std::string password = testing::init_data_folder(dir / "data", false);
  const std::string config = (dir / "data/pulsemon.toml").string();
  const auto pulsemon = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"-c", config});
    const testing::Completed done = testing::run(testing::pulsemon_binary(), args);
    EXPECT_EQ(done.exit_code, 0) << done.err;
  };
  pulsemon(
      {"meter", "add", "--id", "3", "--name", "Garden tap", "--kind", "water", "--ppu", "1000"});
  pulsemon({"simulate", "--meter", "3", "--days", "40"});
  pulsemon({"meter", "add", "--id", "1", "--name", "House", "--kind", "electricity", "--ppu",
            "1000", "--tariff", "0.30;standing=0.50"});
  pulsemon({"simulate", "--meter", "1", "--days", "10"});
  // The last four days: a litre every ten minutes, day and night.
  const auto now = std::chrono::system_clock::now();
  std::ofstream leak(dir / "leak.csv");
  for (auto t = now - std::chrono::hours{96}; t < now - std::chrono::minutes{1};
       t += std::chrono::minutes{10}) {
    leak << std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count()
         << "\n";
  }
  leak.close();
  pulsemon({"import", "csv", "--meter", "3", (dir / "leak.csv").string()});

  testing::Broker broker(dir.path());
  testing::MqttClient home_assistant(broker.port());
  home_assistant.subscribe("pulsemon/meter/3/problem");
  std::ofstream(config, std::ios::app)
      << "\n[mqtt_out]\nbroker = \"127.0.0.1:" << broker.port() << "\"\n";
  auto daemon = testing::start_daemon(dir / "data/pulsemon.toml");
  EXPECT_EQ(testing::http_request(daemon.port, "GET", "/api/alerts").status, 401U);
  const std::string bearer = testing::login_bearer(daemon.port, "admin", password);
  const auto answer =
      testing::http_request(daemon.port, "GET", "/api/alerts", {}, {{"Authorization", bearer}});
  ASSERT_EQ(answer.status, 200U) << answer.body;
  const auto alerts = nlohmann::json::parse(answer.body);
  const auto leak_alert = std::find_if(alerts.begin(), alerts.end(), [](const auto &alert) {
    return alert["meter"] == 3 && alert["kind"] == "leak";
  });
  ASSERT_NE(leak_alert, alerts.end()) << answer.body;
  EXPECT_EQ((*leak_alert)["name"], "Garden tap");
  EXPECT_NE((*leak_alert)["message"].get<std::string>().find("water flowed in every hour of the "
                                                             "last 3 nights"),
            std::string::npos)
      << answer.body;
  EXPECT_TRUE((*leak_alert)["since"].get<std::string>().starts_with("20")) << answer.body;

  // The house's always-on load, and what it costs in a year at 0.30.
  const auto base =
      testing::http_request(daemon.port, "GET", "/api/base-load", {}, {{"Authorization", bearer}});
  ASSERT_EQ(base.status, 200U) << base.body;
  const auto loads = nlohmann::json::parse(base.body);
  ASSERT_EQ(loads.size(), 1U) << "only the electricity meter has a base load: " << base.body;
  EXPECT_EQ(loads[0]["meter"], 1);
  const double watts = loads[0]["watts"].get<double>();
  EXPECT_GT(watts, 20.0) << base.body;
  EXPECT_LT(watts, 1000.0) << base.body;
  EXPECT_NEAR(loads[0]["cost_per_year"].get<double>(), watts / 1000.0 * 8766.0 * 0.30, 1e-6);
  EXPECT_EQ(testing::http_request(daemon.port, "GET", "/api/base-load").status, 401U);

  const auto problem =
      home_assistant.wait_for_message("pulsemon/meter/3/problem", [](const std::string &payload) {
        const auto sent = nlohmann::json::parse(payload);
        return sent["state"] == "ON" && !sent["alerts"].empty() &&
               sent["alerts"][0]["message"].get<std::string>().find("water flowed") !=
                   std::string::npos;
      });
  EXPECT_TRUE(problem) << daemon.process->output();
}

// A meter silent for a day is told on both surfaces, and its next pulse
// ends that on both at once (the problem sensor does not wait for the
// next hour's check).
TEST(AlertsApi, ASilentMetersNextPulseEndsItsAlertOnEverySurface) {
  testing::TempDir dir;
  const std::string password = testing::init_data_folder(dir / "data", false);
  const std::string config = (dir / "data/pulsemon.toml").string();
  const auto pulsemon = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"-c", config});
    const testing::Completed done = testing::run(testing::pulsemon_binary(), args);
    EXPECT_EQ(done.exit_code, 0) << done.err;
    return done.out;
  };
  pulsemon(
      {"meter", "add", "--id", "1", "--name", "House", "--kind", "electricity", "--ppu", "1000"});
  // Forty days that ended a day or more ago: silent since, never before.
  const auto start = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()) -
                     std::chrono::days{41};
  pulsemon({"simulate", "--meter", "1", "--days", "40", "--start",
            date::format("%F", date::sys_days{start.time_since_epoch()})});
  std::smatch key;
  const std::string made = pulsemon({"key", "add", "--meter", "1"});
  ASSERT_TRUE(std::regex_search(made, key, std::regex("pmk_\\d+_[0-9a-f]{32}"))) << made;

  testing::Broker broker(dir.path());
  testing::MqttClient home_assistant(broker.port());
  home_assistant.subscribe("pulsemon/meter/1/problem");
  std::ofstream(config, std::ios::app)
      << "\n[mqtt_out]\nbroker = \"127.0.0.1:" << broker.port() << "\"\n";
  auto daemon = testing::start_daemon(dir / "data/pulsemon.toml");
  const auto says_silent = [](const nlohmann::json &alerts) {
    return std::any_of(alerts.begin(), alerts.end(),
                       [](const auto &alert) { return alert["kind"] == "silent"; });
  };
  ASSERT_TRUE(home_assistant.wait_for_message("pulsemon/meter/1/problem",
                                              [&](const std::string &p) {
                                                const auto sent = nlohmann::json::parse(p);
                                                return sent["state"] == "ON" &&
                                                       says_silent(sent["alerts"]);
                                              }))
      << daemon.process->output();
  const std::map<std::string, std::string> bearer{
      {"Authorization", testing::login_bearer(daemon.port, "admin", password)}};
  EXPECT_TRUE(says_silent(nlohmann::json::parse(
      testing::http_request(daemon.port, "GET", "/api/alerts", {}, bearer).body)));

  const std::size_t before = home_assistant.messages().size();
  const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const auto uploaded = testing::http_request(
      daemon.port, "POST", "/api/ingest",
      nlohmann::json{{"node", "hall"}, {"boot", 1}, {"seq", 1}, {"meter", 1}, {"pulses", {now_us}}}
          .dump(),
      {{"Authorization", "Bearer " + key.str()}, {"Content-Type", "application/json"}});
  ASSERT_EQ(uploaded.status, 200U) << uploaded.body;
  EXPECT_TRUE(home_assistant.wait_for_message(
      "pulsemon/meter/1/problem",
      [&](const std::string &p) { return !says_silent(nlohmann::json::parse(p)["alerts"]); },
      before))
      << "the problem sensor still says silent after a pulse";
  EXPECT_FALSE(says_silent(nlohmann::json::parse(
      testing::http_request(daemon.port, "GET", "/api/alerts", {}, bearer).body)));
}

} // namespace
} // namespace pulsemon

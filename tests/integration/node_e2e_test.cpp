// End to end: the sensor node's code, built for this machine with POSIX
// transports (simulated_node.h), uploads a simulated pulse train to a real
// `pulsemon serve`: one node over HTTP, one through a real Mosquitto broker.
// Mid-run the broker is stopped and started again, and pulsemon is killed
// with SIGKILL and restarted. At the end the store must hold exactly the
// pulses the nodes generated, none twice, at the intervals they had, and
// the API must report no gap.
#include "simulated_node.h"

#include "support/daemon.h"
#include "support/database_file.h"
#include "support/http_client.h"
#include "support/mosquitto.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <mosquitto.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <fstream>
#include <regex>
#include <thread>

namespace pulsemon {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::AckForger;
using testing::HttpTransport;
using testing::MqttTransport;
using testing::SimulatedNode;

// The largest difference between an interval the node saw and the same
// interval as stored.
std::int64_t worst_interval_error(const std::vector<std::uint64_t> &generated,
                                  const std::vector<std::int64_t> &stored) {
  std::int64_t worst = 0;
  for (std::size_t i = 1; i < generated.size() && i < stored.size(); ++i) {
    const auto node_interval = static_cast<std::int64_t>(generated[i] - generated[i - 1]);
    worst = std::max(worst, std::abs((stored[i] - stored[i - 1]) - node_interval));
  }
  return worst;
}

class NodeEndToEnd : public ::testing::Test {
protected:
  testing::TempDir dir;
  std::filesystem::path config;
  std::string password;

  std::string add_key(int meter) const {
    const auto made = testing::run(testing::pulsemon_binary(), {"-c", config.string(), "key", "add",
                                                                "--meter", std::to_string(meter)});
    std::smatch match;
    EXPECT_TRUE(std::regex_search(made.out, match, std::regex("pmk_\\d+_[0-9a-f]{32}")))
        << made.err;
    return match.str();
  }

  nlohmann::json meter(unsigned short port, int id) const {
    const auto login =
        testing::http_request(port, "POST", "/api/login",
                              nlohmann::json{{"username", "admin"}, {"password", password}}.dump(),
                              {{"Content-Type", "application/json"}});
    const std::string token = nlohmann::json::parse(login.body)["token"];
    return nlohmann::json::parse(testing::http_request(port, "GET",
                                                       "/api/meters/" + std::to_string(id), {},
                                                       {{"Authorization", "Bearer " + token}})
                                     .body);
  }
};

TEST_F(NodeEndToEnd, EveryPulseArrivesOnceThroughBrokerAndDaemonOutages) {
  testing::Broker broker(dir.path());
  password = testing::init_data_folder(dir / "data", false);
  config = dir / "data/pulsemon.toml";
  for (const std::string id : {"1", "2"}) {
    ASSERT_EQ(testing::run(testing::pulsemon_binary(),
                           {"-c", config.string(), "meter", "add", "--id", id, "--name",
                            "Node " + id, "--kind", "electricity", "--ppu", "1000"})
                  .exit_code,
              0);
  }
  const std::string http_key = add_key(1);
  const std::string mqtt_key = add_key(2);
  std::ofstream(config, std::ios::app)
      << "\n[mqtt]\nbroker = \"127.0.0.1:" << broker.port() << "\"\n";
  const unsigned short api_port = testing::free_loopback_port();
  auto daemon = testing::start_daemon(config, api_port);
  ASSERT_TRUE(daemon.process->wait_for_line("mqtt: subscribed", seconds{15}))
      << daemon.process->output();

  SimulatedNode http_node("hall", 1, std::make_unique<HttpTransport>(api_port, http_key), nullptr,
                          1);
  SimulatedNode mqtt_node("shed", 2,
                          std::make_unique<MqttTransport>(broker.port(), "shed", mqtt_key),
                          mqtt_key.c_str(), 2);
  const auto generate_for = milliseconds{12'000};
  http_node.start(generate_for);
  mqtt_node.start(generate_for);

  std::this_thread::sleep_for(seconds{2});
  broker.stop();
  std::this_thread::sleep_for(milliseconds{1500});
  broker.start();
  std::this_thread::sleep_for(seconds{1});
  daemon.process->signal(SIGKILL);
  (void)daemon.process->wait(seconds{10});
  std::this_thread::sleep_for(milliseconds{500});
  daemon = testing::start_daemon(config, api_port);

  const auto deadline = Clock::now() + generate_for + seconds{60};
  while (!(http_node.drained() && mqtt_node.drained()) && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds{100});
  }
  http_node.stop();
  mqtt_node.stop();
  ASSERT_TRUE(http_node.drained()) << daemon.process->output();
  ASSERT_TRUE(mqtt_node.drained()) << daemon.process->output() << broker.output();
  EXPECT_GT(http_node.resends(), 0) << "the daemon's outage reached the HTTP node";
  EXPECT_GT(mqtt_node.resends(), 0) << "the outages reached the MQTT node";
  EXPECT_EQ(http_node.overflows() + mqtt_node.overflows(), 0U);

  const auto database = dir / "data/pulsemon.db";
  for (const auto &[id, node] :
       {std::pair<int, const SimulatedNode *>{1, &http_node}, {2, &mqtt_node}}) {
    SCOPED_TRACE("meter " + std::to_string(id));
    const std::vector<std::int64_t> stored = testing::stored_pulse_times(database, id);
    ASSERT_GT(node->generated().size(), 150U);
    EXPECT_EQ(stored.size(), node->generated().size()) << "exactly the pulses generated";
    // Transit times move stamps by milliseconds (more on a loaded machine);
    // an outage held for seconds would move them by seconds.
    EXPECT_LE(worst_interval_error(node->generated(), stored), 100'000)
        << "no batch shifted by an outage (µs)";
    const nlohmann::json status = meter(api_port, id);
    EXPECT_EQ(status["pulses"], node->generated().size());
    EXPECT_EQ(status["gaps"], nlohmann::json::array()) << status.dump();
  }
}

TEST_F(NodeEndToEnd, AForgedAckOnTheBrokerMakesTheNodeDropNothing) {
  testing::Broker broker(dir.path());
  password = testing::init_data_folder(dir / "data", false);
  config = dir / "data/pulsemon.toml";
  ASSERT_EQ(testing::run(testing::pulsemon_binary(),
                         {"-c", config.string(), "meter", "add", "--id", "2", "--name", "Shed",
                          "--kind", "electricity", "--ppu", "1000"})
                .exit_code,
            0);
  const std::string key = add_key(2);
  std::ofstream(config, std::ios::app)
      << "\n[mqtt]\nbroker = \"127.0.0.1:" << broker.port() << "\"\n";

  // pulsemon is not running yet: every ack the node sees is forged.
  AckForger forger(broker.port(), "shed");
  SimulatedNode node("shed", 2, std::make_unique<MqttTransport>(broker.port(), "shed", key),
                     key.c_str(), 3);
  node.start(milliseconds{3'000});
  const auto attack_until = Clock::now() + seconds{5};
  while (Clock::now() < attack_until) {
    ASSERT_EQ(node.dropped(), 0U) << "the node dropped pulses on an ack pulsemon did not sign";
    std::this_thread::sleep_for(milliseconds{20});
  }
  EXPECT_GT(forger.forged(), 4) << "the forger answered the node's batches";
  EXPECT_GT(node.generated_so_far(), 40U);
  EXPECT_EQ(node.dropped(), 0U);

  // Now pulsemon comes: its signed acks drain the node, every pulse once.
  const unsigned short api_port = testing::free_loopback_port();
  auto daemon = testing::start_daemon(config, api_port);
  const auto deadline = Clock::now() + seconds{30};
  while (!node.drained() && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds{100});
  }
  node.stop();
  ASSERT_TRUE(node.drained()) << daemon.process->output() << broker.output();
  const std::vector<std::int64_t> stored = testing::stored_pulse_times(dir / "data/pulsemon.db", 2);
  EXPECT_EQ(stored.size(), node.generated().size());
}

} // namespace
} // namespace pulsemon

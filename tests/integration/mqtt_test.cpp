// MQTT in, with a real Mosquitto broker started for the test: node batches
// acknowledged on pulsemon/<node>/ack after they are stored, resent batches
// stored once, bad keys refused, and the old firmware's kW reports.
#include "ingest/ack_signature.h"
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/mosquitto.h"
#include "support/mqtt_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <mosquitto.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>

#include <fstream>
#include <regex>
#include <thread>

namespace pulsemon {
namespace {

using testing::Completed;
using testing::http_request;

constexpr std::int64_t s = 1'000'000;
constexpr std::int64_t base_us = 1'767'225'600LL * s;

using Client = testing::MqttClient;

class Mqtt : public ::testing::Test {
protected:
  testing::TempDir dir;
  std::unique_ptr<testing::Broker> broker;
  unsigned short broker_port = 0;
  std::filesystem::path config;
  std::string password;
  std::string key;
  std::unique_ptr<testing::Background> serve;
  unsigned short api_port = 0;

  void SetUp() override {
    broker = std::make_unique<testing::Broker>(dir.path());
    broker_port = broker->port();

    password = testing::init_data_folder(dir / "data", false);
    config = dir / "data/pulsemon.toml";
    ASSERT_EQ(cli({"meter", "add", "--id", "1", "--name", "Node meter", "--kind", "electricity",
                   "--ppu", "1000"})
                  .exit_code,
              0);
    ASSERT_EQ(cli({"meter", "add", "--id", "3", "--name", "Old ESP", "--kind", "electricity",
                   "--ppu", "1000"})
                  .exit_code,
              0);
    const Completed made = cli({"key", "add", "--meter", "1"});
    std::smatch match;
    ASSERT_TRUE(std::regex_search(made.out, match, std::regex("pmk_\\d+_[0-9a-f]{32}")));
    key = match.str();
    std::ofstream(config, std::ios::app)
        << "\n[mqtt]\nbroker = \"127.0.0.1:" << broker_port << "\"\n"
        << "\n[[mqtt_power]]\ntopic = \"power_consumed\"\nmeter = 3\n";
    auto daemon = testing::start_daemon(config);
    serve = std::move(daemon.process);
    api_port = daemon.port;
    ASSERT_TRUE(serve->wait_for_line("mqtt: subscribed", std::chrono::seconds{15}))
        << serve->output();
  }

  Completed cli(std::vector<std::string> args) const {
    args.insert(args.begin(), {"-c", config.string()});
    return testing::run(testing::pulsemon_binary(), args);
  }

  std::int64_t stored_pulses(int meter) const {
    const auto login =
        http_request(api_port, "POST", "/api/login",
                     nlohmann::json{{"username", "admin"}, {"password", password}}.dump(),
                     {{"Content-Type", "application/json"}});
    const std::string token = nlohmann::json::parse(login.body)["token"];
    const auto result = http_request(api_port, "GET", "/api/meters/" + std::to_string(meter), {},
                                     {{"Authorization", "Bearer " + token}});
    return nlohmann::json::parse(result.body)["pulses"].get<std::int64_t>();
  }
};

TEST_F(Mqtt, ABatchIsAcknowledgedAfterItIsStoredAndStoredOnce) {
  Client node(broker_port);
  node.subscribe("pulsemon/cupboard/ack");
  const nlohmann::json batch{
      {"node", "cupboard"}, {"boot", 3},  {"seq", 1},
      {"meter", 1},         {"key", key}, {"pulses", {base_us, base_us + s, base_us + 2 * s}}};
  node.publish("pulsemon/cupboard/pulses", batch.dump());
  auto acks = node.wait_for(1);
  ASSERT_EQ(acks.size(), 1U) << serve->output();
  auto ack = nlohmann::json::parse(acks[0]);
  EXPECT_EQ(ack["seq"], 1);
  EXPECT_EQ(ack["accepted"], 3);
  EXPECT_EQ(ack["mac"], ack_signature(key, "cupboard", 3, 1))
      << "signed with the node's key: no one else on the broker can make a node drop pulses";
  EXPECT_EQ(stored_pulses(1), 3) << "acknowledged means stored";

  node.publish("pulsemon/cupboard/pulses", batch.dump()); // the node missed the ack
  acks = node.wait_for(2);
  ASSERT_EQ(acks.size(), 2U);
  ack = nlohmann::json::parse(acks[1]);
  EXPECT_EQ(ack["duplicate_batch"], true);
  EXPECT_EQ(stored_pulses(1), 3);
}

// A device key revoked while its node is connected is served no more: the
// next batch over the same MQTT session is refused and not acknowledged.
TEST_F(Mqtt, ANodeWhoseKeyIsRevokedIsServedNoMoreOnTheSameSession) {
  Client node(broker_port);
  node.subscribe("pulsemon/cupboard/ack");
  nlohmann::json batch{{"node", "cupboard"}, {"boot", 3},  {"seq", 1},
                       {"meter", 1},         {"key", key}, {"pulses", {base_us}}};
  node.publish("pulsemon/cupboard/pulses", batch.dump());
  ASSERT_EQ(node.wait_for(1).size(), 1U) << serve->output();
  ASSERT_EQ(cli({"key", "revoke", "1"}).exit_code, 0);
  batch["seq"] = 2;
  batch["pulses"] = {base_us + s};
  node.publish("pulsemon/cupboard/pulses", batch.dump());
  EXPECT_TRUE(serve->wait_for_line("refused: key", std::chrono::seconds{10})) << serve->output();
  std::this_thread::sleep_for(std::chrono::seconds{1});
  EXPECT_EQ(node.received().size(), 1U) << "no ack for it";
  EXPECT_EQ(stored_pulses(1), 1);
}

TEST_F(Mqtt, ABatchWithABadKeyOrFieldIsRefusedAndLogged) {
  Client node(broker_port);
  nlohmann::json batch{{"node", "cupboard"},
                       {"boot", 3},
                       {"seq", 1},
                       {"meter", 1},
                       {"key", "pmk_1_" + std::string(32, 'a')},
                       {"pulses", {base_us}}};
  node.publish("pulsemon/cupboard/pulses", batch.dump());
  EXPECT_TRUE(serve->wait_for_line("refused: key", std::chrono::seconds{10})) << serve->output();
  batch["key"] = key;
  batch["pulses"] = {"soon"};
  node.publish("pulsemon/cupboard/pulses", batch.dump());
  EXPECT_TRUE(serve->wait_for_line("refused: pulses[0]", std::chrono::seconds{10}))
      << serve->output();
  EXPECT_EQ(stored_pulses(1), 0);
}

// MQTT reads batches with the same parser and rules as HTTP: a health
// object nested 100 000 deep is refused while parsing (it ran the stack
// out), a payload over 1 MiB before parsing, and a key cannot write under a
// node name another key owns.
TEST_F(Mqtt, DeepPayloadsAndAnotherKeysNodeNameAreRefusedAndTheDaemonServesOn) {
  Client node(broker_port);
  node.subscribe("pulsemon/+/ack");
  std::string deep = R"({"node":"cupboard","boot":3,"seq":1,"meter":1,"key":")" + key +
                     R"(","pulses":[],"health":)";
  for (int i = 0; i < 100'000; ++i) {
    deep += R"({"a":)";
  }
  deep += "1" + std::string(100'000, '}') + "}";
  node.publish("pulsemon/cupboard/pulses", deep);
  EXPECT_TRUE(serve->wait_for_line("refused: body: JSON nested deeper", std::chrono::seconds{10}))
      << serve->output();
  node.publish("pulsemon/cupboard/pulses", std::string(2 * 1024 * 1024, ' '));
  EXPECT_TRUE(serve->wait_for_line("refused: payload: 2097152 bytes", std::chrono::seconds{10}))
      << serve->output();

  const nlohmann::json owned{{"node", "cupboard"}, {"boot", 3},  {"seq", 1},
                             {"meter", 1},         {"key", key}, {"pulses", {base_us}}};
  node.publish("pulsemon/cupboard/pulses", owned.dump());
  ASSERT_EQ(node.wait_for(1).size(), 1U) << serve->output();

  const Completed second = cli({"key", "add", "--meter", "3"});
  std::smatch match;
  ASSERT_TRUE(std::regex_search(second.out, match, std::regex("pmk_\\d+_[0-9a-f]{32}")));
  nlohmann::json forged = owned;
  forged["key"] = match.str();
  forged["meter"] = 3;
  forged["seq"] = 2;
  node.publish("pulsemon/cupboard/pulses", forged.dump());
  EXPECT_TRUE(serve->wait_for_line("refused: node", std::chrono::seconds{10})) << serve->output();
  EXPECT_EQ(stored_pulses(3), 0);
  EXPECT_EQ(stored_pulses(1), 1);
}

TEST_F(Mqtt, TheOldFirmwaresPowerReportsBecomeEnergy) {
  Client old_node(broker_port);
  old_node.publish("power_consumed", "36.0"); // the first report starts the clock
  std::this_thread::sleep_for(std::chrono::seconds{1});
  old_node.publish("power_consumed", "36.0"); // 36 kW for about 1 s: about 10 Wh
  for (int i = 0; i < 20 && stored_pulses(3) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  const std::int64_t pulses = stored_pulses(3);
  EXPECT_GE(pulses, 8) << "36 kW × the time between the two reports, at 1000 imp/kWh";
  EXPECT_LE(pulses, 20);

  const auto login =
      http_request(api_port, "POST", "/api/login",
                   nlohmann::json{{"username", "admin"}, {"password", password}}.dump(),
                   {{"Content-Type", "application/json"}});
  const std::string token = nlohmann::json::parse(login.body)["token"];
  const auto meters = nlohmann::json::parse(
      http_request(api_port, "GET", "/api/meters", {}, {{"Authorization", "Bearer " + token}})
          .body);
  EXPECT_EQ(meters[0]["resolution"], "pulses");
  EXPECT_EQ(meters[1]["resolution"], "power reports") << "flagged as lower resolution";
}

// A report whose pulses cannot be committed (writes fail as on a full
// disk) is not lost: its pulses wait with the writer's and are stored once
// the store writes again.
TEST_F(Mqtt, APowerReportWhoseCommitFailsIsStoredOnceTheStoreRecovers) {
  Client old_node(broker_port);
  old_node.publish("power_consumed", "36.0"); // starts the clock
  std::this_thread::sleep_for(std::chrono::seconds{1});
  const rlimit none{0, RLIM_INFINITY};
  ASSERT_EQ(::prlimit(serve->pid(), RLIMIT_FSIZE, &none, nullptr), 0);
  old_node.publish("power_consumed", "36.0"); // about 10 pulses
  ASSERT_TRUE(serve->wait_for_line("writer: cannot store pulses", std::chrono::seconds{20}))
      << serve->output();
  EXPECT_EQ(stored_pulses(3), 0);

  const rlimit any{RLIM_INFINITY, RLIM_INFINITY};
  ASSERT_EQ(::prlimit(serve->pid(), RLIMIT_FSIZE, &any, nullptr), 0);
  ASSERT_TRUE(serve->wait_for_line("writer: storing again", std::chrono::seconds{20}))
      << serve->output();
  for (int i = 0; i < 20 && stored_pulses(3) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  EXPECT_GE(stored_pulses(3), 8) << "36 kW × about 1 s at 1000 imp/kWh";
}

// MQTT in over TLS ([mqtt] ca_file): the device keys travel in the batches'
// payloads, so a broker reached over a network is reached over TLS. With
// the broker's own certificate in the CA file a node's batch is stored and
// acknowledged; with another one pulsemon does not connect, and says why.
TEST(MqttTls, NodeBatchesGoOverTlsOnlyToABrokerWhoseCertificateTheCaFileVouchesFor) {
  testing::TempDir dir;
  const auto broker_certificate = testing::localhost_certificate(dir.path(), "broker");
  const auto other_certificate = testing::localhost_certificate(dir.path(), "other");
  testing::Broker broker(dir.path(), testing::tls_listener(broker_certificate));

  const std::string password = testing::init_data_folder(dir / "data", false);
  const auto config = dir / "data/pulsemon.toml";
  const auto cli = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"-c", config.string()});
    return testing::run(testing::pulsemon_binary(), args);
  };
  ASSERT_EQ(cli({"meter", "add", "--id", "1", "--name", "Node meter", "--kind", "electricity",
                 "--ppu", "1000"})
                .exit_code,
            0);
  const Completed made = cli({"key", "add", "--meter", "1"});
  std::smatch match;
  ASSERT_TRUE(std::regex_search(made.out, match, std::regex("pmk_\\d+_[0-9a-f]{32}")));
  const std::string key = match.str();
  std::ofstream(config, std::ios::app)
      << "\n[mqtt]\nbroker = \"127.0.0.1:" << broker.port() << "\"\nca_file = \""
      << broker_certificate.string() << "\"\n";
  {
    auto daemon = testing::start_daemon(config);
    ASSERT_TRUE(daemon.process->wait_for_line("mqtt: subscribed", std::chrono::seconds{15}))
        << daemon.process->output() << broker.output();
    EXPECT_NE(daemon.process->output().find("over TLS"), std::string::npos)
        << daemon.process->output();
    Client node(broker.port(), "", "", "", broker_certificate.string());
    node.subscribe("pulsemon/cupboard/ack");
    node.publish("pulsemon/cupboard/pulses", nlohmann::json{{"node", "cupboard"},
                                                            {"boot", 1},
                                                            {"seq", 1},
                                                            {"meter", 1},
                                                            {"key", key},
                                                            {"pulses", {base_us, base_us + s}}}
                                                 .dump());
    const auto acks = node.wait_for(1);
    ASSERT_EQ(acks.size(), 1U) << daemon.process->output();
    EXPECT_EQ(nlohmann::json::parse(acks[0])["accepted"], 2);
    daemon.process->signal(SIGTERM);
    EXPECT_EQ(daemon.process->wait(std::chrono::seconds{20}), 0) << daemon.process->output();
  }

  testing::edit_file(config, broker_certificate.string(), other_certificate.string());
  auto daemon = testing::start_daemon(config);
  EXPECT_TRUE(daemon.process->wait_for_line("certificate verify failed", std::chrono::seconds{10}))
      << daemon.process->output();
  EXPECT_EQ(daemon.process->output().find("mqtt: connected"), std::string::npos)
      << "connected to a broker the CA file does not vouch for";
  daemon.process->signal(SIGTERM);
  EXPECT_EQ(daemon.process->wait(std::chrono::seconds{20}), 0) << daemon.process->output();
}

} // namespace
} // namespace pulsemon

// A broker that nodes share, set up as docs/sensor-node.md says: logins
// for every client and the access rules of docs/examples/mosquitto/
// pulsemon.acl. Another node on the same broker can neither read a node's
// batches (they carry its device key) nor write its acknowledgements,
// while pulsemon still stores every pulse.
#include "simulated_node.h"

#include "support/daemon.h"
#include "support/database_file.h"
#include "support/mosquitto.h"
#include "support/mqtt_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <mosquitto.h>

#include <fstream>
#include <map>
#include <regex>
#include <thread>

namespace pulsemon {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::filesystem::path source_tree() {
  return std::filesystem::path(PULSEMON_SOURCE_DIR);
}

TEST(BrokerAcl, AnotherNodeCanNeitherReadABatchNorWriteAnAck) {
  testing::TempDir dir;
  const std::map<std::string, std::string> passwords = {
      {"pulsemon", "pulsemon-secret"}, {"shed", "shed-secret"}, {"hall", "hall-secret"}};
  const auto password_file = dir / "passwd";
  for (const auto &[user, password] : passwords) {
    std::vector<std::string> args{"-b", password_file.string(), user, password};
    if (!std::filesystem::exists(password_file)) {
      args.insert(args.begin(), "-c");
    }
    ASSERT_EQ(testing::run("/usr/bin/mosquitto_passwd", args).exit_code, 0);
  }
  std::filesystem::permissions(password_file, std::filesystem::perms::owner_read |
                                                  std::filesystem::perms::owner_write);
  const auto acl = source_tree() / "docs/examples/mosquitto/pulsemon.acl";
  // Started as root, mosquitto would switch to its own user, who cannot
  // read this test's folder; as anyone else, `user` is ignored.
  testing::Broker broker(dir.path(), "user root\nallow_anonymous false\npassword_file " +
                                         password_file.string() + "\nacl_file " + acl.string() +
                                         "\n");

  (void)testing::init_data_folder(dir / "data", false);
  const auto config = dir / "data/pulsemon.toml";
  ASSERT_EQ(testing::run(testing::pulsemon_binary(),
                         {"-c", config.string(), "meter", "add", "--id", "2", "--name", "Shed",
                          "--kind", "electricity", "--ppu", "1000"})
                .exit_code,
            0);
  const auto made = testing::run(testing::pulsemon_binary(),
                                 {"-c", config.string(), "key", "add", "--meter", "2"});
  std::smatch match;
  ASSERT_TRUE(std::regex_search(made.out, match, std::regex("pmk_\\d+_[0-9a-f]{32}"))) << made.err;
  const std::string key = match.str();
  std::ofstream(config, std::ios::app)
      << "\n[mqtt]\nbroker = \"127.0.0.1:" << broker.port()
      << "\"\nusername = \"pulsemon\"\npassword = \"" << passwords.at("pulsemon") << "\"\n";
  auto daemon = testing::start_daemon(config);
  ASSERT_TRUE(daemon.process->wait_for_line("mqtt: subscribed", seconds{15}))
      << daemon.process->output() << broker.output();

  // hall is a node of this broker too, with its own login, and curious.
  testing::MqttClient hall(broker.port(), "hall", passwords.at("hall"), "hall");
  hall.subscribe("pulsemon/+/pulses");
  hall.subscribe("pulsemon/shed/pulses");
  hall.subscribe("#");
  // A second login as shed sees what reaches shed's ack topic.
  testing::MqttClient witness(broker.port(), "shed", passwords.at("shed"), "shed-witness");
  witness.subscribe("pulsemon/shed/ack");

  auto transport =
      std::make_unique<testing::MqttTransport>(broker.port(), "shed", key, passwords.at("shed"));
  const testing::MqttTransport &shed_transport = *transport;
  testing::SimulatedNode shed("shed", 2, std::move(transport), key.c_str(), 4);
  shed.start(milliseconds{2'000});
  for (int i = 0; i < 20; ++i) {
    hall.publish("pulsemon/shed/ack", R"({"node":"shed","boot":1,"seq":1,"forged":true})");
    std::this_thread::sleep_for(milliseconds{100});
  }
  const auto deadline = std::chrono::steady_clock::now() + seconds{30};
  while (!shed.drained() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds{100});
  }
  shed.stop();

  ASSERT_TRUE(shed.drained()) << daemon.process->output() << broker.output();
  EXPECT_EQ(testing::stored_pulse_times(dir / "data/pulsemon.db", 2).size(),
            shed.generated().size())
      << "pulsemon, logged in as itself, stored every pulse";
  EXPECT_EQ(hall.received(), std::vector<std::string>{}) << "no batch, no device key for hall";
  const auto acks = witness.received();
  EXPECT_FALSE(acks.empty()) << "pulsemon's acks reach shed";
  for (const std::string &ack : acks) {
    EXPECT_EQ(ack.find("forged"), std::string::npos) << "hall wrote shed's ack: " << ack;
  }
  EXPECT_EQ(shed_transport.unsigned_acks(), 0);
}

// Several pulsemon instances on one database share the batches through
// $share/pulsemon/pulsemon/+/pulses (docs/scaling.md): the same rules let
// pulsemon's user take them that way, and give a node nothing more through
// a shared subscription of its own.
TEST(BrokerAcl, TheSameRulesHoldForSharedSubscriptions) {
  testing::TempDir dir;
  const auto password_file = dir / "passwd";
  for (const std::string user : {"pulsemon", "hall", "shed"}) {
    std::vector<std::string> args{"-b", password_file.string(), user, user + "-secret"};
    if (!std::filesystem::exists(password_file)) {
      args.insert(args.begin(), "-c");
    }
    ASSERT_EQ(testing::run("/usr/bin/mosquitto_passwd", args).exit_code, 0);
  }
  std::filesystem::permissions(password_file, std::filesystem::perms::owner_read |
                                                  std::filesystem::perms::owner_write);
  const auto acl = source_tree() / "docs/examples/mosquitto/pulsemon.acl";
  testing::Broker broker(dir.path(), "user root\nallow_anonymous false\npassword_file " +
                                         password_file.string() + "\nacl_file " + acl.string() +
                                         "\n");

  testing::MqttClient instance(broker.port(), "pulsemon", "pulsemon-secret", "pulsemon-a");
  instance.subscribe("$share/pulsemon/pulsemon/+/pulses");
  testing::MqttClient hall(broker.port(), "hall", "hall-secret", "hall");
  hall.subscribe("$share/pulsemon/pulsemon/+/pulses");
  hall.subscribe("$share/mine/pulsemon/+/pulses");
  testing::MqttClient shed(broker.port(), "shed", "shed-secret", "shed");
  for (int seq = 1; seq <= 10; ++seq) {
    shed.publish("pulsemon/shed/pulses", "batch " + std::to_string(seq));
  }
  const std::size_t taken = instance.wait_for(5).size();
  EXPECT_GE(taken, 5U) << "pulsemon's user may take the batches through its group: "
                       << broker.output();
  std::this_thread::sleep_for(seconds{1});
  EXPECT_EQ(hall.received(), std::vector<std::string>{})
      << "hall reads no batch of shed's, shared or not";
  // What Mosquitto 2.0.11 does with the batches it deals to hall's member
  // of pulsemon's group: it drops them at delivery (hall may not read
  // them), so pulsemon misses them and shed resends them until they are
  // acknowledged (docs/scaling.md says so and what to do about it).
  EXPECT_EQ(instance.received().size(), 5U)
      << "if Mosquitto starts refusing hall's subscription, docs/scaling.md can say so";
}

} // namespace
} // namespace pulsemon

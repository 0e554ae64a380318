// docs/sensor-node.md followed as a maker would on a fresh `pulsemon init`:
// step 1's listen address (loopback here, as tests touch no other
// address, so the guide's warning must come), the commands of its first
// ```sh block as written (typed in the data folder, the config found
// through $PULSEMON_CONFIG), the key it prints, then a node built from the
// sketch's own code uploading with that key, and what step 5 says to look
// at: /healthz, the meter's pulses, the node in /api/nodes.
#include "simulated_node.h"

#include "support/daemon.h"
#include "support/doc_commands.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <thread>

namespace pulsemon {
namespace {

// The lines of the guide's first ```sh block (step 1's commands).
std::vector<std::string> step_one_commands() {
  const std::filesystem::path page =
      std::filesystem::path(PULSEMON_SOURCE_DIR) / "docs/sensor-node.md";
  const auto blocks = testing::sh_blocks(page);
  EXPECT_FALSE(blocks.empty()) << page;
  return blocks.empty() ? std::vector<std::string>{} : blocks.front();
}

TEST(SensorNodeGuide, FromAFreshInitToTheNodesFirstPulses) {
  testing::TempDir dir;
  const auto data = dir / "data";
  const auto config = data / "pulsemon.toml";
  const testing::Completed init =
      testing::run(testing::pulsemon_binary(),
                   {"init", "--dir", data.string(), "--listen", "127.0.0.1:0", "--zone", "UTC"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  std::smatch password;
  ASSERT_TRUE(std::regex_search(init.out, password, std::regex("admin / (\\S+)"))) << init.out;

  // As typed in a shell in the data folder, with pulsemon on the PATH.
  const std::vector<std::string> commands = step_one_commands();
  ASSERT_EQ(commands.size(), 2U) << "step 1 adds a meter and a key";
  const std::string shell_prefix =
      "cd '" + data.string() + "' && PULSEMON_CONFIG='" + config.string() + "' PATH='" +
      testing::pulsemon_binary().parent_path().string() + ":/usr/bin:/bin' ";
  std::string printed;
  for (const std::string &command : commands) {
    const testing::Completed ran = testing::run("/bin/sh", {"-c", shell_prefix + command});
    ASSERT_EQ(ran.exit_code, 0) << command << ": " << ran.err;
    printed += ran.out;
  }
  std::smatch key;
  ASSERT_TRUE(std::regex_search(printed, key, std::regex("pmk_\\d+_[0-9a-f]{32}"))) << printed;

  auto daemon = testing::start_daemon(config);
  // Logged before the API listens, so start_daemon has read it already.
  EXPECT_NE(
      daemon.process->output().find("device keys exist, but the API listens on 127.0.0.1 only"),
      std::string::npos)
      << "step 1 promises this warning for a loopback-only daemon:\n"
      << daemon.process->output();

  testing::SimulatedNode node("cupboard-esp", 1,
                              std::make_unique<testing::HttpTransport>(daemon.port, key.str()),
                              nullptr, 7);
  node.start(std::chrono::milliseconds{3000});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{60};
  while (!node.drained() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  node.stop();
  ASSERT_TRUE(node.drained()) << daemon.process->output();
  ASSERT_GT(node.generated().size(), 20U);

  EXPECT_EQ(testing::http_request(daemon.port, "GET", "/healthz").status, 200U);
  const auto login = testing::http_request(
      daemon.port, "POST", "/api/login",
      nlohmann::json{{"username", "admin"}, {"password", password[1].str()}}.dump(),
      {{"Content-Type", "application/json"}});
  ASSERT_EQ(login.status, 200U) << login.body;
  const std::string bearer =
      "Bearer " + nlohmann::json::parse(login.body)["token"].get<std::string>();
  const auto meter = nlohmann::json::parse(
      testing::http_request(daemon.port, "GET", "/api/meters/1", {}, {{"Authorization", bearer}})
          .body);
  EXPECT_EQ(meter["name"], "House");
  EXPECT_EQ(meter["pulses"], node.generated().size()) << "every pulse the node counted";
  const auto nodes = nlohmann::json::parse(
      testing::http_request(daemon.port, "GET", "/api/nodes", {}, {{"Authorization", bearer}})
          .body);
  ASSERT_EQ(nodes.size(), 1U) << nodes.dump();
  EXPECT_EQ(nodes[0]["node"], "cupboard-esp");
  EXPECT_EQ(nodes[0]["meter"], 1);
  EXPECT_TRUE(nodes[0].contains("last_heard")) << nodes.dump();
  EXPECT_EQ(nodes[0]["filtered"]["too_close"], 0) << "a node's own filter leaves nothing to drop";
}

} // namespace
} // namespace pulsemon

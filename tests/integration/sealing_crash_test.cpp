// `pulsemon serve` killed with SIGKILL again and again while its writer
// seals a large tail of pulses into blocks (store/pulse_blocks.h) and a
// sensor node uploads late pulses into the very spans being sealed: every
// pulse stored before and every one acknowledged is there after each
// restart, once, in blocks or the tail, the database intact; once sealing
// has finished, the rollups and statistics are what a recomputation gives.
#include "support/daemon.h"
#include "support/database_file.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <random>
#include <set>
#include <thread>

namespace pulsemon {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t base_us = 1'767'225'600LL * 1'000'000; // 2026-01-01T00:00:00Z
constexpr std::int64_t stored_before = 600'000;               // a second apart
constexpr int pulses_per_batch = 25;

TEST(CrashConsistency, SigkillsWhileTheDaemonSealsAndANodeUploadsLoseNothingAcknowledged) {
  testing::TempDir dir;
  testing::init_data_folder(dir / "data", false);
  const auto config = dir / "data/pulsemon.toml";
  const auto database = dir / "data/pulsemon.db";
  const auto cli = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"-c", config.string()});
    return testing::run(testing::pulsemon_binary(), args);
  };
  const std::string key = testing::add_meter_with_node_key(config);
  // A large tail, as an upgraded store or a long import leaves it; the
  // statistics and rollups made from it.
  const testing::Completed filled = testing::run(
      "/usr/bin/sqlite3",
      {database.string(),
       "WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < " +
           std::to_string(stored_before - 1) + ") INSERT INTO pulses (meter_id, ts_us) SELECT 1, " +
           std::to_string(base_us) + " + i * 1000000 FROM s"});
  ASSERT_EQ(filled.exit_code, 0) << filled.err;
  ASSERT_EQ(cli({"rollup", "--rebuild"}).exit_code, 0);

  std::set<std::int64_t> expected; // stored before, and acknowledged since
  for (std::int64_t i = 0; i < stored_before; ++i) {
    expected.insert(base_us + i * 1'000'000);
  }
  std::set<std::int64_t> sent;
  std::mt19937 random(36);
  std::uniform_int_distribution<int> lifetime_ms(100, 1200);
  std::uniform_int_distribution<std::int64_t> second(0, stored_before - 1);
  std::vector<std::int64_t> batch;
  std::int64_t seq = 1;
  unsigned short port = 0;
  int sealed_rounds = 0;
  for (int round = 0; round < 8; ++round) {
    auto daemon = testing::start_daemon(config, port);
    port = daemon.port;
    std::atomic<bool> killed = false;
    std::thread killer([&, delay = std::chrono::milliseconds(lifetime_ms(random))] {
      std::this_thread::sleep_for(delay);
      daemon.process->signal(SIGKILL);
      killed = true;
    });
    while (!killed) {
      if (batch.empty()) {
        // Late pulses half a second after stored ones, anywhere in the
        // tail or in blocks sealed already; and some resent stored ones.
        for (int i = 0; i < pulses_per_batch; ++i) {
          const std::int64_t at = base_us + second(random) * 1'000'000;
          batch.push_back(i % 5 == 0 ? at : at + 500'000);
        }
        std::sort(batch.begin(), batch.end());
        batch.erase(std::unique(batch.begin(), batch.end()), batch.end());
        sent.insert(batch.begin(), batch.end());
      }
      const nlohmann::json body{{"node", "hall-esp"}, {"boot", 1},
                                {"seq", seq},         {"meter", 1},
                                {"pulses", batch},    {"health", nlohmann::json::object()}};
      try {
        const auto answer = testing::http_request(
            port, "POST", "/api/ingest", body.dump(),
            {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + key}});
        ASSERT_EQ(answer.status / 100, 2U) << answer.body;
        expected.insert(batch.begin(), batch.end());
        batch.clear();
        ++seq;
      } catch (const std::exception &) {
        // killed mid-request: the same batch goes again next round
      }
      std::this_thread::sleep_for(20ms);
    }
    killer.join();
    daemon.process->wait(30s);

    ASSERT_EQ(testing::rows_of(database, "PRAGMA integrity_check"), std::vector<std::string>{"ok"})
        << "round " << round;
    const auto stored = testing::stored_pulse_times(database, 1);
    const std::set<std::int64_t> stored_times(stored.begin(), stored.end());
    ASSERT_EQ(stored_times.size(), stored.size()) << "a pulse stored twice, round " << round;
    for (const std::int64_t pulse : expected) {
      ASSERT_TRUE(stored_times.contains(pulse)) << "a pulse lost, round " << round;
    }
    for (const std::int64_t pulse : stored_times) {
      ASSERT_TRUE(expected.contains(pulse) || sent.contains(pulse))
          << "a pulse nobody stored or sent, round " << round;
    }
    if (testing::rows_of(database, "SELECT count(*) FROM pulse_blocks") !=
        std::vector<std::string>{"0"}) {
      ++sealed_rounds;
    }
  }
  EXPECT_GT(sealed_rounds, 0) << "the daemon sealed while it was being killed";

  // Left to finish: the tail under a block's worth, the rollups and
  // statistics as the commits kept them equal a recomputation.
  auto daemon = testing::start_daemon(config, port);
  for (int i = 0; i < 600; ++i) {
    if (std::stoll(testing::rows_of(database, "SELECT count(*) FROM pulses").front()) < 1024) {
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  daemon.process->signal(SIGTERM);
  ASSERT_EQ(daemon.process->wait(30s), 0);
  EXPECT_LT(std::stoll(testing::rows_of(database, "SELECT count(*) FROM pulses").front()), 1024);
  const std::string rollups = "SELECT meter_id, slot_seconds, slot_start, pulses FROM rollups "
                              "ORDER BY meter_id, slot_seconds, slot_start";
  const std::string stats = "SELECT meter_id, pulses, first_pulse_us, last_pulse_us FROM "
                            "meter_stats ORDER BY meter_id";
  const auto kept_rollups = testing::rows_of(database, rollups);
  const auto kept_stats = testing::rows_of(database, stats);
  const auto rebuilt = cli({"rollup", "--rebuild"});
  ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.err;
  EXPECT_EQ(kept_rollups, testing::rows_of(database, rollups));
  EXPECT_EQ(kept_stats, testing::rows_of(database, stats));
  const auto stored = testing::stored_pulse_times(database, 1);
  EXPECT_EQ(std::set<std::int64_t>(stored.begin(), stored.end()).size(), stored.size());
  EXPECT_GE(stored.size(), expected.size());
}

} // namespace
} // namespace pulsemon

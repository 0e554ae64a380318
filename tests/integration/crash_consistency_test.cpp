// `pulsemon serve` killed with SIGKILL fifty times at random moments while
// a client uploads pulses over HTTP, as a sensor node would: every batch
// the daemon acknowledged must be there after each restart, nothing twice,
// the database intact, and the rollups what a recomputation from the raw
// pulses gives.
#include "support/daemon.h"
#include "support/database_file.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <random>
#include <set>
#include <thread>

namespace pulsemon {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t base_us = 1'767'225'600LL * 1'000'000; // 2026-01-01T00:00:00Z
constexpr int kills = 50;
constexpr int pulses_per_batch = 25;

TEST(CrashConsistency, FiftySigkillsDuringUploadsLoseNothingAcknowledged) {
  testing::TempDir dir;
  testing::init_data_folder(dir / "data", false);
  const auto config = dir / "data/pulsemon.toml";
  const auto database = dir / "data/pulsemon.db";
  const auto cli = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"-c", config.string()});
    return testing::run(testing::pulsemon_binary(), args);
  };
  const std::string key = testing::add_meter_with_node_key(config);

  std::mt19937 random(7);
  std::uniform_int_distribution<int> lifetime_ms(30, 400);
  std::set<std::int64_t> acknowledged; // pulse times the daemon said it stored
  std::set<std::int64_t> sent;         // every pulse time ever sent
  std::int64_t seq = 1;
  std::int64_t next_pulse_us = base_us;
  std::vector<std::int64_t> batch; // the batch in flight, resent until acknowledged
  unsigned short port = 0;
  int resends = 0;

  for (int round = 0; round < kills; ++round) {
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
        for (int i = 0; i < pulses_per_batch; ++i) {
          next_pulse_us += 1'000'000 + static_cast<std::int64_t>(random() % 500'000);
          batch.push_back(next_pulse_us);
        }
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
        acknowledged.insert(batch.begin(), batch.end());
        batch.clear();
        ++seq;
      } catch (const std::exception &) {
        ++resends; // killed mid-request: the same batch goes again next round
      }
    }
    killer.join();
    daemon.process->wait(30s);

    const auto stored = testing::stored_pulse_times(database, 1);
    const std::set<std::int64_t> stored_times(stored.begin(), stored.end());
    ASSERT_EQ(stored_times.size(), stored.size()) << "a pulse stored twice, round " << round;
    for (const std::int64_t pulse : acknowledged) {
      ASSERT_TRUE(stored_times.contains(pulse)) << "acknowledged pulse lost, round " << round;
    }
    for (const std::int64_t pulse : stored_times) {
      ASSERT_TRUE(sent.contains(pulse)) << "a pulse nobody sent, round " << round;
    }
    ASSERT_EQ(testing::rows_of(database, "PRAGMA integrity_check"), std::vector<std::string>{"ok"})
        << "round " << round;
  }
  EXPECT_GT(acknowledged.size(), 10U * pulses_per_batch);

  // The rollups and statistics as the writer kept them through the kills,
  // against a recomputation from the raw pulses.
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
  EXPECT_FALSE(kept_rollups.empty());
  std::cout << "acknowledged " << acknowledged.size() << " pulses, sent " << sent.size()
            << ", resends after a kill " << resends << "\n";
}

} // namespace
} // namespace pulsemon

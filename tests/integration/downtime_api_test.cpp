// The daemon's own downtime: serve records each run in the store, says at
// start how long pulsemon was not running, and GET /api/downtime lists
// the time between runs, so that charts and Health show it as a gap.
#include "core/time_text.h"
#include "store/sqlite/sqlite_store.h"
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>

namespace pulsemon {
namespace {

TEST(DowntimeApi, TheTimeBetweenRunsIsListedAndTheStartSaysIt) {
  testing::TempDir dir;
  const std::string password = testing::init_data_folder(dir / "data", false);
  const auto config = dir / "data/pulsemon.toml";
  const auto database = dir / "data/pulsemon.db";
  // A run two days ago that stopped cleanly three hours later (written as
  // serve writes it): pulsemon was then down until the daemon below.
  const UtcTime now = utc_from_epoch_us(std::chrono::duration_cast<std::chrono::microseconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count());
  const UtcTime earlier_start = now - std::chrono::hours{48};
  const UtcTime earlier_stop = earlier_start + std::chrono::hours{3};
  {
    SqliteStore store(database, StoreOptions{});
    const std::int64_t run = store.begin_run(earlier_start);
    store.keep_run(run, earlier_stop, true);
  }
  {
    auto daemon = testing::start_daemon(config);
    EXPECT_TRUE(daemon.process->wait_for_line(
        "pulsemon was not running from " + format_utc(earlier_stop), std::chrono::seconds{10}))
        << daemon.process->output();
    const std::string bearer = testing::login_bearer(daemon.port, "admin", password);
    EXPECT_EQ(testing::http_request(daemon.port, "GET", "/api/downtime").status, 401U);
    const auto answer = testing::http_request(
        daemon.port, "GET", "/api/downtime?from=" + format_utc(now - std::chrono::hours{72}), {},
        {{"Authorization", bearer}});
    ASSERT_EQ(answer.status, 200U) << answer.body;
    const auto downtimes = nlohmann::json::parse(answer.body);
    ASSERT_EQ(downtimes.size(), 1U) << answer.body;
    EXPECT_EQ(downtimes[0]["from"], format_utc(earlier_stop));
    EXPECT_TRUE(downtimes[0]["exact"].get<bool>());
    EXPECT_GT(downtimes[0]["seconds"].get<std::int64_t>(), 44 * 3600);
    // A range inside the downtime is all downtime; a bad range says why.
    const auto inside = testing::http_request(
        daemon.port, "GET",
        "/api/downtime?from=" + format_utc(earlier_stop + std::chrono::hours{1}) +
            "&to=" + format_utc(earlier_stop + std::chrono::hours{2}),
        {}, {{"Authorization", bearer}});
    EXPECT_EQ(nlohmann::json::parse(inside.body)[0]["seconds"], 3600) << inside.body;
    const auto reversed =
        testing::http_request(daemon.port, "GET", "/api/downtime?from=2026-05-02&to=2026-05-01", {},
                              {{"Authorization", bearer}});
    EXPECT_EQ(reversed.status, 400U);
    EXPECT_NE(reversed.body.find("from:"), std::string::npos) << reversed.body;
    daemon.process->signal(SIGTERM);
    EXPECT_EQ(daemon.process->wait(std::chrono::seconds{30}), 0) << daemon.process->output();
  }
  // This run is in the store, stopped cleanly, after the one before.
  SqliteStore store(database, StoreOptions{});
  const auto runs =
      store.runs_around(now - std::chrono::hours{72}, now + std::chrono::hours{1}, 10);
  ASSERT_EQ(runs.size(), 2U);
  EXPECT_TRUE(runs[1].stopped_cleanly);
  EXPECT_GE(runs[1].started, now);
  EXPECT_GE(runs[1].alive, runs[1].started);
}

} // namespace
} // namespace pulsemon

// The daemon in this process, its GPIO line a pipe of kernel-format events
// (the only fake: the hardware): when the line's events end, as when a
// chip goes away, the daemon says so in sd_notify STATUS (to a socket of
// the test's own, as systemd would listen) and in /api/status over HTTP,
// requests the line again with backoff until it can, and its pulses from
// before and after the restart are all stored.
#include "app/cli_context.h"
#include "app/daemon.h"
#include "auth/jwt.h"
#include "auth/secrets.h"
#include "store/sqlite/sqlite_store.h"
#include "support/gpio_fakes.h"
#include "support/http_client.h"
#include "support/notify_socket.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <mutex>
#include <thread>

namespace pulsemon {
namespace {

using namespace std::chrono_literals;

std::int64_t monotonic_now_us() {
  return std::chrono::duration_cast<Micros>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class DaemonSources : public ::testing::Test {
protected:
  DaemonSources() {
    config.use_sqlite_file(dir / "pulsemon.db");
    config.commit_interval = 50ms;
    config.wait_for_clock_sync = ClockSyncPolicy::never;
    gpio::LineSettings line;
    line.meter_id = 1;
    line.line = "17";
    line.edge = gpio::EdgeChoice::both;
    config.gpio_lines.push_back(line);
    SqliteStore store(config.database, StoreOptions{Durability::full, true});
    Meter meter;
    meter.id = 1;
    meter.name = "Main";
    store.add_meter(meter, wall_now() - std::chrono::hours{1});
    store.add_user(
        User{0, "admin", Role::admin, auth::hash_password("a long password"), 0, false, {}},
        wall_now() - std::chrono::hours{1});
  }

  // Three pulses a second apart, the `nth` three since the test began
  // (their times are in the past, so none falls in the moments after a
  // request, when an edge is taken for the line's initial state).
  void three_pulses(testing::LineEventPipe &pipe, int nth) const {
    for (int i = 0; i < 3; ++i) {
      pipe.pulse(began_us - std::int64_t{6 - 3 * nth - i} * 1'000'000);
    }
  }

  nlohmann::json api_status(unsigned short port) const {
    const std::int64_t now =
        std::chrono::floor<std::chrono::seconds>(wall_now()).time_since_epoch().count();
    const std::int64_t generation =
        SqliteStore(config.database, StoreOptions{}).find_user("admin")->token_generation;
    const std::string token =
        auth::sign_token({"admin", "admin", now, now + 3600, generation, std::nullopt}, secret);
    const auto answer = testing::http_request(port, "GET", "/api/status", "",
                                              {{"Authorization", "Bearer " + token}});
    EXPECT_EQ(answer.status, 200U) << answer.body;
    nlohmann::json status = nlohmann::json::parse(answer.body, nullptr, false);
    if (!status.is_object() || !status.contains("sources") || status["sources"].empty()) {
      ADD_FAILURE() << "/api/status without sources: " << answer.body;
      return {{"sources", {{{"state", ""}, {"last_failure", ""}}}}};
    }
    return status;
  }

  std::int64_t stored_pulses() const {
    SqliteStore reader(config.database, StoreOptions{});
    return reader.count_pulses(1, wall_now() - std::chrono::hours{1}, wall_now() + 1min);
  }

  testing::TempDir dir;
  const std::int64_t began_us = monotonic_now_us();
  Config config;
  std::string secret = std::string(32, 's');
  std::mutex mutex;
  bool chip_back = false;
  int requests = 0;
};

TEST_F(DaemonSources, AGpioLineThatDiesIsReportedAndRequestedAgainUntilItIsBack) {
  testing::NotifySocket notify(dir / "notify");
  testing::LineEventPipe first;
  testing::LineEventPipe second;
  DaemonPlan plan;
  plan.host = "127.0.0.1";
  plan.secret = secret;
  plan.gpio_lines.push_back(
      gpio::RequestedLine{first.take_read_end(), "/dev/gpiochip-test", 17, false});
  plan.request_gpio_line = [&](const gpio::LineSettings &) {
    const std::lock_guard lock(mutex);
    requests += 1;
    if (!chip_back) {
      throw Failure(ErrorCode::unavailable, "no GPIO chip /dev/gpiochip-test");
    }
    return gpio::RequestedLine{second.take_read_end(), "/dev/gpiochip-test", 17, false};
  };
  plan.restart_backoff = BackoffSettings{20ms, 100ms, 1min};

  Daemon daemon(config, std::make_unique<SqliteStore>(config.database, StoreOptions{}),
                std::move(plan));
  ASSERT_TRUE(notify.wait_for("READY=1"));
  const nlohmann::json running = api_status(daemon.port());
  ASSERT_EQ(running["sources"].size(), 1U) << running.dump();
  EXPECT_EQ(running["sources"][0]["state"], "running");
  EXPECT_EQ(running["sources"][0]["name"], "GPIO /dev/gpiochip-test line 17 ('17')");
  EXPECT_EQ(running["sources"][0]["meter"], 1);
  EXPECT_TRUE(running["clock_synchronised"].is_boolean());

  three_pulses(first, 0);
  first.close(); // the chip goes away

  const auto status = notify.wait_for("DOWN");
  ASSERT_TRUE(status) << "no STATUS= said the line is down";
  EXPECT_NE(status->find("STATUS=serving"), std::string::npos) << *status;
  EXPECT_NE(status->find("GPIO /dev/gpiochip-test line 17"), std::string::npos) << *status;
  nlohmann::json down;
  for (int i = 0; i < 100; ++i) {
    down = api_status(daemon.port());
    if (down["sources"][0]["last_failure"].get<std::string>().starts_with("cannot start")) {
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(down["sources"][0]["state"], "down") << down.dump();
  EXPECT_EQ(down["sources"][0]["last_failure"], "cannot start: no GPIO chip /dev/gpiochip-test");
  EXPECT_TRUE(down["sources"][0]["restart_at"].is_string());

  {
    const std::lock_guard lock(mutex);
    chip_back = true;
  }
  nlohmann::json back;
  for (int i = 0; i < 200; ++i) {
    back = api_status(daemon.port());
    if (back["sources"][0]["state"] == "running") {
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(back["sources"][0]["state"], "running") << back.dump();
  EXPECT_EQ(back["sources"][0]["restarts"], 1);
  {
    const std::lock_guard lock(mutex);
    EXPECT_GE(requests, 2); // at least one failed request, then the one that worked
  }

  three_pulses(second, 1);
  daemon.stop(); // at once: the source reads what its line queued before it ends
  EXPECT_EQ(stored_pulses(), 6);
}

} // namespace
} // namespace pulsemon

// The daemon on a `memory:` store: the backend comes from [store] url
// through the one factory, for every handle the daemon opens (writer, API,
// ingest, feed), so what the simulator's pulses put in one handle is what
// the API reads through another and a test reads through a third.
#include "app/cli_context.h"
#include "app/daemon.h"
#include "auth/secrets.h"
#include "store/open_store.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <thread>

namespace pulsemon {
namespace {

using namespace std::chrono_literals;

TEST(DaemonOnMemory, TheStoreUrlChoosesTheBackendForEveryHandleTheDaemonOpens) {
  testing::TempDir dir;
  Config config;
  config.store = value_or_throw(parse_store_url("memory:daemon-test", "store.url"));
  config.state_folder = dir.path();
  config.commit_interval = 50ms;

  {
    auto setup = open_store(config.store, StoreOptions{Durability::full, true});
    Meter meter;
    meter.id = 1;
    meter.name = "Main";
    setup->add_meter(meter, wall_now() - 1h);
    setup->add_user(
        User{0, "admin", Role::admin, auth::hash_password("a long password"), 0, false, {}},
        wall_now() - 1h);
  }

  DaemonPlan plan;
  plan.host = "127.0.0.1";
  plan.secret = std::string(32, 's');
  simulator::SourceSettings steady;
  steady.meter_id = 1;
  steady.constant_rate = 36.0; // kW at 1 000 imp/kWh: ten pulses a second
  plan.simulators.push_back(steady);
  Daemon daemon(config, open_store(config.store, StoreOptions{}), std::move(plan));

  const std::string bearer = testing::login_bearer(daemon.port(), "admin", "a long password");
  std::int64_t stored = 0;
  for (int i = 0; i < 100 && stored < 5; ++i) {
    std::this_thread::sleep_for(50ms);
    stored = open_store(config.store, StoreOptions{})
                 ->count_pulses(1, wall_now() - 1h, wall_now() + 1min);
  }
  ASSERT_GE(stored, 5) << "the simulator's pulses reach the shared memory store";

  const auto answer =
      testing::http_request(daemon.port(), "GET", "/api/meters", "", {{"Authorization", bearer}});
  ASSERT_EQ(answer.status, 200U) << answer.body;
  const nlohmann::json meters = nlohmann::json::parse(answer.body);
  ASSERT_EQ(meters.size(), 1U) << answer.body;
  EXPECT_EQ(meters[0]["name"], "Main");
  EXPECT_GE(meters[0]["pulses"].get<std::int64_t>(), 5) << answer.body;

  // Another name is another store.
  EXPECT_TRUE(
      open_store(value_or_throw(parse_store_url("memory:another", "store.url")), StoreOptions{})
          ->meters()
          .empty());
}

} // namespace
} // namespace pulsemon

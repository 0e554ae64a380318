// The API's handlers over the in-memory storage port: one test per route
// group (meters, meter settings, users and keys, readings, status and
// nodes, ingest, the old service's routes, login), each through the real
// router, without a database file or a socket.
#include "api/api.h"
#include "auth/jwt.h"
#include "auth/secrets.h"
#include "core/time_text.h"
#include "store/memory/memory_store.h"
#include "store/published_totals.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace pulsemon {
namespace {

class Handlers : public ::testing::Test {
protected:
  Handlers() {
    Meter meter;
    meter.id = 1;
    meter.name = "house";
    meter.pulses_per_unit = 1000.0;
    meter.tariff = "0.30";
    store.add_meter(meter, now - std::chrono::hours{48});
    std::vector<UtcTime> pulses;
    for (int i = 1; i <= 60; ++i) {
      pulses.push_back(now - std::chrono::minutes{i});
    }
    const std::vector<PulseBatch> batches{PulseBatch{1, pulses, {}, {}}};
    store.commit(batches);
    add_user("ada", Role::admin);
    add_user("vic", Role::viewer);
  }

  void add_user(const std::string &name, Role role) {
    store.add_user(User{0, name, role, auth::hash_password("secret password"), 0, false, {}},
                   now - std::chrono::hours{1});
  }

  std::string token(const std::string &name) {
    const std::int64_t issued =
        std::chrono::floor<std::chrono::seconds>(real_time().wall_now()).time_since_epoch().count();
    const User user = *store.find_user(name);
    return auth::sign_token({name, std::string(to_string(user.role)), issued, issued + 3600,
                             user.token_generation, std::nullopt},
                            context.secret);
  }

  http::Response call(const std::string &method, const std::string &target,
                      const std::string &bearer, const std::string &body = "") {
    http::Request request;
    request.method = method;
    const auto question = target.find('?');
    request.path = target.substr(0, question);
    if (question != std::string::npos) {
      std::string rest = target.substr(question + 1);
      while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string pair = rest.substr(0, amp);
        const auto eq = pair.find('=');
        request.query[pair.substr(0, eq)] = pair.substr(eq + 1);
        rest = amp == std::string::npos ? "" : rest.substr(amp + 1);
      }
    }
    if (!bearer.empty()) {
      request.headers["authorization"] = "Bearer " + bearer;
    }
    if (!body.empty()) {
      request.headers["content-type"] = "application/json";
      request.body = body;
    }
    return http::settle(router.handle(request));
  }
  static nlohmann::json json(const http::Response &response) {
    return nlohmann::json::parse(response.body);
  }

  const UtcTime now = real_time().wall_now();
  MemoryStore store;
  ApiContext context{store, std::string(32, 'k'), ApiSettings{}, {}, {}};
  http::Router router = make_router(context);
};

TEST_F(Handlers, MetersTheirEnergyAndPower) {
  const std::string viewer = token("vic");
  const auto meters = call("GET", "/api/meters", viewer);
  ASSERT_EQ(meters.status, 200U) << meters.body;
  EXPECT_EQ(json(meters)[0]["pulses"], 60);
  const std::string range =
      "from=" + format_utc(now - std::chrono::hours{2}) + "&to=" + format_utc(now) + "&tz=UTC";
  const auto energy = call("GET", "/api/meters/1/energy?bucket=hour&" + range, viewer);
  ASSERT_EQ(energy.status, 200U) << energy.body;
  std::int64_t pulses = 0;
  double cost = 0.0;
  for (const auto &row : json(energy)) {
    pulses += row["pulses"].get<std::int64_t>();
    cost += row["cost"].get<double>();
  }
  EXPECT_EQ(pulses, 60);
  EXPECT_NEAR(cost, 0.30 * 0.060, 1e-9) << energy.body;
  const auto power = call("GET", "/api/meters/1/power?step=3600&" + range, viewer);
  ASSERT_EQ(power.status, 200U) << power.body;
  // A pulse a minute over the last hour at 1000 imp/kWh: 60 Wh in the hour,
  // an average of 60 W; none the hour before.
  const auto rows = json(power);
  ASSERT_EQ(rows.size(), 2U) << power.body;
  EXPECT_EQ(rows[0]["pulses"], 0);
  EXPECT_DOUBLE_EQ(rows[0]["average"].get<double>(), 0.0);
  EXPECT_EQ(rows[1]["pulses"], 60);
  EXPECT_NEAR(rows[1]["average"].get<double>(), 60.0, 1e-9) << power.body;
  EXPECT_EQ(call("GET", "/api/meters/2/energy", viewer).status, 404U);
}

TEST_F(Handlers, MeterSettingsAreForUsersAndNameTheFieldTheyRefuse) {
  EXPECT_EQ(call("PUT", "/api/meters/1", token("vic"), R"({"name":"x"})").status, 403U);
  const auto renamed = call("PUT", "/api/meters/1", token("ada"), R"({"name":"hall"})");
  ASSERT_EQ(renamed.status, 200U) << renamed.body;
  EXPECT_EQ(store.meter(1).name, "hall");
  const auto bad = call("PUT", "/api/meters/1", token("ada"), R"({"tariff":"cheap"})");
  EXPECT_EQ(bad.status, 400U);
  EXPECT_NE(json(bad)["error"]["message"].get<std::string>().find("tariff"), std::string::npos)
      << bad.body;
  const auto ppu = call("PUT", "/api/meters/1", token("ada"), R"({"ppu":500})");
  EXPECT_EQ(ppu.status, 400U) << "the meter has pulses: " << ppu.body;
}

TEST_F(Handlers, UsersAndDeviceKeysAreForAdmins) {
  EXPECT_EQ(call("GET", "/api/users", token("vic")).status, 403U);
  const auto users = call("GET", "/api/users", token("ada"));
  ASSERT_EQ(users.status, 200U);
  EXPECT_EQ(json(users).size(), 2U);
  EXPECT_EQ(call("DELETE", "/api/users/ada", token("ada")).status, 400U) << "the last admin";
  const auto key = call("POST", "/api/keys", token("ada"), R"({"name":"hall","meters":[1]})");
  ASSERT_EQ(key.status, 201U) << key.body;
  EXPECT_TRUE(json(key)["key"].get<std::string>().starts_with("pmk_"));
  const auto keys = call("GET", "/api/keys", token("ada"));
  ASSERT_EQ(json(keys).size(), 1U);
  EXPECT_FALSE(json(keys)[0].contains("key")) << "a key is shown once, on creation";
  EXPECT_EQ(call("POST", "/api/keys", token("ada"), R"({"name":"x","meters":[9]})").status, 404U);
}

TEST_F(Handlers, AReadingIsRecordedAndCountsOn) {
  const auto reading =
      call("POST", "/api/meters/1/readings", token("ada"),
           R"({"value":1000.5,"at":")" + format_utc(now - std::chrono::hours{2}) + R"("})");
  ASSERT_EQ(reading.status, 201U) << reading.body;
  EXPECT_DOUBLE_EQ(store.register_state(1, now).register_value, 1000.5 + 0.060);
}

TEST_F(Handlers, StatusAndNodes) {
  const auto status = call("GET", "/api/status", token("vic"));
  ASSERT_EQ(status.status, 200U) << status.body;
  EXPECT_TRUE(json(status).contains("version"));
  EXPECT_TRUE(json(status)["clock_synchronised"].is_null()); // nobody asked the kernel
  EXPECT_TRUE(json(status)["sources"].empty());

  context.clock_synchronised = [] { return false; };
  context.sources = [this] {
    SourceHealth down{"GPIO /dev/gpiochip0 line 17 ('GPIO17')",
                      1,
                      false,
                      2,
                      "",
                      "reading its events failed: No such device",
                      now,
                      now + std::chrono::seconds{4}};
    return std::vector<SourceHealth>{down};
  };
  const auto told = json(call("GET", "/api/status", token("vic")));
  EXPECT_EQ(told["clock_synchronised"], false);
  ASSERT_EQ(told["sources"].size(), 1U) << told.dump();
  const auto &source = told["sources"][0];
  EXPECT_EQ(source["name"], "GPIO /dev/gpiochip0 line 17 ('GPIO17')");
  EXPECT_EQ(source["meter"], 1);
  EXPECT_EQ(source["state"], "down");
  EXPECT_EQ(source["restarts"], 2);
  EXPECT_EQ(source["last_failure"], "reading its events failed: No such device");
  EXPECT_EQ(source["last_failure_at"], format_utc(now));
  EXPECT_EQ(source["restart_at"], format_utc(now + std::chrono::seconds{4}));
  const auto nodes = call("GET", "/api/nodes", token("vic"));
  ASSERT_EQ(nodes.status, 200U) << nodes.body;
  EXPECT_TRUE(json(nodes).empty());
}

TEST_F(Handlers, MetricsNeedALoginOrTheMetricsTokenAndCountWhatIsStored) {
  EXPECT_EQ(call("GET", "/metrics", "").status, 401U);
  std::string key;
  (void)store.add_device_key("hall", {1}, now, [&](std::int64_t id) {
    key = auth::make_device_key(id);
    return auth::hash_device_key(key);
  });
  EXPECT_EQ(call("GET", "/metrics", key).status, 403U) << "a device key reads no metrics";

  const auto metrics = call("GET", "/metrics", token("vic"));
  ASSERT_EQ(metrics.status, 200U) << metrics.body;
  EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics.body.find("pulsemon_pulses_stored_total{meter=\"1\"} 60\n"), std::string::npos)
      << metrics.body;
  // 60 pulses at 1000 imp/kWh: 0.06 kWh, 216 kJ.
  EXPECT_NE(metrics.body.find("pulsemon_energy_joules_total{meter=\"1\"} 216000\n"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("pulsemon_meter_info{meter=\"1\",name=\"house\","
                              "kind=\"electricity\",unit=\"kWh\"} 1\n"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(
      metrics.body.find("pulsemon_http_requests_total{route=\"GET /metrics\",code=\"401\"} 1"),
      std::string::npos)
      << metrics.body;

  context.metrics_token = std::string(40, 'm');
  EXPECT_EQ(call("GET", "/metrics", std::string(40, 'm')).status, 200U);
  EXPECT_EQ(call("GET", "/metrics", std::string(40, 'n')).status, 401U);
  EXPECT_EQ(call("GET", "/api/meters", std::string(40, 'm')).status, 403U)
      << "the metrics token opens /metrics and nothing else";
}

// Series stay the same when a meter is renamed (its name is on the info
// metric only), each metric has one unit, and a gas meter whose unit is
// written m3 has its volume counted.
TEST_F(Handlers, MetricSeriesAreStableAcrossARenameAndEveryVolumeUnitIsCounted) {
  Meter gas;
  gas.id = 2;
  gas.name = "gas";
  gas.kind = MeterKind::gas;
  gas.unit = "m3";
  gas.pulses_per_unit = 100.0;
  store.add_meter(gas, now - std::chrono::hours{2});
  store.commit(std::vector<PulseBatch>{PulseBatch{2, {now - std::chrono::minutes{1}}, {}, {}}});
  const auto before = call("GET", "/metrics", token("vic")).body;
  Meter renamed = store.meter(1);
  renamed.name = "Keuken";
  store.update_meter(renamed);
  const auto after = call("GET", "/metrics", token("vic")).body;
  EXPECT_NE(after.find("pulsemon_energy_joules_total{meter=\"1\"} 216000\n"), std::string::npos)
      << after;
  EXPECT_NE(after.find("pulsemon_meter_info{meter=\"1\",name=\"Keuken\""), std::string::npos);
  EXPECT_NE(after.find("pulsemon_volume_cubic_meters_total{meter=\"2\"} 0.01\n"), std::string::npos)
      << "1 pulse at 100 imp/m3\n"
      << after;
  EXPECT_EQ(after.find("pulsemon_meter_reading"), std::string::npos) << "no metric of mixed units";
  for (const char *counter : {"pulsemon_pulses_stored_total{", "pulsemon_energy_joules_total{",
                              "pulsemon_volume_cubic_meters_total{"}) {
    for (std::size_t at = after.find(counter); at != std::string::npos;
         at = after.find(counter, at + 1)) {
      const std::string series = after.substr(at, after.find('}', at) - at);
      EXPECT_EQ(series.find("name="), std::string::npos) << series;
      EXPECT_NE(before.find(series), std::string::npos) << series << " is new after the rename";
    }
  }
}

// A database put back older than what was published: /metrics and
// /api/meters hold the published figures, /api/status says how far the
// store is behind, and the marks outlive the daemon in their file.
TEST_F(Handlers, FiguresHoldAtWhatWasPublishedWhileTheStoreIsBehind) {
  testing::TempDir dir;
  {
    PublishedTotals totals(dir / "published-totals");
    context.totals = &totals;
    // 0.1 kWh and 100 pulses published once; the store has 0.06 and 60.
    totals.raise(1, MarkedFigure::total, 0.1);
    totals.raise(1, MarkedFigure::pulses, 100);
    const auto metrics = call("GET", "/metrics", token("vic")).body;
    EXPECT_NE(metrics.find("pulsemon_energy_joules_total{meter=\"1\"} 360000\n"), std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find("pulsemon_pulses_stored_total{meter=\"1\"} 100\n"), std::string::npos)
        << metrics;
    EXPECT_DOUBLE_EQ(json(call("GET", "/api/meters/1", token("vic")))["total"].get<double>(), 0.1);
    const auto behind = json(call("GET", "/api/status", token("vic")))["totals_behind"];
    ASSERT_EQ(behind.size(), 1U) << behind.dump();
    EXPECT_EQ(behind[0]["meter"], 1);
    EXPECT_NEAR(behind[0]["missing"].get<double>(), 0.04, 1e-9);
    EXPECT_NEAR(behind[0]["stored_total"].get<double>(), 0.06, 1e-9);
    context.totals = nullptr;
  }
  PublishedTotals again(dir / "published-totals");
  EXPECT_DOUBLE_EQ(again.shown(1, MarkedFigure::total, 0.06, now), 0.1) << "kept in its file";
  EXPECT_DOUBLE_EQ(again.shown(1, MarkedFigure::total, 0.2, now), 0.2) << "caught up: moves on";
  EXPECT_TRUE(again.holes().empty());
}

TEST_F(Handlers, ANodesBatchIsStoredOnce) {
  std::string key;
  (void)store.add_device_key("hall", {1}, now, [&](std::int64_t id) {
    key = auth::make_device_key(id);
    return auth::hash_device_key(key);
  });
  const std::string body = R"({"node":"hall","boot":1,"seq":1,"meter":1,"pulses":[)" +
                           std::to_string(to_epoch_us(now)) + "]}";
  const auto first = call("POST", "/api/ingest", key, body);
  ASSERT_EQ(first.status, 200U) << first.body;
  EXPECT_EQ(json(first)["accepted"], 1);
  const auto again = call("POST", "/api/ingest", key, body);
  EXPECT_EQ(json(again)["duplicate_batch"], true);
  EXPECT_EQ(store.stats(1).pulses, 61);
  EXPECT_EQ(call("POST", "/api/ingest", "pmk_99_0123456789abcdef0123456789abcdef", body).status,
            401U);
}

TEST_F(Handlers, TheOldServicesImpulsesPerUnit) {
  const auto ipu = call("GET", "/api/ipu", token("vic"));
  ASSERT_EQ(ipu.status, 200U) << ipu.body;
  EXPECT_EQ(json(ipu)[0]["meterid"], 1);
  EXPECT_EQ(json(ipu)[0]["description"], "house");
}

TEST_F(Handlers, ALoginGivesATokenThatWorks) {
  const auto login =
      call("POST", "/api/login", "", R"({"username":"vic","password":"secret password"})");
  ASSERT_EQ(login.status, 200U) << login.body;
  const std::string issued = json(login)["token"];
  EXPECT_EQ(call("GET", "/api/meters", issued).status, 200U);
  EXPECT_EQ(call("POST", "/api/login", "", R"({"username":"vic","password":"wrong"})").status,
            401U);
}

} // namespace
} // namespace pulsemon

// POST /api/ingest and GET /api/nodes on a real daemon: device keys, batches
// stored exactly once, answers that tell a node what to resend, and errors
// that leave the store as it was.
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/live_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>
#include <regex>

namespace pulsemon {
namespace {

using testing::Completed;
using testing::http_request;
using testing::HttpResult;

constexpr std::int64_t s = 1'000'000;
constexpr std::int64_t base_us = 1'767'225'600LL * s; // 2026-01-01T00:00:00Z

class Ingest : public ::testing::Test {
protected:
  testing::TempDir dir;
  std::filesystem::path config;
  std::string password;
  std::string key; // may write meter 1
  std::unique_ptr<testing::Background> serve;
  unsigned short port = 0;

  void SetUp() override {
    password = testing::init_data_folder(dir / "data", false);
    config = dir / "data/pulsemon.toml";
    for (const char *id : {"1", "2"}) {
      ASSERT_EQ(cli({"meter", "add", "--id", id, "--name", std::string("Meter ") + id, "--kind",
                     "electricity", "--ppu", "1000"})
                    .exit_code,
                0);
    }
    key = add_key("1");
    auto daemon = testing::start_daemon(config);
    serve = std::move(daemon.process);
    port = daemon.port;
  }

  Completed cli(std::vector<std::string> args) const {
    args.insert(args.begin(), {"-c", config.string()});
    return testing::run(testing::pulsemon_binary(), args);
  }

  std::string add_key(const std::string &meter) const {
    const Completed done = cli({"key", "add", "--meter", meter, "--name", "cupboard"});
    EXPECT_EQ(done.exit_code, 0) << done.err;
    std::smatch match;
    EXPECT_TRUE(std::regex_search(done.out, match, std::regex("pmk_\\d+_[0-9a-f]{32}")))
        << done.out;
    return match.str();
  }

  HttpResult upload(const nlohmann::json &batch, const std::string &with_key) const {
    return http_request(
        port, "POST", "/api/ingest", batch.dump(),
        {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + with_key}});
  }

  static nlohmann::json batch(std::int64_t seq, std::vector<std::int64_t> pulses,
                              std::int64_t meter = 1) {
    return {{"node", "cupboard-esp"},
            {"boot", 7},
            {"seq", seq},
            {"meter", meter},
            {"pulses", pulses},
            {"health", {{"rssi", -67}, {"voltage", 3.28}, {"firmware", "1.0.0"}}}};
  }

  std::string user_token() const {
    const HttpResult login =
        http_request(port, "POST", "/api/login",
                     nlohmann::json{{"username", "admin"}, {"password", password}}.dump(),
                     {{"Content-Type", "application/json"}});
    return nlohmann::json::parse(login.body)["token"].get<std::string>();
  }

  std::int64_t stored_pulses(int meter) const {
    const HttpResult result = http_request(port, "GET", "/api/meters/" + std::to_string(meter), {},
                                           {{"Authorization", "Bearer " + user_token()}});
    return nlohmann::json::parse(result.body)["pulses"].get<std::int64_t>();
  }
};

TEST_F(Ingest, ABatchIsStoredOnceHoweverOftenItIsSent) {
  const auto first = batch(1, {base_us, base_us + s, base_us + 2 * s});
  HttpResult answer = upload(first, key);
  ASSERT_EQ(answer.status, 200U) << answer.body;
  nlohmann::json json = nlohmann::json::parse(answer.body);
  EXPECT_EQ(json["accepted"], 3);
  EXPECT_EQ(json["duplicate_batch"], false);
  EXPECT_TRUE(json["missing"].empty());

  answer = upload(first, key); // the answer was lost; the node sends again
  json = nlohmann::json::parse(answer.body);
  EXPECT_EQ(json["accepted"], 0);
  EXPECT_EQ(json["duplicate_batch"], true);

  // Batch 3 arrives before batch 2: the answer asks for 2.
  json = nlohmann::json::parse(upload(batch(3, {base_us + 4 * s}), key).body);
  EXPECT_EQ(json["missing"], nlohmann::json::array({2}));
  json = nlohmann::json::parse(upload(batch(2, {base_us + 3 * s}), key).body);
  EXPECT_TRUE(json["missing"].empty());
  EXPECT_EQ(stored_pulses(1), 5);
}

TEST_F(Ingest, AKeyWritesOnlyItsMetersAndOnlyIngest) {
  EXPECT_EQ(upload(batch(1, {base_us}, 2), key).status, 403U) << "meter 2 is not this key's";
  EXPECT_EQ(upload(batch(1, {base_us}), user_token()).status, 403U) << "a login is not a key";
  EXPECT_EQ(
      http_request(port, "GET", "/api/meters", {}, {{"Authorization", "Bearer " + key}}).status,
      403U);
  const std::string forged = "pmk_1_" + std::string(32, '0');
  EXPECT_EQ(upload(batch(1, {base_us}), forged).status, 401U);
  // The key is looked up where the upload is stored (off the event loop),
  // but still before anything of the body counts: a stranger learns
  // nothing of the batch format.
  const HttpResult garbage =
      http_request(port, "POST", "/api/ingest", "{not json",
                   {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + forged}});
  EXPECT_EQ(garbage.status, 401U) << garbage.body;
  EXPECT_NE(garbage.body.find("device key"), std::string::npos) << garbage.body;
  EXPECT_EQ(http_request(port, "POST", "/api/ingest", batch(1, {base_us}).dump()).status, 401U);

  ASSERT_EQ(cli({"key", "revoke", "1"}).exit_code, 0);
  EXPECT_EQ(upload(batch(1, {base_us}), key).status, 401U) << "revoked";
  const auto keys = nlohmann::json::parse(cli({"key", "list", "--json"}).out);
  ASSERT_EQ(keys.size(), 1U);
  EXPECT_EQ(keys[0]["meters"], nlohmann::json::array({1}));
  EXPECT_TRUE(keys[0]["revoked"].is_string());
  EXPECT_EQ(keys[0].dump().find("pmk_"), std::string::npos)
      << "the key itself is never shown again";
  EXPECT_EQ(cli({"key", "revoke", "9"}).exit_code, 1);
  EXPECT_EQ(stored_pulses(1), 0);
  EXPECT_EQ(stored_pulses(2), 0);
}

TEST_F(Ingest, ABadBatchNamesTheFieldAndStoresNothing) {
  auto bad = batch(1, {base_us, base_us + s});
  bad["pulses"].push_back("yesterday");
  HttpResult answer = upload(bad, key);
  EXPECT_EQ(answer.status, 400U);
  EXPECT_NE(answer.body.find("pulses[2]"), std::string::npos) << answer.body;

  bad = batch(1, {base_us / 1000}); // milliseconds by mistake
  answer = upload(bad, key);
  EXPECT_EQ(answer.status, 400U);
  EXPECT_NE(answer.body.find("pulses[0]"), std::string::npos) << answer.body;

  bad = batch(0, {base_us});
  EXPECT_NE(upload(bad, key).body.find("seq"), std::string::npos);
  bad = batch(1, {base_us});
  bad.erase("node");
  EXPECT_NE(upload(bad, key).body.find("node"), std::string::npos);
  EXPECT_EQ(stored_pulses(1), 0);
  // The rejected batch number is still free: the corrected batch is stored.
  EXPECT_EQ(nlohmann::json::parse(upload(batch(1, {base_us}), key).body)["accepted"], 1);
}

TEST_F(Ingest, ANodeWithoutAClockSendsTimesSinceBootAndTheServerAnchorsThem) {
  auto since_boot = batch(1, {9 * s, 10 * s});
  since_boot["clock"] = "boot";
  since_boot["now_us"] = 11 * s; // the pulses were 2 s and 1 s before sending
  const std::time_t before = std::time(nullptr);
  ASSERT_EQ(upload(since_boot, key).status, 200U);
  const HttpResult pulses =
      http_request(port, "GET", "/api/meters/1/pulses?from=2000-01-01&to=2100-01-01", {},
                   {{"Authorization", "Bearer " + user_token()}});
  const auto list = nlohmann::json::parse(pulses.body);
  ASSERT_EQ(list.size(), 2U) << pulses.body;
  // The pulses lie 2 s and 1 s before the batch arrived.
  std::tm parts{};
  ASSERT_EQ(std::sscanf(list[1].get<std::string>().c_str(), "%d-%d-%dT%d:%d:%d", &parts.tm_year,
                        &parts.tm_mon, &parts.tm_mday, &parts.tm_hour, &parts.tm_min,
                        &parts.tm_sec),
            6);
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  const std::time_t last = timegm(&parts);
  EXPECT_GE(last, before - 2);
  EXPECT_LE(last, std::time(nullptr));
}

TEST_F(Ingest, UploadedPulsesReachTheLiveStreamOnce) {
  testing::LiveClient live(port, user_token());
  ASSERT_TRUE(live.connected());
  ASSERT_EQ(live.read_until("HTTP/1.1 200", 1).rfind("HTTP/1.1 200", 0), 0U);
  const auto recent = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count() -
                      10 * s;
  ASSERT_EQ(upload(batch(1, {recent, recent + 3'600'000}), key).status, 200U);
  ASSERT_EQ(upload(batch(1, {recent, recent + 3'600'000}), key).status, 200U); // resent
  ASSERT_EQ(upload(batch(2, {recent + 7'200'000}), key).status, 200U);
  const std::string events = live.read_until("event: pulse", 4);
  std::size_t count = 0;
  for (auto at = events.find("event: pulse"); at != std::string::npos;
       at = events.find("event: pulse", at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 3U) << "one event per new pulse, none for the resent batch:\n" << events;
  EXPECT_NE(events.find("\"meter\":1"), std::string::npos) << events;
}

// A broken node (or one built without its filter) sends 10 000 pulses 3 µs
// apart; the meter's minimum interval is 10 ms, so the server keeps one
// per 10 ms and counts the rest as filtered, for the meter and the node.
TEST_F(Ingest, PulsesCloserThanTheMetersMinimumIntervalAreFilteredNotStored) {
  std::vector<std::int64_t> burst;
  for (std::int64_t i = 0; i < 10'000; ++i) {
    burst.push_back(base_us + i * 3);
  }
  const HttpResult answer = upload(batch(1, burst), key);
  ASSERT_EQ(answer.status, 200U) << answer.body;
  EXPECT_EQ(stored_pulses(1), 3) << "0, 10.002 and 20.004 ms of a 30 ms burst";
  // A later batch with one pulse 4 ms after the last stored one: filtered
  // too, against the stored pulse.
  ASSERT_EQ(upload(batch(2, {base_us + 20'004 + 4'000, base_us + 40'000}), key).status, 200U);
  EXPECT_EQ(stored_pulses(1), 4);
  const auto nodes = nlohmann::json::parse(
      http_request(port, "GET", "/api/nodes", {}, {{"Authorization", "Bearer " + user_token()}})
          .body);
  ASSERT_EQ(nodes.size(), 1U);
  EXPECT_EQ(nodes[0]["filtered"]["too_close"], 10'000 - 3 + 1);
  const HttpResult metrics =
      http_request(port, "GET", "/metrics", {}, {{"Authorization", "Bearer " + user_token()}});
  EXPECT_NE(metrics.body.find("pulsemon_node_filtered_pulses_total{node=\"cupboard-esp\","
                              "meter=\"1\",reason=\"too_close\"} 9998"),
            std::string::npos)
      << metrics.body.substr(0, 4000);
}

// The node's first stumble: the API on loopback, which a node on WiFi
// cannot reach. With a device key in the store the daemon says so.
TEST_F(Ingest, TheDaemonWarnsWhenNodesHaveKeysButTheApiListensOnLoopback) {
  EXPECT_NE(serve->output().find("device keys exist, but the API listens on 127.0.0.1 only"),
            std::string::npos)
      << serve->output();
}

TEST_F(Ingest, NodesShowWhenTheyWereLastHeardAndHowTheyAre) {
  ASSERT_EQ(upload(batch(1, {base_us}), key).status, 200U);
  const HttpResult answer =
      http_request(port, "GET", "/api/nodes", {}, {{"Authorization", "Bearer " + user_token()}});
  ASSERT_EQ(answer.status, 200U);
  const auto nodes = nlohmann::json::parse(answer.body);
  ASSERT_EQ(nodes.size(), 1U);
  EXPECT_EQ(nodes[0]["node"], "cupboard-esp");
  EXPECT_EQ(nodes[0]["meter"], 1);
  EXPECT_EQ(nodes[0]["last_seq"], 1);
  EXPECT_EQ(nodes[0]["health"]["rssi"], -67);
  EXPECT_LE(nodes[0]["seconds_since_heard"].get<int>(), 5);

  const auto meter = nlohmann::json::parse(
      http_request(port, "GET", "/api/meters/1", {}, {{"Authorization", "Bearer " + user_token()}})
          .body);
  ASSERT_EQ(meter["nodes"].size(), 1U) << "the meter's status shows the node feeding it";
  EXPECT_EQ(meter["nodes"][0]["node"], "cupboard-esp");
  EXPECT_EQ(meter["nodes"][0]["health"]["rssi"], -67);
}

} // namespace
} // namespace pulsemon

// A store made by an older release (tests/fixtures/upgrade: schema 9, from
// before sites; make-fixture says how it was made) upgraded by this one:
// every user sees and can do exactly what they could before. The same
// requests, in the same order, as each user, get the answers that release
// gave (answers.json), except for fields added since and error messages'
// wording; and the upgrade made one site holding everything.
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#ifndef PULSEMON_SOURCE_DIR
#error "PULSEMON_SOURCE_DIR names the source tree (tests/fixtures/upgrade)"
#endif

namespace pulsemon {
namespace {

using testing::http_request;

const std::filesystem::path fixture =
    std::filesystem::path(PULSEMON_SOURCE_DIR) / "tests/fixtures/upgrade";

nlohmann::json read_json(const std::filesystem::path &file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in);
}

// Where `now` differs from `before` other than by fields added since: the
// path of the first difference, or "" when none. Error messages may be
// worded anew (their code may not change); a revocation's time and the
// seconds since a node was heard are the test's own.
std::string difference(const nlohmann::json &before, const nlohmann::json &now,
                       const std::string &path = "") {
  if (before.is_object() && now.is_object()) {
    for (const auto &[key, value] : before.items()) {
      if (!now.contains(key)) {
        return path + "." + key + " is gone";
      }
      if ((key == "message" && path == ".error") || (key == "revoked" && !value.is_null()) ||
          key == "seconds_since_heard") {
        continue;
      }
      if (auto found = difference(value, now[key], path + "." + key); !found.empty()) {
        return found;
      }
    }
    return "";
  }
  if (before.is_array() && now.is_array()) {
    if (before.size() != now.size()) {
      return path + " has " + std::to_string(now.size()) + " items, not " +
             std::to_string(before.size());
    }
    for (std::size_t i = 0; i < before.size(); ++i) {
      if (auto found = difference(before[i], now[i], path + "[" + std::to_string(i) + "]");
          !found.empty()) {
        return found;
      }
    }
    return "";
  }
  if (before.is_number() && now.is_number()) {
    const double a = before.get<double>();
    const double b = now.get<double>();
    return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(a)) ? "" : path + " changed";
  }
  return before == now ? "" : path + ": " + before.dump() + " became " + now.dump();
}

TEST(Upgrade, EveryUserOfAStoreFromBeforeSitesSeesAndDoesExactlyWhatTheyDidBefore) {
  testing::TempDir dir;
  // A fresh install of this release, whose store is then the old one.
  const auto made =
      testing::run(testing::pulsemon_binary(),
                   {"init", "--dir", (dir / "data").string(), "--zone", "Europe/Amsterdam"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const auto config = dir / "data/pulsemon.toml";
  std::filesystem::copy_file(fixture / "store-v9.db", dir / "data/pulsemon.db",
                             std::filesystem::copy_options::overwrite_existing);
  auto daemon = testing::start_daemon(config);

  const nlohmann::json spec = read_json(fixture / "requests.json");
  std::map<std::string, std::string> tokens;
  for (const auto &[user, password] : spec["passwords"].items()) {
    const auto login =
        http_request(daemon.port, "POST", "/api/login",
                     nlohmann::json{{"username", user}, {"password", password}}.dump(),
                     {{"Content-Type", "application/json"}});
    ASSERT_EQ(login.status, 200U) << user << ": " << login.body;
    tokens[user] = nlohmann::json::parse(login.body)["token"].get<std::string>();
  }
  const nlohmann::json answers = read_json(fixture / "answers.json")["answers"];
  std::size_t next = 0;
  for (const auto &request : spec["requests"]) {
    const std::string who = request["user"].get<std::string>();
    const std::vector<std::string> users =
        who == "*" ? std::vector<std::string>{"admin", "uma", "vic"} : std::vector{who};
    for (const std::string &user : users) {
      ASSERT_LT(next, answers.size());
      const nlohmann::json &before = answers[next++];
      const std::string method = request["method"].get<std::string>();
      const std::string target = request["target"].get<std::string>();
      ASSERT_EQ(before["target"], target) << "answers.json follows requests.json";
      const auto answer = http_request(
          daemon.port, method, target,
          request.contains("body") ? request["body"].dump() : std::string(),
          {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + tokens[user]}});
      const std::string what = user + ": " + method + " " + target;
      EXPECT_EQ(answer.status, before["status"].get<unsigned>()) << what << " → " << answer.body;
      const auto body = nlohmann::json::parse(answer.body, nullptr, false);
      ASSERT_FALSE(body.is_discarded()) << what << " → " << answer.body;
      EXPECT_EQ(difference(before["body"], body), "") << what << " → " << answer.body;
    }
  }
  EXPECT_EQ(next, answers.size());

  // One site, the home site, holding every meter and every user with the
  // role they had.
  daemon.process.reset();
  const auto sites =
      testing::run(testing::pulsemon_binary(), {"-c", config.string(), "site", "list", "--json"});
  ASSERT_EQ(sites.exit_code, 0) << sites.err;
  const auto listed = nlohmann::json::parse(sites.out);
  ASSERT_EQ(listed.size(), 1U) << sites.out;
  EXPECT_EQ(listed[0]["name"], "home");
  EXPECT_EQ(listed[0]["meters"], 3) << "two from before, one added since";
  EXPECT_EQ(listed[0]["members"], 4) << "three from before, wes added since";
}

} // namespace
} // namespace pulsemon

// Share links on a real daemon: what a link opens without a sign-in, that
// it stops at once when revoked or expired, and that a stranger guessing
// tokens learns nothing: every guess 404, slowed per address, and no
// difference in time between a token that never existed and one revoked.
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <random>
#include <sstream>
#include <thread>

namespace pulsemon {
namespace {

using testing::http_request;
using testing::HttpResult;

std::string random_token(std::mt19937_64 &random) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string token;
  for (int i = 0; i < 48; ++i) {
    token += hex[random() % 16];
  }
  return token;
}

class Share : public ::testing::Test {
protected:
  // A steady simulated house (meter 1) whose shared pages one address may
  // ask `per_minute` times a minute.
  void start(int per_minute) {
    const std::string password = testing::init_data_folder(dir / "data", true);
    config = dir / "data/pulsemon.toml";
    testing::edit_file(config, "\nprofile = \"household\"", "\nwatts = 36000");
    testing::edit_file(config, "requests_per_minute = 60",
                       "requests_per_minute = " + std::to_string(per_minute));
    daemon = testing::start_daemon(config);
    bearer = testing::login_bearer(daemon.port, "admin", password);
  }

  static std::string utc_text(std::chrono::system_clock::time_point t) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    std::ostringstream text;
    text << std::put_time(&parts, "%FT%TZ");
    return text.str();
  }

  nlohmann::json make_link(const nlohmann::json &body) {
    const HttpResult made =
        http_request(daemon.port, "POST", "/api/shares", body.dump(),
                     {{"Authorization", bearer}, {"Content-Type", "application/json"}});
    EXPECT_EQ(made.status, 201U) << made.body;
    return nlohmann::json::parse(made.body);
  }

  HttpResult get(const std::string &target,
                 const std::map<std::string, std::string> &headers = {}) {
    return http_request(daemon.port, "GET", target, {}, headers);
  }

  testing::TempDir dir;
  std::filesystem::path config;
  testing::RunningDaemon daemon;
  std::string bearer;
};

TEST_F(Share, ALinkOpensWholeDaysWithoutSignInUntilItIsRevokedOrExpires) {
  start(100'000);
  const nlohmann::json link = make_link({{"label", "for the Jansens"},
                                         {"meters", {1}},
                                         {"window_days", 30},
                                         {"people", 3},
                                         {"floor_area_m2", 84},
                                         {"heating", "heat_pump"}});
  const std::string token = link["token"];
  EXPECT_EQ(link["path"], "/share/" + token);
  EXPECT_EQ(token.size(), 48U) << "192 random bits";

  const HttpResult unknown = get("/api/share/" + std::string(48, '0'));
  EXPECT_EQ(unknown.status, 404U);

  const HttpResult shared = get("/api/share/" + token);
  ASSERT_EQ(shared.status, 200U) << shared.body;
  const auto figures = nlohmann::json::parse(shared.body);
  EXPECT_EQ(figures["pulsemon_share"], 1);
  EXPECT_EQ(figures["granularity"], "day");
  EXPECT_EQ(figures["household"]["people"], 3);
  EXPECT_EQ(figures["household"]["heating"], "heat_pump");
  ASSERT_EQ(figures["meters"].size(), 1U);
  EXPECT_FALSE(figures["meters"][0].contains("name")) << "names are not shown unless chosen";
  EXPECT_EQ(figures["meters"][0]["unit"], "kWh");
  // The meter was made today: no whole day has ended since, so nothing.
  EXPECT_TRUE(figures["meters"][0]["periods"].empty()) << shared.body;
  EXPECT_EQ(shared.body.find("\"pulses\""), std::string::npos);

  // Unchanged since its ETag: 304, nothing sent again.
  const std::string etag = shared.headers.at("etag");
  EXPECT_EQ(get("/api/share/" + token, {{"If-None-Match", etag}}).status, 304U);

  // The page: the dashboard's, under its content security policy.
  const HttpResult page = get("/share/" + token);
  EXPECT_EQ(page.status, 200U);
  EXPECT_NE(page.headers.at("content-security-policy").find("script-src 'self'"),
            std::string::npos);
  EXPECT_EQ(get("/share/" + std::string(48, '0')).status, 404U);

  // Listed with its uses (the JSON's, not the page's), never its token.
  const auto listed = nlohmann::json::parse(
      http_request(daemon.port, "GET", "/api/shares", {}, {{"Authorization", bearer}}).body);
  ASSERT_EQ(listed.size(), 1U);
  EXPECT_EQ(listed[0]["uses"], 2) << listed.dump();
  EXPECT_FALSE(listed[0]["last_used"].is_null());
  EXPECT_EQ(listed.dump().find(token), std::string::npos);

  // Revoked: at once, and then as unknown as a token that never was.
  const HttpResult revoked =
      http_request(daemon.port, "DELETE", "/api/shares/" + std::to_string(link["id"].get<int>()),
                   {}, {{"Authorization", bearer}});
  ASSERT_EQ(revoked.status, 200U) << revoked.body;
  const HttpResult after = get("/api/share/" + token);
  EXPECT_EQ(after.status, 404U);
  EXPECT_EQ(after.body, unknown.body);
  EXPECT_EQ(get("/share/" + token).status, 404U);

  // Expired: the same.
  const auto soon = std::chrono::ceil<std::chrono::seconds>(std::chrono::system_clock::now() +
                                                            std::chrono::seconds{2});
  const nlohmann::json brief =
      make_link({{"label", "a week"}, {"meters", {1}}, {"expires", utc_text(soon)}});
  EXPECT_EQ(get("/api/share/" + brief["token"].get<std::string>()).status, 200U);
  std::this_thread::sleep_until(soon + std::chrono::milliseconds{1100});
  const HttpResult expired = get("/api/share/" + brief["token"].get<std::string>());
  EXPECT_EQ(expired.status, 404U);
  EXPECT_EQ(expired.body, unknown.body);

  // Not the place for a display link's token, nor for a bad request.
  const nlohmann::json display =
      make_link({{"kind", "display"}, {"label", "hall"}, {"meters", {1}}});
  EXPECT_EQ(get("/api/share/" + display["token"].get<std::string>()).body, unknown.body);
  EXPECT_EQ(get("/api/share/" + std::string(5000, 'a')).status, 404U);
  for (const nlohmann::json &bad :
       {nlohmann::json{{"label", "x"}, {"meters", {1}}, {"granularity", "hour"}},
        nlohmann::json{{"label", "x"}, {"meters", {1}}, {"window_days", 0}},
        nlohmann::json{{"label", "x"}, {"meters", {2}}},
        nlohmann::json{{"label", ""}, {"meters", {1}}},
        nlohmann::json{{"label", "x"}, {"meters", {1}}, {"pulses", true}}}) {
    const HttpResult refused =
        http_request(daemon.port, "POST", "/api/shares", bad.dump(),
                     {{"Authorization", bearer}, {"Content-Type", "application/json"}});
    EXPECT_TRUE(refused.status == 400U || refused.status == 404U) << bad.dump();
    EXPECT_TRUE(nlohmann::json::parse(refused.body).contains("error")) << refused.body;
  }
}

TEST_F(Share, TenThousandGuessedTokensAreAll404AndSlowedDownPerAddress) {
  start(60);
  const std::string token = make_link({{"label", "friends"}, {"meters", {1}}})["token"];
  std::mt19937_64 random(35);
  int not_found = 0;
  int limited = 0;
  for (int i = 0; i < 10'000; ++i) {
    const HttpResult answer = get("/api/share/" + random_token(random));
    if (answer.status == 404U) {
      ++not_found;
    } else {
      ASSERT_EQ(answer.status, 429U) << answer.body;
      EXPECT_FALSE(answer.headers.at("retry-after").empty());
      ++limited;
    }
  }
  EXPECT_EQ(not_found, 60) << "the first minute's allowance, then 429";
  EXPECT_EQ(limited, 10'000 - 60);
  // The address is held back for the real token too, for the minute.
  EXPECT_EQ(get("/api/share/" + token).status, 429U);
  // The daemon is unharmed: its own users go on.
  EXPECT_EQ(http_request(daemon.port, "GET", "/api/meters", {}, {{"Authorization", bearer}}).status,
            200U);
}

TEST_F(Share, AnUnknownAndARevokedTokenTakeTheSameTime) {
  start(100'000);
  std::vector<std::string> revoked;
  for (int i = 0; i < 20; ++i) {
    const nlohmann::json link =
        make_link({{"label", "gone " + std::to_string(i)}, {"meters", {1}}});
    revoked.push_back(link["token"]);
    ASSERT_EQ(http_request(daemon.port, "DELETE",
                           "/api/shares/" + std::to_string(link["id"].get<int>()), {},
                           {{"Authorization", bearer}})
                  .status,
              200U);
  }
  std::mt19937_64 random(36);
  const auto timed = [&](const std::string &token) {
    const auto start_time = std::chrono::steady_clock::now();
    const HttpResult answer = get("/api/share/" + token);
    const auto took = std::chrono::steady_clock::now() - start_time;
    EXPECT_EQ(answer.status, 404U);
    return std::chrono::duration<double, std::micro>(took).count();
  };
  std::vector<double> unknown_us;
  std::vector<double> revoked_us;
  // Interleaved, so that whatever else the machine does weighs on both.
  for (int round = 0; round < 600; ++round) {
    unknown_us.push_back(timed(random_token(random)));
    revoked_us.push_back(timed(revoked[static_cast<std::size_t>(round) % revoked.size()]));
  }
  const auto quantile = [](std::vector<double> values, double q) {
    std::sort(values.begin(), values.end());
    return values[static_cast<std::size_t>(q * static_cast<double>(values.size() - 1))];
  };
  const double median_unknown = quantile(unknown_us, 0.5);
  const double median_revoked = quantile(revoked_us, 0.5);
  const double spread = std::max(quantile(unknown_us, 0.75) - quantile(unknown_us, 0.25),
                                 quantile(revoked_us, 0.75) - quantile(revoked_us, 0.25));
  // A difference the test could measure would stand out of the noise of
  // the requests themselves: the medians lie within half the spread of
  // their middle half (or 20 µs) of each other.
  EXPECT_LT(std::abs(median_unknown - median_revoked), std::max(0.5 * spread, 20.0))
      << "median unknown " << median_unknown << " µs, revoked " << median_revoked
      << " µs, interquartile spread " << spread << " µs";
}

} // namespace
} // namespace pulsemon

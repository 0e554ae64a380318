// The old service's endpoints against a real daemon: field names, types,
// values for a 10000 imp/kWh meter, and hostile input.
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <regex>

namespace pulsemon {
namespace {

using namespace std::chrono_literals;
using testing::http_request;
using testing::HttpResult;
using Headers = std::map<std::string, std::string>;

class LegacyApi : public ::testing::Test {
protected:
  testing::TempDir dir;
  std::unique_ptr<testing::Background> serve;
  unsigned short port = 0;
  std::string token;

  std::string config() const { return (dir / "data/pulsemon.toml").string(); }

  void SetUp() override {
    const std::string password = testing::init_data_folder(dir / "data", false);
    // Meter 21 (the old service's default mid) at 10000 imp/kWh with three
    // simulated days ending today.
    auto done = testing::run(testing::pulsemon_binary(),
                             {"-c", config(), "meter", "add", "--id", "21", "--name", "Main",
                              "--kind", "electricity", "--ppu", "10000", "--location", "hall"});
    ASSERT_EQ(done.exit_code, 0) << done.err;
    done = testing::run(testing::pulsemon_binary(),
                        {"-c", config(), "simulate", "--meter", "21", "--days", "3"});
    ASSERT_EQ(done.exit_code, 0) << done.err;

    auto daemon = testing::start_daemon(config());
    serve = std::move(daemon.process);
    port = daemon.port;
    const HttpResult login =
        http_request(port, "POST", "/api/login", "username=admin&password=" + password,
                     {{"Content-Type", "application/x-www-form-urlencoded"}});
    ASSERT_EQ(login.status, 200U) << login.body;
    token = nlohmann::json::parse(login.body)["token"];
  }

  HttpResult put(const std::string &target, const std::string &body,
                 const std::string &type = "application/json") const {
    return http_request(port, "PUT", target, body,
                        {{"X-Access-Token", token}, {"Content-Type", type}});
  }
};

TEST_F(LegacyApi, IpuHasTheOldFieldsAndTypes) {
  for (const char *path : {"/api/ipu", "/apiv2/ipu"}) {
    const HttpResult result = http_request(port, "GET", path, {}, {{"X-Access-Token", token}});
    ASSERT_EQ(result.status, 200U) << result.body;
    const auto rows = nlohmann::json::parse(result.body);
    ASSERT_EQ(rows.size(), 1U);
    const auto &row = rows[0];
    EXPECT_EQ(row.size(), 6U) << row.dump();
    EXPECT_EQ(row["meterid"], 21);
    EXPECT_TRUE(row["ipu"].is_number_integer());
    EXPECT_EQ(row["description"], "Main");
    EXPECT_EQ(row["location"], "hall");
    const std::regex old_time("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d");
    EXPECT_TRUE(std::regex_match(row["created"].get<std::string>(), old_time)) << row["created"];
    EXPECT_TRUE(std::regex_match(row["updated"].get<std::string>(), old_time)) << row["updated"];
  }
}

// Each endpoint says what the version of the old service that had it said:
// /api/* was the older version's, /apiv2/* the later one's.
TEST_F(LegacyApi, WithoutATokenAnswersAsTheOldServiceDid) {
  for (const auto &[path, body] :
       {std::pair{"/api/ipu", R"({"status":401,"message":"You're not authorized, bye"})"},
        std::pair{"/apiv2/ipu", R"({"status":401,"message":"unknown userid, bye"})"}}) {
    const HttpResult result = http_request(port, "GET", path, {}, {{"X-Access-Token", "nonsense"}});
    EXPECT_EQ(result.status, 401U);
    EXPECT_EQ(result.body, body) << path;
    EXPECT_EQ(http_request(port, "GET", path).body, body) << path << " without any token";
  }
  const HttpResult energy = http_request(port, "PUT", "/apiv2/e-energy", R"({"mid":21})",
                                         {{"Content-Type", "application/json"}});
  EXPECT_EQ(energy.status, 401U);
  EXPECT_EQ(energy.body, R"({"status":401,"message":"unknown userid, bye"})");
  EXPECT_EQ(nlohmann::json::parse(http_request(port, "GET", "/apiv2/").body)["description"],
            "Project EMON API version 2. Welcome");
  // Version 1 was retired: any path under it said so, with a 200 and no token.
  for (const char *path : {"/apiv1", "/apiv1/", "/apiv1/ipu", "/apiv1/a/b?c=d"}) {
    const HttpResult retired = http_request(port, "GET", path);
    EXPECT_EQ(retired.status, 200U) << path;
    EXPECT_EQ(retired.body,
              R"({"description":"Project X API version 1. Please use API version 2"})")
        << path;
  }
}

// Browser clients of the old service keep working: its endpoints answer a
// preflight and carry its CORS headers; JSON says its charset.
TEST_F(LegacyApi, ThePreflightAndTheAnswersCarryTheOldServicesCorsHeaders) {
  const HttpResult preflight = http_request(port, "OPTIONS", "/api/ipu", {},
                                            {{"Origin", "http://pimatic.local"},
                                             {"Access-Control-Request-Method", "GET"},
                                             {"Access-Control-Request-Headers", "x-access-token"}});
  EXPECT_EQ(preflight.status, 204U);
  EXPECT_EQ(preflight.headers.at("access-control-allow-origin"), "*");
  EXPECT_NE(preflight.headers.at("access-control-allow-headers").find("X-Access-Token"),
            std::string::npos);
  const HttpResult ipu = http_request(
      port, "GET", "/api/ipu", {}, {{"X-Access-Token", token}, {"Origin", "http://pimatic.local"}});
  ASSERT_EQ(ipu.status, 200U);
  EXPECT_EQ(ipu.headers.at("access-control-allow-origin"), "*");
  EXPECT_EQ(ipu.headers.at("content-type"), "application/json; charset=utf-8");
  const HttpResult meters =
      http_request(port, "GET", "/api/meters", {},
                   {{"X-Access-Token", token}, {"Origin", "http://pimatic.local"}});
  EXPECT_EQ(meters.headers.count("access-control-allow-origin"), 0U)
      << "the v1 API allows no origin unless http.cors_origins names it";
}

// Today's answer has no hours or minutes that have not happened (the old
// service answered only buckets with pulses); values are written without
// binary noise, whole numbers as whole numbers; an empty JSON body takes
// the defaults (mid 21, one day back) as the old service did, echoing them
// as the strings of its code.
TEST_F(LegacyApi, AnswersHoldOnlyWhatHappenedInTheOldNumberFormAndEmptyBodiesTakeDefaults) {
  const std::time_t now = std::time(nullptr);
  for (const char *path : {"/apiv2/e-energy", "/apiv2/e-power"}) {
    const HttpResult today = put(path, R"({"mid":21,"nrDaysBack":"0"})");
    ASSERT_EQ(today.status, 200U) << today.body;
    const auto answer = nlohmann::json::parse(today.body);
    for (const auto &value : answer["values"]) {
      EXPECT_LE(value["time"].get<std::int64_t>(), now) << path << ": a bucket from the future";
      const double figure = value["energy"].get<double>();
      EXPECT_GT(figure, 0.0) << path << ": a bucket without pulses";
      EXPECT_EQ(value["energy"].is_number_integer(), figure == std::floor(figure)) << value;
      EXPECT_NEAR(figure * 1000.0, std::round(figure * 1000.0), 1e-6) << "no binary noise";
    }
    const HttpResult empty = put(path, "");
    ASSERT_EQ(empty.status, 200U) << empty.body;
    const auto defaults = nlohmann::json::parse(empty.body);
    EXPECT_EQ(defaults["mid"], "21");
    EXPECT_EQ(defaults["nrDayBacks"], "1");
    EXPECT_EQ(defaults["values"],
              nlohmann::json::parse(put(path, R"({"mid":21,"nrDaysBack":1})").body)["values"]);
  }
}

// The old service read `req.body.nrDaysBack || 1`: a JSON 0 is false to
// JavaScript, so it answered yesterday and echoed "1"; the string "0" is
// not, so it answered today. Fields are echoed with the type they came in.
TEST_F(LegacyApi, NrDaysBackZeroAndTheEchoedTypesAreTheOldServices) {
  for (const char *path : {"/apiv2/e-energy", "/apiv2/e-power"}) {
    const auto answer = [&](const std::string &body) {
      const HttpResult result = put(path, body);
      EXPECT_EQ(result.status, 200U) << body << ": " << result.body;
      return nlohmann::json::parse(result.body);
    };
    const auto zero = answer(R"({"mid":21,"nrDaysBack":0})");
    const auto yesterday = answer(R"({"mid":21,"nrDaysBack":1})");
    const auto today = answer(R"({"mid":"21","nrDaysBack":"0"})");
    EXPECT_EQ(zero["nrDayBacks"], "1") << path;
    EXPECT_EQ(zero["mid"], 21) << path;
    EXPECT_EQ(zero["values"], yesterday["values"]) << path << ": a JSON 0 is yesterday";
    EXPECT_EQ(yesterday["nrDayBacks"], 1) << path;
    EXPECT_EQ(today["mid"], "21") << path;
    EXPECT_EQ(today["nrDayBacks"], "0") << path;
    ASSERT_FALSE(yesterday["values"].empty());
    if (!today["values"].empty()) {
      EXPECT_GT(today["values"][0]["time"].get<std::int64_t>(),
                yesterday["values"][0]["time"].get<std::int64_t>())
          << path << ": the string \"0\" is today";
    }
    const auto null_days = answer(R"({"mid":21,"nrDaysBack":null})");
    EXPECT_EQ(null_days["nrDayBacks"], "1") << path;
  }
}

TEST_F(LegacyApi, EnergyIsWattHoursPerHourFromTheMetersRealPulsesPerUnit) {
  const HttpResult result = put("/apiv2/e-energy", R"({"mid":21,"nrDaysBack":1})");
  ASSERT_EQ(result.status, 200U) << result.body;
  const auto body = nlohmann::json::parse(result.body);
  EXPECT_EQ(body["mid"], 21);
  EXPECT_EQ(body["unit"], "Wh");
  EXPECT_EQ(body["nrDayBacks"], 1);
  ASSERT_EQ(body["values"].size(), 24U);
  const std::int64_t day_start = body["values"][0]["time"];
  EXPECT_EQ(day_start % 86400, 0) << "the UTC day";
  double watt_hours = 0.0;
  for (const auto &value : body["values"]) {
    EXPECT_TRUE(value["time"].is_number_integer());
    watt_hours += value["energy"].get<double>();
  }
  // Cross-check with the v1 energy endpoint over the same day: 10000 pulses
  // make a kWh, so Wh = pulses / 10.
  const HttpResult v1 =
      http_request(port, "GET",
                   "/api/meters/21/energy?bucket=day&tz=UTC&from=" + std::to_string(day_start) +
                       "&to=" + std::to_string(day_start + 86400),
                   {}, {{"X-Access-Token", token}});
  ASSERT_EQ(v1.status, 200U) << v1.body;
  const auto day = nlohmann::json::parse(v1.body)[0];
  EXPECT_GT(day["pulses"].get<std::int64_t>(), 10'000);
  EXPECT_NEAR(watt_hours, day["pulses"].get<double>() / 10.0, 1e-6);
}

TEST_F(LegacyApi, PowerIsWattsPerMinuteAndFormBodiesWork) {
  const HttpResult result =
      put("/apiv2/e-power", "mid=21&nrDaysBack=2", "application/x-www-form-urlencoded");
  ASSERT_EQ(result.status, 200U) << result.body;
  const auto body = nlohmann::json::parse(result.body);
  EXPECT_EQ(body["unit"], "W");
  EXPECT_EQ(body["mid"], "21") << "a form field is text, echoed as the old service echoed it";
  EXPECT_EQ(body["nrDayBacks"], "2");
  ASSERT_EQ(body["values"].size(), 1440U);
  double highest = 0.0;
  for (const auto &value : body["values"]) {
    highest = std::max(highest, value["energy"].get<double>());
  }
  EXPECT_GT(highest, 1000.0) << "a kettle or an oven ran that day";
}

// Not a legacy endpoint, but this fixture has days of pulses to stream.
TEST_F(LegacyApi, PulsesStreamAsJsonOrCsvAndMatchTheEnergyCounts) {
  const Headers auth{{"X-Access-Token", token}};
  const std::string range = "from=" + std::to_string(std::time(nullptr) - 4 * 86400) +
                            "&to=" + std::to_string(std::time(nullptr));
  const HttpResult energy =
      http_request(port, "GET", "/api/meters/21/energy?bucket=day&" + range, {}, auth);
  ASSERT_EQ(energy.status, 200U) << energy.body;
  std::int64_t expected = 0;
  for (const auto &row : nlohmann::json::parse(energy.body)) {
    expected += row["pulses"].get<std::int64_t>();
  }
  ASSERT_GT(expected, 20'000) << "more than two pages of 10 000";

  const HttpResult json = http_request(port, "GET", "/api/meters/21/pulses?" + range, {}, auth);
  ASSERT_EQ(json.status, 200U);
  EXPECT_EQ(json.headers.at("transfer-encoding"), "chunked");
  const auto pulses = nlohmann::json::parse(json.body);
  ASSERT_EQ(static_cast<std::int64_t>(pulses.size()), expected);
  EXPECT_LT(pulses[0].get<std::string>(), pulses[1].get<std::string>()) << "oldest first";

  Headers csv_headers = auth;
  csv_headers["Accept"] = "text/csv";
  const HttpResult csv =
      http_request(port, "GET", "/api/meters/21/pulses?" + range, {}, csv_headers);
  ASSERT_EQ(csv.status, 200U);
  EXPECT_EQ(csv.headers.at("content-type"), "text/csv");
  EXPECT_EQ(csv.body.rfind("time\n", 0), 0U);
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), expected + 1);
  EXPECT_EQ(http_request(port, "GET", "/api/meters/22/pulses", {}, auth).status, 404U);
}

TEST_F(LegacyApi, InjectionStringsAreRefusedAndChangeNothing) {
  const HttpResult before = http_request(port, "GET", "/api/ipu", {}, {{"X-Access-Token", token}});
  for (const std::string &body :
       {std::string(R"({"mid":"21 OR 1=1"})"), std::string(R"({"mid":"21; DROP TABLE pulses"})"),
        std::string(R"({"mid":21,"nrDaysBack":"1) UNION SELECT * FROM users --"})"),
        std::string(R"({"mid":[21]})"), std::string("not json")}) {
    const HttpResult result = put("/apiv2/e-energy", body);
    EXPECT_EQ(result.status, 400U) << body << " " << result.body;
  }
  EXPECT_EQ(put("/apiv2/e-energy", R"({"mid":999})").status, 404U);
  EXPECT_EQ(
      put("/apiv2/e-energy", "mid=21%27%20OR%20%271%27=%271", "application/x-www-form-urlencoded")
          .status,
      400U);
  EXPECT_EQ(http_request(port, "GET", "/api/ipu", {}, {{"X-Access-Token", token}}).body,
            before.body)
      << "the meters are untouched";
}

} // namespace
} // namespace pulsemon

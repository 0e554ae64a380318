// What the dashboard's settings use, against a real `pulsemon serve`:
// users, device keys, meter readings and calorific values over the API,
// with the roles that may do each and errors that name the field.
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace pulsemon {
namespace {

using testing::http_request;
using testing::HttpResult;
using Headers = std::map<std::string, std::string>;

class SettingsApi : public ::testing::Test {
protected:
  testing::TempDir dir;
  std::unique_ptr<testing::Background> serve;
  unsigned short port = 0;
  std::string admin;

  void SetUp() override {
    const std::string password = testing::init_data_folder(dir / "data", false);
    const auto config = dir / "data/pulsemon.toml";
    for (const auto &[id, kind] : {std::pair{"1", "electricity"}, {"2", "gas"}}) {
      ASSERT_EQ(testing::run(testing::pulsemon_binary(),
                             {"-c", config.string(), "meter", "add", "--id", id, "--name",
                              std::string("Meter ") + id, "--kind", kind, "--ppu", "100"})
                    .exit_code,
                0);
    }
    auto daemon = testing::start_daemon(config);
    serve = std::move(daemon.process);
    port = daemon.port;
    admin = token("admin", password);
  }

  [[nodiscard]] std::string token(const std::string &user, const std::string &password) const {
    const HttpResult result =
        http_request(port, "POST", "/api/login",
                     nlohmann::json{{"username", user}, {"password", password}}.dump(),
                     {{"Content-Type", "application/json"}});
    EXPECT_EQ(result.status, 200U) << result.body;
    return result.status == 200 ? nlohmann::json::parse(result.body)["token"].get<std::string>()
                                : std::string();
  }

  HttpResult call(const std::string &method, const std::string &target, const std::string &as,
                  const nlohmann::json &body = nullptr) const {
    return http_request(port, method, target, body.is_null() ? std::string() : body.dump(),
                        {{"Authorization", "Bearer " + as}, {"Content-Type", "application/json"}});
  }

  static std::string message(const HttpResult &result) {
    return nlohmann::json::parse(result.body)["error"]["message"].get<std::string>();
  }
};

TEST_F(SettingsApi, AnAdminManagesUsersAndTheirRolesHold) {
  HttpResult added = call("POST", "/api/users", admin,
                          {{"username", "dora"}, {"password", "dora-pass-1"}, {"role", "user"}});
  ASSERT_EQ(added.status, 201U) << added.body;
  EXPECT_EQ(nlohmann::json::parse(added.body)["role"], "user");
  const std::string dora = token("dora", "dora-pass-1");

  const auto users = nlohmann::json::parse(call("GET", "/api/users", admin).body);
  ASSERT_EQ(users.size(), 2U);
  EXPECT_EQ(users[1]["name"], "dora");
  EXPECT_EQ(users[1].count("password_hash"), 0U) << "no hash ever leaves the store";

  EXPECT_EQ(call("GET", "/api/users", dora).status, 403U) << "a user is not an admin";
  EXPECT_EQ(call("POST", "/api/users", dora, {{"username", "x"}, {"password", "12345678"}}).status,
            403U);

  const HttpResult short_password =
      call("POST", "/api/users", admin, {{"username", "eve"}, {"password", "short"}});
  EXPECT_EQ(short_password.status, 400U);
  EXPECT_EQ(message(short_password).rfind("password:", 0), 0U) << message(short_password);
  const HttpResult bad_role =
      call("POST", "/api/users", admin,
           {{"username", "eve"}, {"password", "long-enough"}, {"role", "root"}});
  EXPECT_EQ(bad_role.status, 400U) << bad_role.body;
  const HttpResult twice =
      call("POST", "/api/users", admin, {{"username", "dora"}, {"password", "another-one"}});
  EXPECT_EQ(twice.status, 409U);
  EXPECT_EQ(message(twice).rfind("username:", 0), 0U);

  ASSERT_EQ(call("PUT", "/api/users/dora", admin, {{"password", "dora-pass-2"}}).status, 200U);
  EXPECT_EQ(call("GET", "/api/meters", dora).status, 401U) << "a new password ends old tokens";
  const std::string dora_again = token("dora", "dora-pass-2");
  ASSERT_EQ(call("DELETE", "/api/users/dora", admin).status, 200U);
  EXPECT_EQ(call("GET", "/api/meters", dora_again).status, 401U);
  EXPECT_EQ(call("DELETE", "/api/users/admin", admin).status, 400U)
      << "an admin cannot delete themself (and with it the last admin)";
  EXPECT_EQ(call("PUT", "/api/users/nobody", admin, {{"password", "long-enough"}}).status, 404U);
}

TEST_F(SettingsApi, TheHouseholdDescribesItselfAndEveryBadFieldIsNamed) {
  const auto empty = nlohmann::json::parse(call("GET", "/api/household", admin).body);
  EXPECT_TRUE(empty["people"].is_null());
  EXPECT_EQ(empty["currency"], "EUR");
  EXPECT_EQ(empty["billing_day"], 1);
  const HttpResult said = call("PUT", "/api/household", admin,
                               {{"people", 3}, {"floor_area_m2", 82.5}, {"heating", "heat_pump"}});
  ASSERT_EQ(said.status, 200U) << said.body;
  const auto kept = nlohmann::json::parse(call("GET", "/api/household", admin).body);
  EXPECT_EQ(kept["people"], 3);
  EXPECT_EQ(kept["floor_area_m2"], 82.5);
  EXPECT_EQ(kept["heating"], "heat_pump");

  for (const auto &[body, field] : std::vector<std::pair<nlohmann::json, std::string>>{
           {{{"people", 0}}, "people:"},
           {{{"people", 2.5}}, "people:"},
           {{{"people", "three"}}, "people:"},
           {{{"floor_area_m2", -1}}, "floor_area_m2:"},
           {{{"floor_area_m2", 1e300}}, "floor_area_m2:"},
           {{{"heating", "<script>"}}, "heating:"},
           {{{"currency", "USD"}}, "currency:"},
           {{{"rooms", 4}}, "rooms:"}}) {
    const HttpResult refused = call("PUT", "/api/household", admin, body);
    EXPECT_EQ(refused.status, 400U) << body.dump();
    EXPECT_EQ(message(refused).rfind(field, 0), 0U) << message(refused);
  }
  EXPECT_EQ(nlohmann::json::parse(call("GET", "/api/household", admin).body), kept)
      << "a refused change leaves what was said";
  ASSERT_EQ(call("PUT", "/api/household", admin, {{"people", nullptr}}).status, 200U);
  EXPECT_TRUE(nlohmann::json::parse(call("GET", "/api/household", admin).body)["people"].is_null());
  EXPECT_EQ(http_request(port, "GET", "/api/household").status, 401U);
}

TEST_F(SettingsApi, ADeviceKeyIsShownOnceWorksAndCanBeRevoked) {
  const HttpResult made = call("POST", "/api/keys", admin, {{"meters", {1}}, {"name", "hall"}});
  ASSERT_EQ(made.status, 201U) << made.body;
  const auto key = nlohmann::json::parse(made.body);
  const std::string text = key["key"];
  EXPECT_EQ(text.rfind("pmk_", 0), 0U);
  const auto listed = nlohmann::json::parse(call("GET", "/api/keys", admin).body);
  ASSERT_EQ(listed.size(), 1U);
  EXPECT_EQ(listed[0].count("key"), 0U) << "the key itself is never listed";
  EXPECT_EQ(listed[0]["meters"], nlohmann::json::array({1}));

  const nlohmann::json batch{{"node", "hall"},
                             {"boot", 1},
                             {"seq", 1},
                             {"meter", 1},
                             {"pulses", {1'767'225'600'000'000LL}}};
  EXPECT_EQ(call("POST", "/api/ingest", text, batch).status, 200U);
  ASSERT_EQ(call("DELETE", "/api/keys/" + std::to_string(key["id"].get<int>()), admin).status,
            200U);
  EXPECT_EQ(call("POST", "/api/ingest", text, batch).status, 401U) << "revoked";

  const HttpResult no_meters =
      call("POST", "/api/keys", admin, {{"meters", nlohmann::json::array()}});
  EXPECT_EQ(no_meters.status, 400U);
  EXPECT_EQ(message(no_meters).rfind("meters:", 0), 0U);
  EXPECT_EQ(call("POST", "/api/keys", admin, {{"meters", {99}}}).status, 404U) << "no meter 99";
  EXPECT_EQ(call("DELETE", "/api/keys/99", admin).status, 404U);
}

TEST_F(SettingsApi, ReadingsAndCalorificValuesAreRecordedAndChecked) {
  const HttpResult reading = call("POST", "/api/meters/1/readings", admin, {{"value", 12345.6}});
  ASSERT_EQ(reading.status, 201U) << reading.body;
  EXPECT_NEAR(nlohmann::json::parse(reading.body)["register"].get<double>(), 12345.6, 1e-6);
  const auto meter = nlohmann::json::parse(call("GET", "/api/meters/1", admin).body);
  EXPECT_NEAR(meter["register"].get<double>(), 12345.6, 1e-6);

  const HttpResult bad_value = call("POST", "/api/meters/1/readings", admin, {{"value", "lots"}});
  EXPECT_EQ(bad_value.status, 400U);
  EXPECT_EQ(message(bad_value).rfind("value:", 0), 0U);
  const HttpResult bad_time =
      call("POST", "/api/meters/1/readings", admin, {{"value", 1}, {"at", "yesterday-ish"}});
  EXPECT_EQ(bad_time.status, 400U);
  EXPECT_EQ(message(bad_time).rfind("at:", 0), 0U) << message(bad_time);
  EXPECT_EQ(call("POST", "/api/meters/9/readings", admin, {{"value", 1}}).status, 404U);

  const HttpResult cv =
      call("POST", "/api/meters/2/calorific", admin, {{"mj_per_m3", 39.2}, {"from", "2026-01-01"}});
  ASSERT_EQ(cv.status, 201U) << cv.body;
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(cv.body)["correction"].get<double>(), 1.02264);
  const HttpResult too_high = call("POST", "/api/meters/2/calorific", admin, {{"mj_per_m3", 1e9}});
  EXPECT_EQ(too_high.status, 400U);
  EXPECT_EQ(message(too_high).rfind("mj_per_m3:", 0), 0U);
  EXPECT_EQ(call("POST", "/api/meters/1/calorific", admin, {{"mj_per_m3", 39.2}}).status, 400U)
      << "meter 1 is not a gas meter";
}

} // namespace
} // namespace pulsemon

// What a share link opens, over every granularity and many windows, time
// zones and moments: never a figure finer than a day, never a day outside
// the window or one still running, never a meter that was not shared, and
// every period's value the pulses of exactly its days. The answers come
// from the real router over the in-memory store; the expectations are
// worked out here, independently, from the pulses the test made.
#include "api/api.h"
#include "auth/jwt.h"
#include "auth/secrets.h"
#include "clock/time_source.h"
#include "core/time_text.h"
#include "store/memory/memory_store.h"

#include <date/date.h>
#include <date/tz.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <random>
#include <regex>

namespace pulsemon {
namespace {

constexpr const char *secret_marker = "never-shared";

struct Case {
  std::string zone;
  std::string granularity;
  int window_days;
  UtcTime now;
};

class ShareProperty : public ::testing::Test {
protected:
  // Pulses every 37 to 4 000 s over the 500 days before `now`, for three
  // meters; meter 3 is never shared.
  void fill(UtcTime now, std::mt19937_64 &random) {
    for (const std::int64_t id : {1, 2, 3}) {
      Meter meter;
      meter.id = id;
      meter.name = id == 3 ? std::string(secret_marker) : "meter " + std::to_string(id);
      meter.location = id == 3 ? std::string(secret_marker) : "cellar";
      meter.kind = id == 2 ? MeterKind::gas : MeterKind::electricity;
      meter.unit = id == 2 ? "m³" : "kWh";
      meter.pulses_per_unit = id == 2 ? 100.0 : 1000.0;
      store.add_meter(meter, now - std::chrono::hours{24 * 500});
      std::uniform_int_distribution<std::int64_t> gap(37, 4000);
      std::vector<UtcTime> times;
      for (UtcTime t = now - std::chrono::hours{24 * 500}; t < now;
           t += std::chrono::seconds{gap(random)}) {
        times.push_back(t);
      }
      pulses[id] = times;
      store.commit(std::vector<PulseBatch>{PulseBatch{id, times, {}, {}}});
    }
    store.add_user(
        User{0, "ada", Role::admin, auth::hash_password("secret password"), 0, false, {}},
        now - std::chrono::hours{24 * 30});
  }

  std::string token(ApiContext &context, UtcTime now) {
    const std::int64_t issued =
        std::chrono::floor<std::chrono::seconds>(now).time_since_epoch().count();
    const User user = *store.find_user("ada");
    return auth::sign_token(
        {"ada", "admin", issued, issued + 3600, user.token_generation, std::nullopt},
        context.secret);
  }

  static http::Response call(http::Router &router, const std::string &method,
                             const std::string &path, const std::string &bearer,
                             const std::string &body = "") {
    http::Request request;
    request.method = method;
    request.path = path;
    request.remote_address = "127.0.0.1";
    if (!bearer.empty()) {
      request.headers["authorization"] = "Bearer " + bearer;
    }
    if (!body.empty()) {
      request.headers["content-type"] = "application/json";
      request.body = body;
    }
    return http::settle(router.handle(request));
  }

  // The pulses of meter `id` in the local days [first, last].
  std::int64_t pulses_in(std::int64_t id, const date::time_zone &zone, date::local_days first,
                         date::local_days last) {
    const UtcTime from{zone.to_sys(first, date::choose::earliest)};
    const UtcTime to{zone.to_sys(last + date::days{1}, date::choose::earliest)};
    const auto &times = pulses.at(id);
    return std::lower_bound(times.begin(), times.end(), to) -
           std::lower_bound(times.begin(), times.end(), from);
  }

  MemoryStore store;
  std::map<std::int64_t, std::vector<UtcTime>> pulses;
};

date::local_days parse_day(const std::string &text) {
  unsigned year = 0;
  unsigned month = 0;
  unsigned day = 0;
  EXPECT_EQ(std::sscanf(text.c_str(), "%4u-%2u-%2u", &year, &month, &day), 3) << text;
  const date::year_month_day date{date::year{static_cast<int>(year)}, date::month{month},
                                  date::day{day}};
  EXPECT_TRUE(date.ok()) << text;
  return date::local_days{date};
}

TEST_F(ShareProperty, NoFigureFinerThanADayNoDayOutsideTheWindowNoMeterNotShared) {
  std::mt19937_64 random(20261206);
  const UtcTime base = utc_from_epoch_us(1'796'000'000'000'000); // 2026-11-28
  fill(base, random);
  std::vector<Case> cases;
  std::uniform_int_distribution<std::int64_t> minute_of_days(0, 3 * 24 * 60);
  for (const std::string zone :
       {"UTC", "Europe/Amsterdam", "Pacific/Auckland", "America/Halifax"}) {
    for (const std::string granularity : {"day", "week", "month"}) {
      for (const int window : {1, 2, 6, 7, 8, 13, 27, 28, 31, 32, 60, 92, 365, 366, 400}) {
        // Moments up to three days before the pulses end: some periods
        // then end after `now`, which a share must never show.
        cases.push_back(
            Case{zone, granularity, window, base - std::chrono::minutes{minute_of_days(random)}});
      }
    }
  }
  int periods_seen = 0;
  for (const Case &c : cases) {
    const std::string what = c.zone + " " + c.granularity + " " + std::to_string(c.window_days) +
                             " days at " + format_utc(c.now);
    SimulatedTime time(c.now);
    ApiSettings settings;
    settings.zone = c.zone;
    settings.share_requests_per_minute = 1000;
    ApiContext context{store, std::string(32, 'k'), settings, {}, {}};
    context.time = &time;
    http::Router router = make_router(context);
    const nlohmann::json made =
        nlohmann::json::parse(call(router, "POST", "/api/shares", token(context, c.now),
                                   nlohmann::json{{"label", "friends"},
                                                  {"meters", {1, 2}},
                                                  {"granularity", c.granularity},
                                                  {"window_days", c.window_days}}
                                       .dump())
                                  .body);
    ASSERT_TRUE(made.contains("token")) << what << ": " << made.dump();
    const http::Response answer =
        call(router, "GET", "/api/share/" + made["token"].get<std::string>(), "");
    ASSERT_EQ(answer.status, 200U) << what << ": " << answer.body;
    EXPECT_EQ(answer.body.find(secret_marker), std::string::npos) << what;
    EXPECT_FALSE(std::regex_search(answer.body, std::regex("\\d{4}-\\d\\d-\\d\\dT")))
        << what << ": a time finer than a day";
    const nlohmann::json share = nlohmann::json::parse(answer.body);

    const date::time_zone &zone = *date::locate_zone(c.zone);
    const date::local_days today =
        date::floor<date::days>(zone.to_local(std::chrono::floor<std::chrono::seconds>(c.now)));
    const date::local_days window_first = today - date::days{c.window_days};
    const date::local_days window_last = today - date::days{1};
    EXPECT_EQ(parse_day(share["first_day"]), window_first) << what;
    EXPECT_EQ(parse_day(share["last_day"]), window_last) << what;
    ASSERT_EQ(share["meters"].size(), 2U) << what;
    for (std::size_t m = 0; m < 2; ++m) {
      const std::int64_t meter_id = static_cast<std::int64_t>(m) + 1;
      const nlohmann::json &meter = share["meters"][m];
      EXPECT_FALSE(meter.contains("name")) << what << ": names not chosen";
      EXPECT_FALSE(meter.contains("id")) << what;
      std::optional<date::local_days> previous_last;
      for (const nlohmann::json &period : meter["periods"]) {
        ++periods_seen;
        const date::local_days first = parse_day(period["first_day"]);
        const date::local_days last = parse_day(period["last_day"]);
        EXPECT_GE(first, window_first) << what << ": " << period.dump();
        EXPECT_LE(last, window_last) << what << ": " << period.dump();
        if (previous_last) {
          EXPECT_EQ(first, *previous_last + date::days{1}) << what << ": periods follow on";
        }
        previous_last = last;
        const date::year_month_day first_date{first};
        const date::year_month_day after_last{last + date::days{1}};
        if (c.granularity == "day") {
          EXPECT_EQ(first, last) << what;
        } else if (c.granularity == "week") {
          EXPECT_EQ(last - first, date::days{6}) << what;
          EXPECT_EQ(date::weekday{first}, date::Monday) << what;
        } else {
          EXPECT_EQ(first_date.day(), date::day{1}) << what;
          EXPECT_EQ(after_last.day(), date::day{1}) << what << ": a whole month";
        }
        const double ppu = meter_id == 2 ? 100.0 : 1000.0;
        EXPECT_NEAR(period["value"].get<double>(),
                    static_cast<double>(pulses_in(meter_id, zone, first, last)) / ppu, 0.0006)
            << what << ": " << period.dump();
      }
      // Every whole period of the window is there (the meters counted
      // through all of it).
      if (c.granularity == "day") {
        EXPECT_EQ(meter["periods"].size(), static_cast<std::size_t>(c.window_days)) << what;
      }
    }
    // (A site keeps at most 100 open links.)
    ASSERT_EQ(call(router, "DELETE", "/api/shares/" + std::to_string(made["id"].get<int>()),
                   token(context, c.now))
                  .status,
              200U);
    EXPECT_EQ(call(router, "GET", "/api/share/" + made["token"].get<std::string>(), "").status,
              404U)
        << what << ": revoked";
  }
  EXPECT_GT(periods_seen, 10'000);
}

TEST_F(ShareProperty, AMeterMovedToAnotherSiteIsNoLongerShared) {
  std::mt19937_64 random(7);
  const UtcTime now = utc_from_epoch_us(1'796'000'000'000'000);
  fill(now, random);
  SimulatedTime time(now);
  ApiContext context{store, std::string(32, 'k'), ApiSettings{}, {}, {}};
  context.time = &time;
  http::Router router = make_router(context);
  const nlohmann::json made = nlohmann::json::parse(
      call(router, "POST", "/api/shares", token(context, now),
           nlohmann::json{{"label", "friends"}, {"meters", {1, 2}}, {"show_names", true}}.dump())
          .body);
  const Site flat = store.add_site("flat", now);
  Meter moved = store.meter(2);
  moved.site_id = flat.id;
  store.update_meter(moved);
  const http::Response answer =
      call(router, "GET", "/api/share/" + made["token"].get<std::string>(), "");
  ASSERT_EQ(answer.status, 200U) << answer.body;
  const nlohmann::json share = nlohmann::json::parse(answer.body);
  ASSERT_EQ(share["meters"].size(), 1U) << answer.body;
  EXPECT_EQ(share["meters"][0]["name"], "meter 1");
}

} // namespace
} // namespace pulsemon

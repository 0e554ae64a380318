// The API's read cache on a real SQLite file: it keeps what it read only
// while the database is unchanged — whichever connection or process
// changed it — and GET /api/meters answers from it.
#include "api/api.h"
#include "auth/jwt.h"
#include "core/time_text.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace pulsemon {
namespace {

constexpr std::int64_t second = 1'000'000;
const UtcTime start = utc_from_epoch_us(1'780'000'000 * second);

Meter electricity(std::int64_t id) {
  Meter meter;
  meter.id = id;
  meter.name = "meter " + std::to_string(id);
  meter.pulses_per_unit = 1000.0;
  return meter;
}

void store_pulses(SqliteStore &store, std::int64_t meter_id, std::vector<UtcTime> pulses) {
  const std::vector<PulseBatch> batches{PulseBatch{meter_id, std::move(pulses), {}, {}}};
  store.commit(batches);
}

class ReadCacheTest : public ::testing::Test {
protected:
  testing::TempDir dir;
  SqliteStore own{dir / "pulsemon.db", StoreOptions{Durability::full, true}};
  SqliteStore other{dir / "pulsemon.db", StoreOptions{Durability::full, false}};
  ReadCache cache{own};

  // Adds the viewer "vic" and signs a token for them with the API's secret.
  std::string add_viewer_and_token(const ApiContext &context) {
    own.add_user(User{0, "vic", Role::viewer, "hash", 0, false}, start);
    const std::int64_t issued =
        std::chrono::floor<std::chrono::seconds>(real_time().wall_now()).time_since_epoch().count();
    return auth::sign_token(auth::TokenClaims{"vic", "viewer", issued, issued + 3600,
                                              own.find_user("vic")->token_generation, std::nullopt},
                            context.secret);
  }
};

TEST_F(ReadCacheTest, KeepsWhatItReadWhileNothingChanges) {
  own.add_meter(electricity(1), start);
  cache.refresh();
  ASSERT_EQ(cache.meters(start).size(), 1U);
  const MeterFacts *first = &cache.meters(start).front();
  const auto generation = cache.generation();
  cache.refresh();
  EXPECT_EQ(cache.generation(), generation);
  EXPECT_EQ(&cache.meters(start).front(), first) << "read again although nothing changed";
}

TEST_F(ReadCacheTest, SeesACommitOfAnotherConnection) {
  own.add_meter(electricity(1), start);
  cache.refresh();
  EXPECT_EQ(cache.meters(start).front().stats.pulses, 0);
  store_pulses(other, 1, {start + Micros{second}, start + Micros{2 * second}});
  cache.refresh();
  const MeterFacts &facts = cache.meter(1, start + Micros{3 * second});
  EXPECT_EQ(facts.stats.pulses, 2);
  EXPECT_EQ(facts.last_pulses.size(), 2U);
  other.add_meter(electricity(2), start);
  cache.refresh();
  EXPECT_EQ(cache.meters(start).size(), 2U);
}

TEST_F(ReadCacheTest, SeesAChangeMadeThroughItsOwnConnection) {
  own.add_meter(electricity(1), start);
  cache.refresh();
  EXPECT_EQ(cache.meter(1, start).meter.name, "meter 1");
  Meter renamed = electricity(1);
  renamed.name = "hall";
  own.update_meter(renamed);
  cache.refresh();
  EXPECT_EQ(cache.meter(1, start).meter.name, "hall");
}

TEST_F(ReadCacheTest, AUserDeletedOrGivenANewPasswordElsewhereIsSeenAtOnce) {
  own.add_user(User{0, "vic", Role::viewer, "hash", 0, false}, start);
  cache.refresh();
  ASSERT_TRUE(cache.find_user("vic"));
  const auto generation = cache.find_user("vic")->token_generation;
  other.set_password("vic", "new hash");
  cache.refresh();
  ASSERT_TRUE(cache.find_user("vic"));
  EXPECT_GT(cache.find_user("vic")->token_generation, generation);
  other.add_user(User{0, "ada", Role::admin, "hash", 0, false}, start);
  other.delete_user("vic");
  cache.refresh();
  EXPECT_FALSE(cache.find_user("vic"));
}

TEST_F(ReadCacheTest, ARegisterReadingAheadOfTheClockCountsFromItsTimeOn) {
  own.add_meter(electricity(1), start);
  store_pulses(own, 1, {start + Micros{second}});
  own.add_register_record(1, {start + Micros{10 * second}, 500.0, false});
  cache.refresh();
  const UtcTime before = start + Micros{5 * second};
  const MeterFacts &facts = cache.meter(1, before);
  EXPECT_FALSE(facts.state_if_settled(start + Micros{20 * second}))
      << "the reading lies between the time read and the time asked";
  EXPECT_EQ(cache.register_state(facts, start + Micros{20 * second}).register_value, 500.0);
  EXPECT_EQ(cache.register_state(facts, before).register_value,
            own.register_state(1, before).register_value);
}

TEST_F(ReadCacheTest, TheMeterListAnswersWithTheDatabaseAsItIsNow) {
  own.add_meter(electricity(1), start);
  ApiContext context{own, std::string(32, 'k'), ApiSettings{}, {}, {}};
  const http::Router router = make_router(context);
  const std::string token = add_viewer_and_token(context);
  const auto meters = [&] {
    http::Request request;
    request.method = "GET";
    request.path = "/api/meters";
    request.headers["authorization"] = "Bearer " + token;
    const http::Response response = router.handle(request);
    EXPECT_EQ(response.status, 200U) << response.body;
    return nlohmann::json::parse(response.body);
  };
  EXPECT_EQ(meters()[0]["pulses"], 0);
  EXPECT_EQ(meters()[0]["pulses"], 0);
  store_pulses(other, 1, {start + Micros{second}, start + Micros{2 * second}});
  const auto after = meters();
  EXPECT_EQ(after[0]["pulses"], 2);
  EXPECT_EQ(after[0]["power"], 0.0) << "both pulses are long past the power timeout";
  other.delete_user("vic");
  http::Request request;
  request.method = "GET";
  request.path = "/api/meters";
  request.headers["authorization"] = "Bearer " + token;
  EXPECT_EQ(router.handle(request).status, 401U) << "the token of a user deleted elsewhere";
}

TEST_F(ReadCacheTest, AKeptEnergyAnswerLastsOnlyWhileTheDatabaseIsUnchanged) {
  own.add_meter(electricity(1), start);
  ApiContext context{own, std::string(32, 'k'), ApiSettings{}, {}, {}};
  const http::Router router = make_router(context);
  const std::string token = add_viewer_and_token(context);
  const auto pulses_of_the_day = [&](const std::string &meter) {
    http::Request request;
    request.method = "GET";
    request.path = "/api/meters/" + meter + "/energy";
    request.query = {{"bucket", "day"},
                     {"from", format_utc(start)},
                     {"to", format_utc(start + Micros{86'400 * second})},
                     {"tz", "UTC"}};
    request.headers["authorization"] = "Bearer " + token;
    const http::Response response = router.handle(request);
    return std::make_pair(response.status, response.body);
  };
  ASSERT_EQ(pulses_of_the_day("1").first, 200U);
  EXPECT_EQ(nlohmann::json::parse(pulses_of_the_day("1").second)[0]["pulses"], 0);
  store_pulses(other, 1, {start + Micros{second}, start + Micros{2 * second}});
  EXPECT_EQ(nlohmann::json::parse(pulses_of_the_day("1").second)[0]["pulses"], 2)
      << "another connection's commit";
  store_pulses(own, 1, {start + Micros{3 * second}});
  EXPECT_EQ(nlohmann::json::parse(pulses_of_the_day("1").second)[0]["pulses"], 3)
      << "a commit through the API's own connection";
  Meter priced = electricity(1);
  priced.tariff = "0.5";
  own.update_meter(priced);
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(pulses_of_the_day("1").second)[0]["cost"].get<double>(),
                   0.0015)
      << "a new tariff";
  EXPECT_EQ(pulses_of_the_day("2").first, 404U) << "no answer is kept for a meter that is not";
}

} // namespace
} // namespace pulsemon

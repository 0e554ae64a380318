// Two handles on one store, racing as two threads of the daemon, the
// daemon and a CLI command, or two instances on one PostgreSQL do: the
// store's rules hold whoever comes first. Each pair starts together at a
// barrier and runs many rounds. Every backend: a SQLite file, a memory:
// store shared by its handles, a database on a real PostgreSQL 15.
#include "ingest/node_batches.h"
#include "store/open_store.h"
#include "support/key_hash.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <barrier>
#include <thread>

namespace pulsemon {
namespace {

const UtcTime now = utc_from_epoch_us(1'780'000'000'000'000);

// What one attempt came to: done, or the Failure's code.
struct Attempt {
  bool done = false;
  std::optional<ErrorCode> refused;
  std::string message;
};

Attempt attempt(const std::function<void()> &work) {
  try {
    work();
    return {true, std::nullopt, {}};
  } catch (const Failure &failure) {
    return {false, failure.code(), failure.message()};
  }
}

class StoreRace : public ::testing::TestWithParam<StoreKind> {
protected:
  void SetUp() override {
    static int memory_stores = 0;
    switch (GetParam()) {
    case StoreKind::sqlite:
      url = StoreUrl{StoreKind::sqlite, (dir / "pulsemon.db").string()};
      break;
    case StoreKind::memory:
      url = StoreUrl{StoreKind::memory, "race" + std::to_string(++memory_stores)};
      break;
    case StoreKind::postgresql: {
      std::string why;
      testing::PostgresServer *server = testing::shared_postgres(why);
      if (server == nullptr) {
        const char *required = std::getenv("PULSEMON_REQUIRE_POSTGRES");
        if (required != nullptr && std::string(required) == "1") {
          FAIL() << "PostgreSQL is required here but cannot start: " << why;
        }
        GTEST_SKIP() << "PostgreSQL cannot start here: " << why;
      }
      url = StoreUrl{StoreKind::postgresql, server->new_database_url()};
      break;
    }
    }
    (void)open_store(url, StoreOptions{Durability::normal, true});
  }

  [[nodiscard]] std::unique_ptr<Store> handle() const {
    return open_store(url, StoreOptions{Durability::normal, false});
  }

  // Runs first(a) and second(b) at once on two handles, `rounds` times.
  void race(int rounds, const std::function<Attempt(Store &, int)> &first,
            const std::function<Attempt(Store &, int)> &second,
            const std::function<void(int, const Attempt &, const Attempt &)> &check) const;

  testing::TempDir dir;
  StoreUrl url;
};

void StoreRace::race(
    int rounds, const std::function<Attempt(Store &, int)> &first,
    const std::function<Attempt(Store &, int)> &second,
    const std::function<void(int, const Attempt &, const Attempt &)> &check) const {
  const std::unique_ptr<Store> handle_a = handle();
  const std::unique_ptr<Store> handle_b = handle();
  Store &a = *handle_a;
  Store &b = *handle_b;
  for (int round = 0; round < rounds; ++round) {
    std::barrier start(2);
    Attempt by_a;
    Attempt by_b;
    std::thread other([&] {
      start.arrive_and_wait();
      by_b = second(b, round);
    });
    start.arrive_and_wait();
    by_a = first(a, round);
    other.join();
    check(round, by_a, by_b);
  }
}

Meter meter(std::int64_t id) {
  Meter m;
  m.id = id;
  m.name = "meter " + std::to_string(id);
  return m;
}

TEST_P(StoreRace, TwoHandlesAddingOneMeterIdStoreItOnceAndTellTheOtherItExists) {
  const auto add = [](Store &store, int round) {
    return attempt([&] { store.add_meter(meter(round + 1), now); });
  };
  race(200, add, add, [](int round, const Attempt &a, const Attempt &b) {
    EXPECT_NE(a.done, b.done) << "round " << round << ": exactly one adds the meter";
    const Attempt &loser = a.done ? b : a;
    EXPECT_EQ(loser.refused, ErrorCode::already_exists)
        << "round " << round << ": " << loser.message;
    EXPECT_EQ(loser.message.rfind("id: meter", 0), 0U)
        << "round " << round << ": the message names the field: " << loser.message;
  });
  EXPECT_EQ(handle()->meters().size(), 200U);
}

TEST_P(StoreRace, TwoAdminsDeletingEachOtherLeaveOneAdmin) {
  const auto name = [](const char *who, int round) { return who + std::to_string(round); };
  {
    const auto opened = handle();
    Store &setup = *opened;
    for (int round = 0; round < 30; ++round) {
      // Each round has its own pair; the pairs of earlier rounds are gone
      // or hold one admin, so each round starts with two more.
      setup.add_user(User{0, name("ada", round), Role::admin, "h", 0, false, {}}, now);
      setup.add_user(User{0, name("bob", round), Role::admin, "h", 0, false, {}}, now);
    }
    // Only the pair of the round being played may be admins: the others
    // become users, so that "the last admin" is decided by the pair.
    for (int round = 1; round < 30; ++round) {
      setup.set_role(name("ada", round), Role::user);
      setup.set_role(name("bob", round), Role::user);
    }
  }
  race(
      30,
      [&](Store &store, int round) {
        return attempt([&] { store.delete_user(name("bob", round)); });
      },
      [&](Store &store, int round) {
        return attempt([&] { store.delete_user(name("ada", round)); });
      },
      [&](int round, const Attempt &a, const Attempt &b) {
        EXPECT_NE(a.done, b.done) << "round " << round << ": exactly one is deleted";
        const Attempt &refused = a.done ? b : a;
        EXPECT_EQ(refused.refused, ErrorCode::invalid_argument)
            << "round " << round << ": " << refused.message;
        const auto opened = handle();
        Store &look = *opened;
        const auto users = look.users();
        const auto admins = std::count_if(users.begin(), users.end(),
                                          [](const User &u) { return u.role == Role::admin; });
        ASSERT_EQ(admins, 1) << "round " << round;
        // The survivor hands the role on to the next round's pair.
        if (round + 1 < 30) {
          look.set_role(name("ada", round + 1), Role::admin);
          look.set_role(name("bob", round + 1), Role::admin);
          const std::string survivor = a.done ? name("ada", round) : name("bob", round);
          look.set_role(survivor, Role::user);
        }
      });
}

// A node resends a batch whose answer it missed while the first upload is
// still being stored, through another handle (the HTTP ingest worker and
// MQTT ingest): the batch is stored once, the other says it was seen, and
// each batch's overflow is one gap.
TEST_P(StoreRace, ANodesBatchSentTwiceAtOnceIsStoredOnce) {
  std::int64_t key = 0;
  {
    const auto opened = handle();
    Store &setup = *opened;
    setup.add_meter(meter(1), now);
    key = setup.add_device_key("hall", {1}, now, testing::unused_key_hash);
  }
  const auto send = [&](Store &store, int round) {
    IngestBatch batch;
    batch.node = "hall";
    batch.boot = 1;
    batch.seq = round + 1;
    batch.key_id = key;
    batch.pulses = PulseBatch{
        1,
        {now + std::chrono::seconds{round * 10}, now + std::chrono::seconds{round * 10 + 5}},
        {},
        {}};
    batch.overflows = round + 1; // one more dropped pulse each batch
    batch.received = now + std::chrono::seconds{round * 10 + 6};
    Attempt result;
    IngestOutcome outcome;
    result = attempt([&] { outcome = store_node_batch(store, batch); });
    result.done = result.done && !outcome.duplicate_batch;
    if (outcome.duplicate_batch) {
      result.message = "seen";
    }
    return result;
  };
  race(60, send, send, [](int round, const Attempt &a, const Attempt &b) {
    EXPECT_FALSE(a.refused) << a.message;
    EXPECT_FALSE(b.refused) << b.message;
    EXPECT_NE(a.done, b.done) << "round " << round << ": stored by exactly one";
  });
  const auto check = handle();
  EXPECT_EQ(check->stats(1).pulses, 120);
  EXPECT_EQ(check->gaps(1, 1000).size(), 60U) << "one dropped pulse a batch: one gap each";
  EXPECT_EQ(check->nodes().front().last_seq, 60);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreRace,
                         ::testing::Values(StoreKind::sqlite, StoreKind::memory,
                                           StoreKind::postgresql),
                         [](const ::testing::TestParamInfo<StoreKind> &kind) {
                           return std::string(kind.param == StoreKind::sqlite   ? "sqlite"
                                              : kind.param == StoreKind::memory ? "memory"
                                                                                : "postgresql");
                         });

} // namespace
} // namespace pulsemon

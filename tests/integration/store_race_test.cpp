// Two handles on one SQLite file, racing as two threads of the daemon (or
// the daemon and a CLI command) do: the store's rules hold whoever comes
// first. Each pair starts together at a barrier and runs many rounds.
#include "ingest/node_batches.h"
#include "store/sqlite/sqlite_store.h"
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

// Runs first(a) and second(b) at once on two handles, `rounds` times.
void race(const std::filesystem::path &database, int rounds,
          const std::function<Attempt(Store &, int)> &first,
          const std::function<Attempt(Store &, int)> &second,
          const std::function<void(int, const Attempt &, const Attempt &)> &check) {
  SqliteStore a(database, StoreOptions{Durability::normal, false});
  SqliteStore b(database, StoreOptions{Durability::normal, false});
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

TEST(StoreRace, TwoHandlesAddingOneMeterIdStoreItOnceAndTellTheOtherItExists) {
  testing::TempDir dir;
  { SqliteStore create(dir / "pulsemon.db", StoreOptions{Durability::normal, true}); }
  const auto add = [](Store &store, int round) {
    return attempt([&] { store.add_meter(meter(round + 1), now); });
  };
  race(dir / "pulsemon.db", 200, add, add, [](int round, const Attempt &a, const Attempt &b) {
    EXPECT_NE(a.done, b.done) << "round " << round << ": exactly one adds the meter";
    const Attempt &loser = a.done ? b : a;
    EXPECT_EQ(loser.refused, ErrorCode::already_exists)
        << "round " << round << ": " << loser.message;
    EXPECT_EQ(loser.message.rfind("id: meter", 0), 0U)
        << "round " << round << ": the message names the field: " << loser.message;
  });
  SqliteStore check(dir / "pulsemon.db", StoreOptions{Durability::normal, false});
  EXPECT_EQ(check.meters().size(), 200U);
}

TEST(StoreRace, TwoAdminsDeletingEachOtherLeaveOneAdmin) {
  testing::TempDir dir;
  { SqliteStore create(dir / "pulsemon.db", StoreOptions{Durability::normal, true}); }
  const auto name = [](const char *who, int round) { return who + std::to_string(round); };
  {
    SqliteStore setup(dir / "pulsemon.db", StoreOptions{Durability::normal, false});
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
      dir / "pulsemon.db", 30,
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
        SqliteStore look(dir / "pulsemon.db", StoreOptions{Durability::normal, false});
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
TEST(StoreRace, ANodesBatchSentTwiceAtOnceIsStoredOnce) {
  testing::TempDir dir;
  std::int64_t key = 0;
  {
    SqliteStore setup(dir / "pulsemon.db", StoreOptions{Durability::normal, true});
    setup.add_meter(meter(1), now);
    key = setup.add_device_key("hall", {1}, now);
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
  race(dir / "pulsemon.db", 60, send, send, [](int round, const Attempt &a, const Attempt &b) {
    EXPECT_FALSE(a.refused) << a.message;
    EXPECT_FALSE(b.refused) << b.message;
    EXPECT_NE(a.done, b.done) << "round " << round << ": stored by exactly one";
  });
  SqliteStore check(dir / "pulsemon.db", StoreOptions{Durability::normal, false});
  EXPECT_EQ(check.stats(1).pulses, 120);
  EXPECT_EQ(check.gaps(1, 1000).size(), 60U) << "one dropped pulse a batch: one gap each";
  EXPECT_EQ(check.nodes().front().last_seq, 60);
}

} // namespace
} // namespace pulsemon

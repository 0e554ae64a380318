// One conformance suite for every implementation of the storage port
// (store/store.h): the SQLite store on a real file, the in-memory store and
// the PostgreSQL store on a real PostgreSQL 15 run the same golden files (pulses in, buckets out)
// and the same rules (idempotent commits, gaps, nodes' batches, users, keys, readings,
// transactions). A new backend joins by adding its factory below.
#include "conformance/conformance_fixture.h"
#include "core/spaced_pulses.h"
#include "domain/series.h"
#include "ingest/node_batches.h"
#include "store/memory/memory_store.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"
#include "support/key_hash.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"

#include "core/time_text.h"

#include <date/tz.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>

namespace pulsemon {

std::vector<Backend> backends() {
  return {
      {"sqlite",
       [](const std::filesystem::path &folder, std::string &) -> std::unique_ptr<Store> {
         return std::make_unique<SqliteStore>(folder / "pulsemon.db",
                                              StoreOptions{Durability::full, true});
       },
       [](const std::filesystem::path &folder, const std::string &) -> std::unique_ptr<Store> {
         return std::make_unique<SqliteStore>(folder / "pulsemon.db",
                                              StoreOptions{Durability::full, true});
       }},
      {"memory",
       [](const std::filesystem::path &, std::string &) -> std::unique_ptr<Store> {
         return std::make_unique<MemoryStore>();
       },
       nullptr},
      // A fresh database on the process's one server; null when
      // PostgreSQL cannot start here (the fixture says why).
      {"postgresql",
       [](const std::filesystem::path &, std::string &where) -> std::unique_ptr<Store> {
         std::string why;
         testing::PostgresServer *server = testing::shared_postgres(why);
         if (server == nullptr) {
           return nullptr;
         }
         where = server->new_database_url();
         return std::make_unique<PostgresStore>(where, StoreOptions{Durability::full, true});
       },
       [](const std::filesystem::path &, const std::string &where) -> std::unique_ptr<Store> {
         return std::make_unique<PostgresStore>(where, StoreOptions{Durability::full, true});
       }},
  };
}

namespace {

// A golden file: `meter ID PPU UNIT KIND`, `pulses FIRST STEP_SECONDS N`,
// `energy BUCKET ZONE FROM TO` followed by its `bucket START END PULSES`
// lines, and `count FROM TO PULSES`. Every expectation is checked.
void run_golden(Store &store, const std::filesystem::path &file) {
  std::ifstream in(file);
  ASSERT_TRUE(in) << file;
  std::string line;
  std::vector<EnergyRow> rows;
  std::size_t next_row = 0;
  std::string energy_line;
  const auto finish_energy = [&] {
    EXPECT_EQ(next_row, rows.size())
        << file.filename() << ": " << energy_line << " answered more buckets than the file lists";
  };
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string where = file.filename().string() + ":" + std::to_string(number);
    std::istringstream words(line);
    std::string word;
    if (!(words >> word) || word.starts_with("#")) {
      continue;
    }
    if (word == "meter") {
      Meter meter;
      std::string kind;
      words >> meter.id >> meter.pulses_per_unit >> meter.unit >> kind;
      meter.name = "golden";
      meter.kind = value_or_throw(parse_meter_kind(kind));
      store.add_meter(meter, now);
    } else if (word == "pulses") {
      std::string first;
      std::int64_t step = 0;
      std::int64_t count = 0;
      words >> first >> step >> count;
      std::vector<UtcTime> pulses;
      for (std::int64_t i = 0; i < count; ++i) {
        pulses.push_back(utc(first) + std::chrono::seconds{step * i});
      }
      const std::int64_t meter_id = store.meters().back().id;
      const std::vector<PulseBatch> batches{PulseBatch{meter_id, pulses, {}, {}}};
      ASSERT_EQ(store.commit(batches).front().stored, count) << where;
    } else if (word == "energy") {
      finish_energy();
      std::string bucket;
      std::string zone;
      std::string from;
      std::string to;
      words >> bucket >> zone >> from >> to;
      energy_line = line;
      const Calendar calendar(*date::locate_zone(zone));
      auto answer = energy_series(store, store.meters().back().id, utc(from), utc(to),
                                  value_or_throw(parse_bucket_size(bucket)), calendar, 10'000);
      ASSERT_TRUE(answer.ok()) << where << ": " << answer.error().message;
      rows = *answer;
      next_row = 0;
    } else if (word == "bucket") {
      std::string start;
      std::string end;
      std::int64_t pulses = 0;
      words >> start >> end >> pulses;
      ASSERT_LT(next_row, rows.size()) << where << ": the answer has fewer buckets";
      const EnergyRow &row = rows[next_row++];
      EXPECT_EQ(format_utc(row.bucket.start), format_utc(utc(start))) << where;
      EXPECT_EQ(format_utc(row.bucket.end), format_utc(utc(end))) << where;
      EXPECT_EQ(row.pulses, pulses) << where;
    } else if (word == "count") {
      std::string from;
      std::string to;
      std::int64_t pulses = 0;
      words >> from >> to >> pulses;
      EXPECT_EQ(store.count_pulses(store.meters().back().id, utc(from), utc(to)), pulses) << where;
    } else {
      FAIL() << where << ": unknown directive " << word;
    }
  }
  finish_energy();
}

TEST_P(StoreConformance, GoldenFilesOfPulsesAndTheirBuckets) {
  const std::filesystem::path folder = PULSEMON_GOLDEN_DIR;
  int files = 0;
  for (const auto &entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().extension() != ".golden") {
      continue;
    }
    ++files;
    testing::TempDir own;
    std::string own_where;
    const std::unique_ptr<Store> fresh = GetParam().open(own.path(), own_where);
    SCOPED_TRACE(entry.path().filename().string());
    run_golden(*fresh, entry.path());
  }
  EXPECT_GE(files, 2);
}

TEST_P(StoreConformance, ACommitIsIdempotentAndCountsWhatItRefused) {
  add_meter(1);
  const std::vector<UtcTime> pulses{utc("2026-05-01T10:00:00Z"), utc("2026-05-01T10:00:01Z")};
  EXPECT_EQ(commit(1, pulses).stored, 2);
  const BatchOutcome again = commit(1, pulses);
  EXPECT_EQ(again.stored, 0);
  EXPECT_EQ(again.duplicates, 2);
  const MeterStats stats = store->stats(1);
  EXPECT_EQ(stats.pulses, 2);
  EXPECT_EQ(stats.duplicates, 2);
  EXPECT_EQ(stats.first_pulse, pulses.front());
  EXPECT_EQ(stats.last_pulse, pulses.back());

  PulseBatch rejected{1, {}, {}, {}};
  rejected.rejected.too_close = 3;
  const std::vector<PulseBatch> batches{PulseBatch{9, pulses, {}, {}}, rejected,
                                        PulseBatch{1, {utc("1969-12-31T23:59:59Z")}, {}, {}}};
  const auto outcomes = store->commit(batches);
  ASSERT_TRUE(outcomes[0].error);
  EXPECT_EQ(outcomes[0].error->code, ErrorCode::not_found);
  EXPECT_FALSE(outcomes[1].error);
  ASSERT_TRUE(outcomes[2].error);
  EXPECT_EQ(outcomes[2].error->code, ErrorCode::invalid_argument);
  EXPECT_EQ(store->stats(1).rejected.too_close, 3U);
  EXPECT_EQ(store->stats(1).pulses, 2);
  EXPECT_EQ(store->last_pulses(1, 1), std::vector<UtcTime>{pulses.back()});
}

TEST_P(StoreConformance, GapsComeNewestFirst) {
  add_meter(1);
  store->record_gap(1, Gap{utc("2026-05-01T00:00:00Z"), 4, "first"});
  store->record_gap(1, Gap{utc("2026-05-03T00:00:00Z"), std::nullopt, "outage"});
  const std::vector<PulseBatch> batches{
      PulseBatch{1, {}, {}, {Gap{utc("2026-05-02T00:00:00Z"), 1, "kernel"}}}};
  (void)store->commit(batches);
  const std::vector<Gap> gaps = store->gaps(1, 2);
  ASSERT_EQ(gaps.size(), 2U);
  EXPECT_EQ(gaps[0].reason, "outage");
  EXPECT_FALSE(gaps[0].missing_pulses);
  EXPECT_EQ(gaps[1].reason, "kernel");
  EXPECT_THROW(store->record_gap(5, Gap{now, 1, "no meter"}), Failure);
}

TEST_P(StoreConformance, PagesAndVisitsReadEachPulseOnceInOrderAndRebuiltRollupsAgree) {
  add_meter(1);
  add_meter(2);
  // Three days of pulses 7 minutes and 3 s apart, committed out of order in
  // batches (late ones, as a node resends), and a neighbour's pulses.
  std::vector<UtcTime> pulses;
  for (UtcTime t = utc("2026-05-01T00:00:00Z"); t < utc("2026-05-04T00:00:00Z");
       t += std::chrono::seconds{423}) {
    pulses.push_back(t);
  }
  std::vector<UtcTime> shuffled = pulses;
  std::reverse(shuffled.begin(),
               shuffled.begin() + static_cast<std::ptrdiff_t>(shuffled.size() / 2));
  for (std::size_t at = 0; at < shuffled.size(); at += 50) {
    commit(1, {shuffled.begin() + static_cast<std::ptrdiff_t>(at),
               shuffled.begin() + static_cast<std::ptrdiff_t>(std::min(at + 50, shuffled.size()))});
  }
  commit(2, {utc("2026-05-02T00:00:01Z"), utc("2026-05-02T00:00:02Z")});

  // [from, to): from inclusive (a stored pulse), to exclusive (another).
  const UtcTime from = pulses[10];
  const UtcTime to = pulses[500];
  const std::vector<UtcTime> expected(pulses.begin() + 10, pulses.begin() + 500);
  std::vector<UtcTime> paged;
  for (UtcTime next = from;;) {
    const std::vector<UtcTime> page = store->pulses_page(1, next, to, 97);
    ASSERT_LE(page.size(), 97U);
    paged.insert(paged.end(), page.begin(), page.end());
    if (page.size() < 97) {
      break;
    }
    next = page.back() + Micros{1};
  }
  EXPECT_EQ(paged, expected);
  std::vector<UtcTime> visited;
  store->for_each_pulse(1, from, to, [&](UtcTime t) { visited.push_back(t); });
  EXPECT_EQ(visited, expected);
  EXPECT_TRUE(store->pulses_page(1, to, from, 10).empty()) << "a reversed range holds nothing";

  const Calendar calendar(*date::locate_zone("Europe/Amsterdam"));
  const auto series = [&](BucketSize size) {
    auto rows = energy_series(*store, 1, utc("2026-04-30T00:00:00Z"), utc("2026-05-05T00:00:00Z"),
                              size, calendar, 1000);
    std::vector<std::int64_t> counts;
    for (const EnergyRow &row : rows.value()) {
      counts.push_back(row.pulses);
    }
    return counts;
  };
  const auto hours_before = series(BucketSize::hour);
  const auto days_before = series(BucketSize::day);
  const MeterStats stats_before = store->stats(1);
  store->rebuild_rollups();
  EXPECT_EQ(series(BucketSize::hour), hours_before);
  EXPECT_EQ(series(BucketSize::day), days_before);
  const MeterStats stats_after = store->stats(1);
  EXPECT_EQ(stats_after.pulses, static_cast<std::int64_t>(pulses.size()));
  EXPECT_EQ(stats_after.pulses, stats_before.pulses);
  EXPECT_EQ(stats_after.first_pulse, pulses.front());
  EXPECT_EQ(stats_after.last_pulse, pulses.back());
  EXPECT_EQ(store->stats(2).pulses, 2);
}

TEST_P(StoreConformance, ManyRangesAreCountedInOneCallAsEachAlone) {
  add_meter(1);
  add_meter(2);
  std::vector<UtcTime> pulses;
  for (UtcTime t = utc("2026-05-01T00:00:00Z"); t < utc("2026-05-03T00:00:00Z");
       t += std::chrono::seconds{97}) {
    pulses.push_back(t);
  }
  commit(1, pulses);
  commit(2, {utc("2026-05-01T12:00:00Z")});

  // Ragged and whole slots, overlapping, empty, reversed, out of order,
  // before and after every pulse.
  const std::vector<RawRange> ranges{
      {utc("2026-05-01T00:00:00Z"), utc("2026-05-02T00:00:00Z")},
      {utc("2026-05-01T10:07:13Z"), utc("2026-05-01T13:52:01Z")},
      {utc("2026-05-01T12:00:00Z"), utc("2026-05-01T12:00:00Z")},
      {utc("2026-05-02T00:00:00Z"), utc("2026-05-01T00:00:00Z")},
      {utc("2026-05-01T11:00:00Z"), utc("2026-05-01T12:15:00Z")},
      {utc("2026-04-01T00:00:00Z"), utc("2026-05-01T00:00:00Z")},
      {utc("2026-05-02T23:59:59Z"), utc("2026-06-01T00:00:00Z")},
      {utc("2026-04-30T22:00:00Z"), utc("2026-05-03T01:00:00Z")},
  };
  const std::vector<std::int64_t> together = store->count_pulses_in(1, ranges);
  ASSERT_EQ(together.size(), ranges.size());
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    const auto expected = std::count_if(pulses.begin(), pulses.end(), [&](UtcTime t) {
      return t >= ranges[i].from && t < ranges[i].to;
    });
    EXPECT_EQ(together[i], expected) << "range " << i;
    EXPECT_EQ(store->count_pulses(1, ranges[i].from, ranges[i].to), expected) << "range " << i;
  }
  EXPECT_TRUE(store->count_pulses_in(1, {}).empty());
  EXPECT_EQ(store->count_pulses_in(99, ranges), std::vector<std::int64_t>(ranges.size(), 0))
      << "a meter that does not exist has no pulses";
}

TEST_P(StoreConformance, TheHouseholdIsUnknownUntilSaidAndABadFieldIsRefused) {
  EXPECT_EQ(store->household(), HouseholdProfile{});
  const HouseholdProfile said{3, 85.5, "heat_pump"};
  store->set_household(said);
  EXPECT_EQ(store->household(), said);
  for (const HouseholdProfile &bad :
       {HouseholdProfile{0, std::nullopt, ""}, HouseholdProfile{51, std::nullopt, ""},
        HouseholdProfile{std::nullopt, 4.0, ""}, HouseholdProfile{std::nullopt, 1e9, ""},
        HouseholdProfile{std::nullopt, std::nan(""), ""},
        HouseholdProfile{std::nullopt, std::nullopt, "coal fire"}}) {
    EXPECT_THROW(store->set_household(bad), Failure);
  }
  EXPECT_EQ(store->household(), said) << "a refused change leaves what was said";
  store->set_household({});
  EXPECT_EQ(store->household(), HouseholdProfile{});
}

TEST_P(StoreConformance, RunsAreKeptAndFoundAroundARange) {
  const auto at = [](int hour) { return utc("2026-05-01T00:00:00Z") + std::chrono::hours{hour}; };
  const std::int64_t first = store->begin_run(at(0));
  store->keep_run(first, at(2), true);
  const std::int64_t second = store->begin_run(at(5));
  store->keep_run(second, at(6), false);
  store->keep_run(second, at(5), false); // a heartbeat never moves it back
  const std::int64_t third = store->begin_run(at(8));
  const std::int64_t fourth = store->begin_run(at(20));
  EXPECT_NE(first, second);

  const auto around = store->runs_around(at(7), at(9), 10);
  ASSERT_EQ(around.size(), 3U) << "the last before, the one in it, the first after";
  EXPECT_EQ(around[0].id, second);
  EXPECT_EQ(around[0].alive, at(6));
  EXPECT_FALSE(around[0].stopped_cleanly);
  EXPECT_EQ(around[1].id, third);
  EXPECT_EQ(around[1].alive, at(8));
  EXPECT_EQ(around[2].id, fourth);

  const auto all = store->runs_around(at(-1), at(24), 10);
  ASSERT_EQ(all.size(), 4U);
  EXPECT_EQ(all[0].id, first);
  EXPECT_TRUE(all[0].stopped_cleanly);
  const auto downtimes = downtimes_between(all, at(0), at(24));
  ASSERT_EQ(downtimes.size(), 3U);
  EXPECT_EQ(downtimes[0].from, at(2));
  EXPECT_EQ(downtimes[0].to, at(5));
  EXPECT_EQ(store->runs_around(at(-1), at(24), 2).size(), 2U) << "at most two in it, none after";
  EXPECT_EQ(store->runs_around(at(30), at(40), 10).size(), 1U) << "only the last before";
}

TEST_P(StoreConformance, ANodesBatchIsStoredOnceAndItsNameBelongsToItsKey) {
  add_meter(1);
  const std::int64_t key = store->add_device_key("hall", {1}, now, testing::unused_key_hash);
  const std::int64_t other = store->add_device_key("shed", {1}, now, testing::unused_key_hash);
  IngestBatch batch;
  batch.node = "hall";
  batch.boot = 1;
  batch.seq = 3;
  batch.key_id = key;
  batch.pulses = PulseBatch{1, {utc("2026-05-01T10:00:00Z")}, {}, {}};
  batch.overflows = 2;
  batch.received = utc("2026-05-01T10:00:05Z");
  const IngestOutcome first = store_node_batch(*store, batch);
  EXPECT_EQ(first.stored, 1);
  EXPECT_EQ(first.missing, (std::vector<std::int64_t>{1, 2}));
  const IngestOutcome resent = store_node_batch(*store, batch);
  EXPECT_TRUE(resent.duplicate_batch);
  EXPECT_EQ(resent.stored, 0);
  EXPECT_EQ(store->gaps(1, 10).size(), 1U) << "the overflow is one gap, not one per resend";
  ASSERT_EQ(store->nodes().size(), 1U);
  EXPECT_EQ(store->nodes().front().last_seq, 3);

  IngestBatch stranger = batch;
  stranger.key_id = other;
  stranger.seq = 4;
  EXPECT_THROW((void)store_node_batch(*store, stranger), Failure);
  EXPECT_EQ(store->stats(1).pulses, 1) << "a refused batch writes nothing";
  store->revoke_device_key(key, now);
  EXPECT_EQ(store_node_batch(*store, stranger).stored, 0) << "the pulse was stored already";
  EXPECT_EQ(store->nodes().front().key_id, other);
}

// A batch spanning many stored pulses (a node resending into a meter another
// source also feeds) is judged against its neighbours alone; the verdicts
// must be those of the rule over every stored pulse.
TEST_P(StoreConformance, ABatchOverADenseStretchIsFilteredAsAgainstEveryStoredPulse) {
  add_meter(1); // minimum interval 10 ms
  const UtcTime start = utc("2026-05-01T10:00:00Z");
  const Micros ms{1000};
  std::vector<UtcTime> stored;
  for (int i = 0; i < 3000; ++i) {
    stored.push_back(start + i * 25 * ms);
  }
  ASSERT_EQ(commit(1, stored).stored, 3000);
  IngestBatch batch;
  batch.node = "hall";
  batch.boot = 1;
  batch.seq = 1;
  batch.key_id = store->add_device_key("hall", {1}, now, testing::unused_key_hash);
  batch.received = start + Micros{3600'000'000};
  std::vector<UtcTime> arriving;
  for (int k = 10; k < 2990; k += 150) {
    const UtcTime at = stored[static_cast<std::size_t>(k)];
    // the same pulse; too soon after it; just far enough from both sides;
    // two kept-then-too-close; too soon before the next stored one
    for (const int offset_ms : {0, 5, 15, 12, 13, 20}) {
      arriving.push_back(at + offset_ms * ms);
    }
  }
  arriving.push_back(stored.back() + 9 * ms);  // too soon after the last
  arriving.push_back(stored.back() + 10 * ms); // exactly the interval: kept
  batch.pulses = PulseBatch{1, arriving, {}, {}};
  const SpacedPulses expected = keep_spaced(arriving, stored, 10 * ms);

  const IngestOutcome outcome = store_node_batch(*store, batch);
  EXPECT_EQ(outcome.stored + outcome.duplicates, static_cast<std::int64_t>(expected.kept.size()));
  EXPECT_EQ(outcome.pulses, expected.kept);
  ASSERT_EQ(store->nodes().size(), 1U);
  EXPECT_EQ(store->nodes().front().filtered_too_close, expected.too_close);
  EXPECT_GT(expected.too_close, 40) << "the case must filter some pulses";
}

TEST_P(StoreConformance, ANodeIsToldOfTheHolesAmongItsLastThousandBatches) {
  add_meter(1);
  IngestBatch batch;
  batch.node = "hall";
  batch.boot = 1;
  batch.key_id = store->add_device_key("hall", {1}, now, testing::unused_key_hash);
  batch.received = utc("2026-05-01T10:00:05Z");
  // Batches 1 to 1 500 without 3 and 1 400; each with a pulse of its own.
  for (std::int64_t seq = 1; seq <= 1500; ++seq) {
    if (seq == 3 || seq == 1400) {
      continue;
    }
    batch.seq = seq;
    batch.pulses = PulseBatch{1, {utc("2026-05-01T00:00:00Z") + Micros{seq * 1'000'000}}, {}, {}};
    const IngestOutcome outcome = store_node_batch(*store, batch);
    if (seq == 10) {
      EXPECT_EQ(outcome.missing, std::vector<std::int64_t>{3});
    }
    if (seq == 1500) {
      // 3 lies more than a thousand numbers back: no node holds a batch
      // that long, and looking through every number ever sent would make
      // each upload slower than the last.
      EXPECT_EQ(outcome.missing, std::vector<std::int64_t>{1400});
    }
  }
  batch.seq = 1400;
  batch.pulses = PulseBatch{1, {utc("2026-05-01T00:00:00Z") + Micros{1400'000'000}}, {}, {}};
  EXPECT_TRUE(store_node_batch(*store, batch).missing.empty()) << "the late batch closes the hole";
  EXPECT_EQ(store->stats(1).pulses, 1499);
}

TEST_P(StoreConformance, UsersKeepTheirLastAdminAndNewGenerations) {
  store->add_user(User{0, "ada", Role::admin, "h", 0, false, {}}, now);
  store->add_user(User{0, "vic", Role::viewer, "h", 0, false, {}}, now);
  EXPECT_THROW(store->add_user(User{0, "vic", Role::viewer, "h", 0, false, {}}, now), Failure);
  EXPECT_THROW(store->add_user(User{0, "", Role::viewer, "h", 0, false, {}}, now), Failure);
  EXPECT_THROW(store->delete_user("ada"), Failure);
  EXPECT_THROW(store->set_role("ada", Role::user), Failure);
  const std::int64_t before = store->find_user("vic")->token_generation;
  store->set_password("vic", "new");
  EXPECT_NE(store->find_user("vic")->token_generation, before);
  store->set_role("vic", Role::admin);
  store->delete_user("ada");
  EXPECT_FALSE(store->find_user("ada"));
  EXPECT_THROW(store->set_password("ada", "x"), Failure);
  ASSERT_EQ(store->users().size(), 1U);
  EXPECT_EQ(store->users().front().role, Role::admin);
}

TEST_P(StoreConformance, SitesOwnMetersAndKeysAndUsersHoldARoleInEach) {
  ASSERT_EQ(store->sites().size(), 1U) << "every store starts with the home site";
  EXPECT_EQ(store->sites().front().id, home_site_id);
  const Site flat = store->add_site("flat 2", now);
  EXPECT_GT(flat.id, home_site_id);
  EXPECT_THROW((void)store->add_site("flat 2", now), Failure) << "a taken name";
  EXPECT_THROW((void)store->add_site("42", now), Failure) << "all digits reads as an id";
  EXPECT_THROW((void)store->add_site("", now), Failure);

  add_meter(1);
  Meter theirs;
  theirs.id = 2;
  theirs.name = "flat meter";
  theirs.site_id = flat.id;
  store->add_meter(theirs, now);
  EXPECT_EQ(store->meter(2).site_id, flat.id);
  EXPECT_EQ(store->meter(1).site_id, home_site_id) << "a meter given no site is the home site's";
  theirs.id = 3;
  theirs.site_id = flat.id + 100;
  EXPECT_THROW(store->add_meter(theirs, now), Failure) << "a site that does not exist";
  EXPECT_THROW((void)store->add_device_key("both", {1, 2}, now, testing::unused_key_hash), Failure)
      << "a key writes to one site's meters";
  (void)store->add_device_key("theirs", {2}, now, testing::unused_key_hash);

  store->add_user(User{0, "ada", Role::admin, "h", 0, false, {}}, now);
  User bob;
  bob.name = "bob";
  bob.password_hash = "h";
  bob.sites = {{flat.id, Role::admin}, {home_site_id, Role::viewer}};
  store->add_user(bob, now);
  const User read = *store->find_user("bob");
  ASSERT_EQ(read.sites.size(), 2U);
  EXPECT_EQ(read.sites[0], (SiteMembership{home_site_id, Role::viewer})) << "by site id";
  EXPECT_EQ(read.sites[1], (SiteMembership{flat.id, Role::admin}));
  EXPECT_EQ(read.role, Role::admin) << "the highest of its roles";
  EXPECT_EQ(store->find_user("ada")->sites,
            (std::vector<SiteMembership>{{home_site_id, Role::admin}}))
      << "a user given no site joins the home site with its role";
  User lost = bob;
  lost.name = "lost";
  lost.sites = {{flat.id + 100, Role::viewer}};
  EXPECT_THROW(store->add_user(lost, now), Failure) << "a site that does not exist";
  EXPECT_FALSE(store->find_user("lost"));

  EXPECT_THROW(store->set_membership("bob", flat.id, Role::user), Failure)
      << "the flat's last owner";
  EXPECT_THROW(store->set_membership("bob", flat.id, std::nullopt), Failure);
  EXPECT_THROW(store->delete_user("bob"), Failure);
  const std::int64_t ada_before = store->find_user("ada")->token_generation;
  store->set_membership("ada", flat.id, Role::admin);
  EXPECT_EQ(store->find_user("ada")->token_generation, ada_before) << "a new membership";
  const std::int64_t bob_before = store->find_user("bob")->token_generation;
  store->set_membership("bob", flat.id, std::nullopt);
  EXPECT_NE(store->find_user("bob")->token_generation, bob_before) << "a role ended";
  store->set_membership("bob", home_site_id, Role::user);
  EXPECT_EQ(store->find_user("bob")->sites,
            (std::vector<SiteMembership>{{home_site_id, Role::user}}));
  EXPECT_EQ(store->find_user("bob")->role, Role::user);
  EXPECT_THROW(store->set_membership("nobody", flat.id, Role::user), Failure);
  EXPECT_THROW(store->set_membership("bob", flat.id + 100, Role::user), Failure);
  EXPECT_FALSE(store->find_user("bob")->is_operator);
  store->set_operator("bob", true);
  EXPECT_TRUE(store->find_user("bob")->is_operator);

  EXPECT_THROW(store->delete_site(flat.id), Failure) << "it owns meter 2";
  EXPECT_EQ(store->meters().size(), 2U);
  Meter moved = store->meter(2);
  moved.site_id = home_site_id;
  store->update_meter(moved);
  store->delete_site(flat.id);
  EXPECT_EQ(store->sites().size(), 1U);
  EXPECT_EQ(store->find_user("ada")->sites,
            (std::vector<SiteMembership>{{home_site_id, Role::admin}}))
      << "the memberships went with the site";
  EXPECT_THROW(store->delete_site(flat.id), Failure) << "gone";

  const Site restored{7, "restored", now, false};
  store->restore_site(restored);
  EXPECT_THROW(store->restore_site(restored), Failure);
  EXPECT_GT(store->add_site("after", now).id, 7) << "a new site comes after a restored one";
}

TEST_P(StoreConformance, AnEmptyHomeSiteMayGoAndSitesAreStillMade) {
  store->delete_site(home_site_id);
  EXPECT_TRUE(store->sites().empty());
  EXPECT_THROW(store->add_user(User{0, "ada", Role::admin, "h", 0, false, {}}, now), Failure)
      << "no home site to join";
  const Site made = store->add_site("flat", now);
  EXPECT_GE(made.id, home_site_id);
  ASSERT_EQ(store->sites().size(), 1U);
  EXPECT_EQ(store->sites().front().name, "flat");
}

TEST_P(StoreConformance, AProfileGrantIsKeptWithWhoAndWhenAndItsRevocation) {
  const Site flat = store->add_site("flat 3", now);
  EXPECT_FALSE(store->sites().back().profiles_granted);
  store->grant_profiles(flat.id, "ada", now);
  store->grant_profiles(flat.id, "bob", now + std::chrono::hours{1}) /* granted already */;
  EXPECT_TRUE(store->sites().back().profiles_granted);
  store->revoke_profiles(flat.id, "ada", now + std::chrono::hours{2});
  store->revoke_profiles(flat.id, "bob", now + std::chrono::hours{3}) /* revoked already */;
  EXPECT_FALSE(store->sites().back().profiles_granted);
  store->grant_profiles(flat.id, "cy", now + std::chrono::hours{4});
  const std::vector<ProfileGrant> grants = store->profile_grants(flat.id);
  ASSERT_EQ(grants.size(), 2U);
  EXPECT_EQ(grants[0], (ProfileGrant{flat.id, "ada", now, "ada", now + std::chrono::hours{2}}));
  EXPECT_EQ(grants[1],
            (ProfileGrant{flat.id, "cy", now + std::chrono::hours{4}, std::nullopt, std::nullopt}));
  EXPECT_TRUE(store->sites().back().profiles_granted);
  EXPECT_TRUE(store->profile_grants(home_site_id).empty());
  EXPECT_THROW(store->grant_profiles(flat.id + 100, "ada", now), Failure);
}

TEST_P(StoreConformance, ALinkIsKeptByItsTokensHashWithItsChoicesUsesAndRevocation) {
  add_meter(1);
  add_meter(2, 100, MeterKind::gas);
  const Site flat = store->add_site("flat 3", now);
  Meter flats = store->meter(2);
  flats.site_id = flat.id;
  store->update_meter(flats);

  Link share;
  share.site_id = home_site_id;
  share.label = "for the Jansens";
  share.meters = {1};
  share.granularity = ShareGranularity::week;
  share.window_days = 90;
  share.normalisers = HouseholdProfile{3, 84.5, "heat_pump"};
  share.show_names = true;
  share.expires = now + std::chrono::hours{24 * 30};
  share.created_by = "ada";
  share.created = now;
  share.token_hash = std::string(64, 'a');
  const std::int64_t id = store->add_link(share, now);
  share.id = id;
  EXPECT_EQ(store->find_link(share.token_hash), share);
  EXPECT_EQ(store->find_link(std::string(64, 'b')), std::nullopt);

  Link display;
  display.site_id = flat.id;
  display.kind = LinkKind::display;
  display.label = "hall screen";
  display.meters = {2};
  display.created_by = "bob";
  display.created = now;
  display.token_hash = std::string(64, 'c');
  display.id = store->add_link(display, now);
  EXPECT_EQ(store->links(flat.id), std::vector<Link>{display});
  EXPECT_EQ(store->links(home_site_id), std::vector<Link>{share});

  store->record_link_use(id, now + std::chrono::hours{1});
  store->record_link_use(id, now + std::chrono::hours{2});
  Link used = *store->find_link(share.token_hash);
  EXPECT_EQ(used.uses, 2);
  EXPECT_EQ(used.last_used, now + std::chrono::hours{2});

  EXPECT_THROW(store->revoke_link(flat.id, id, now), Failure) << "another site's link";
  store->revoke_link(home_site_id, id, now + std::chrono::hours{3});
  store->revoke_link(home_site_id, id, now + std::chrono::hours{4}) /* revoked already */;
  EXPECT_EQ(store->find_link(share.token_hash)->revoked, now + std::chrono::hours{3});
  EXPECT_FALSE(link_open(*store->find_link(share.token_hash), now));
  EXPECT_EQ(store->find_open_link(share.token_hash, LinkKind::share, now), std::nullopt);
  EXPECT_EQ(store->find_open_link(display.token_hash, LinkKind::display, now), display);
  EXPECT_EQ(store->find_open_link(display.token_hash, LinkKind::share, now), std::nullopt)
      << "a display link's token opens no share";

  Link stray = share;
  stray.token_hash = std::string(64, 'd');
  stray.meters = {2};
  EXPECT_THROW((void)store->add_link(stray, now), Failure) << "meter 2 is the flat's";
  stray.meters = {1};
  stray.window_days = 0;
  EXPECT_THROW((void)store->add_link(stray, now), Failure);
  stray.window_days = 7;
  stray.expires = now - std::chrono::hours{1};
  EXPECT_THROW((void)store->add_link(stray, now), Failure) << "expired already";
  stray.expires.reset();
  stray.token_hash = share.token_hash;
  EXPECT_THROW((void)store->add_link(stray, now), Failure) << "a token's hash is one link's";
  EXPECT_EQ(store->links(home_site_id).size(), 1U);

  // As another store kept it (pulsemon migrate): uses and revocation too.
  Link moved = *store->find_link(share.token_hash);
  moved.token_hash = std::string(64, 'e');
  store->restore_link(moved);
  Link restored = *store->find_link(moved.token_hash);
  EXPECT_NE(restored.id, moved.id);
  restored.id = moved.id;
  EXPECT_EQ(restored, moved);
  EXPECT_THROW(store->restore_link(moved), Failure) << "its token's hash is taken";
}

TEST_P(StoreConformance, AFriendsLinkKeepsItsLastFetchAndGoesWithItsSite) {
  const Site flat = store->add_site("flat 3", now);
  FriendLink added;
  added.site_id = flat.id;
  added.label = "the Jansens";
  added.url = "https://jansen.example/share/abc";
  added.added_by = "ada";
  added.added = now;
  added.id = store->add_friend(added);
  EXPECT_EQ(store->friends(flat.id), std::vector<FriendLink>{added});
  EXPECT_TRUE(store->friends(home_site_id).empty());

  FriendLink fetched = added;
  fetched.state = FriendState::unreachable;
  fetched.reason = "connection refused";
  fetched.since = now + std::chrono::hours{1};
  fetched.checked = now + std::chrono::hours{2};
  fetched.fetched = now;
  fetched.etag = "\"v1\"";
  fetched.figures = R"({"meters":[]})";
  store->save_friend_fetch(fetched);
  EXPECT_EQ(store->friends(std::nullopt), std::vector<FriendLink>{fetched});

  EXPECT_THROW(store->delete_friend(home_site_id, added.id), Failure) << "the flat's friend";
  store->delete_friend(flat.id, added.id);
  EXPECT_TRUE(store->friends(flat.id).empty());
  added.url = std::string(max_friend_url_bytes + 1, 'x');
  EXPECT_THROW((void)store->add_friend(added), Failure);

  added.url = "https://jansen.example/share/abc";
  (void)store->add_friend(added);
  store->delete_site(flat.id);
  EXPECT_TRUE(store->friends(std::nullopt).empty());
}

TEST_P(StoreConformance, MetersKeepTheMeaningOfTheirPulses) {
  add_meter(1);
  Meter changed = store->meter(1);
  changed.pulses_per_unit = 500;
  store->update_meter(changed) /* no pulses yet: allowed */;
  EXPECT_EQ(store->meter(1).pulses_per_unit, 500);
  (void)commit(1, {utc("2026-05-01T10:00:00Z")});
  changed.pulses_per_unit = 1000;
  EXPECT_THROW(store->update_meter(changed), Failure);
  EXPECT_THROW(add_meter(1), Failure);
  EXPECT_THROW((void)store->meter(2), Failure);
  EXPECT_THROW(store->add_calorific_value(1, CalorificValue{now, 35.0, 1.0}), Failure)
      << "not a gas meter";
  add_meter(2, 100, MeterKind::gas);
  EXPECT_THROW(store->add_calorific_value(2, CalorificValue{now, 500.0, 1.0}), Failure);
  store->add_calorific_value(2, CalorificValue{now, 35.0, 1.0});
  EXPECT_EQ(store->calorific_values(2).size(), 1U);
  EXPECT_THROW((void)store->add_device_key("x", {}, now, testing::unused_key_hash), Failure);
  EXPECT_THROW((void)store->add_device_key("x", {9}, now, testing::unused_key_hash), Failure);
}

TEST_P(StoreConformance, ADeviceKeyIsMadeWithItsHashInOneCall) {
  add_meter(1);
  add_meter(2);
  std::vector<std::int64_t> asked;
  const auto hasher = [&](std::int64_t id) {
    asked.push_back(id);
    return testing::unused_key_hash(id);
  };
  const std::int64_t first = store->add_device_key("hall", {2, 1, 2}, now, hasher);
  const std::int64_t second = store->add_device_key("shed", {1}, now, hasher);
  EXPECT_EQ(asked, (std::vector<std::int64_t>{first, second})) << "asked once, for the new id";
  EXPECT_NE(first, second);
  const auto kept = store->find_device_key(first);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->key_hash, testing::unused_key_hash(first));
  EXPECT_EQ(kept->meters, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(kept->name, "hall");

  // A hasher that throws leaves no key behind.
  EXPECT_THROW((void)store->add_device_key("attic", {1}, now,
                                           [](std::int64_t) -> std::string {
                                             throw Failure(ErrorCode::internal, "no entropy");
                                           }),
               Failure);
  EXPECT_EQ(store->device_keys().size(), 2U);
}

TEST_P(StoreConformance, ARestoredDeviceKeyKeepsItsIdAndTheNextKeyComesAfterIt) {
  add_meter(1);
  add_meter(2);
  DeviceKey moved;
  moved.id = 41;
  moved.name = "hall";
  moved.key_hash = testing::unused_key_hash(41);
  moved.meters = {2, 1};
  moved.created = utc("2025-01-01T00:00:00Z");
  moved.revoked = utc("2025-06-01T00:00:00Z");
  store->restore_device_key(moved);
  const auto kept = store->find_device_key(41);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->name, "hall");
  EXPECT_EQ(kept->key_hash, testing::unused_key_hash(41));
  EXPECT_EQ(kept->meters, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(kept->created, moved.created);
  EXPECT_EQ(kept->revoked, moved.revoked);
  EXPECT_THROW(store->restore_device_key(moved), Failure) << "an id is restored once";
  DeviceKey unknown_meter = moved;
  unknown_meter.id = 42;
  unknown_meter.meters = {9};
  EXPECT_THROW(store->restore_device_key(unknown_meter), Failure);
  EXPECT_FALSE(store->find_device_key(42));
  const std::int64_t next = store->add_device_key(
      "shed", {1}, now, [](std::int64_t id) { return testing::unused_key_hash(id); });
  EXPECT_GT(next, 41) << "a new key's id never takes a restored one's";
}

TEST_P(StoreConformance, ARegisterReadingCountsOnFromItsPulses) {
  add_meter(1, 1000);
  store->add_register_record(1, RegisterRecord{utc("2026-05-01T00:00:00Z"), 100.0, false});
  (void)commit(1, {utc("2026-05-01T01:00:00Z"), utc("2026-05-01T02:00:00Z")});
  EXPECT_DOUBLE_EQ(store->register_state(1, utc("2026-05-02T00:00:00Z")).register_value, 100.002);
  EXPECT_DOUBLE_EQ(store->register_state(1, utc("2026-05-01T01:30:00Z")).register_value, 100.001);
}

TEST_P(StoreConformance, AFailedTransactionLeavesNothingBehind) {
  add_meter(1);
  const ChangeToken before = store->change_token();
  EXPECT_THROW(store->atomically([&] {
    (void)commit(1, {utc("2026-05-01T10:00:00Z")});
    store->record_gap(1, Gap{now, 1, "x"});
    throw Failure(ErrorCode::internal, "abandoned");
  }),
               Failure);
  EXPECT_EQ(store->stats(1).pulses, 0);
  EXPECT_EQ(store->count_pulses(1, utc("2026-05-01T00:00:00Z"), now), 0);
  EXPECT_TRUE(store->gaps(1, 10).empty());
  (void)commit(1, {utc("2026-05-01T10:00:00Z")});
  EXPECT_NE(store->change_token(), before) << "a commit moves the change token";
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance, ::testing::ValuesIn(backends()),
                         [](const ::testing::TestParamInfo<Backend> &backend) {
                           return backend.param.name;
                         });

} // namespace
} // namespace pulsemon

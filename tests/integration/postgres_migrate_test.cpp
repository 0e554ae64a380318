// `pulsemon migrate --to URL` as a household moving to PostgreSQL runs
// it: a SQLite store with every kind of thing pulsemon keeps is copied
// into a real PostgreSQL database, and every table read back through the
// port is the same on both sides; run again after more pulses came, it
// copies only those.
#include "core/rollup_plan.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"
#include "support/daemon.h"
#include "support/key_hash.h"
#include "support/postgres_test.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace pulsemon {
namespace {

UtcTime at(std::int64_t second) {
  return UtcTime{std::chrono::seconds{1'767'225'600 + second}}; // 2026-01-01
}

std::int64_t us(UtcTime t) {
  return to_epoch_us(t);
}

// Everything the port reads, as one JSON document a failure can show.
nlohmann::json everything(Store &store) {
  nlohmann::json all;
  const HouseholdProfile household = store.household();
  all["household"] = {household.people.value_or(-1), household.floor_area_m2.value_or(-1.0),
                      household.heating};
  for (const Meter &meter : store.meters()) {
    nlohmann::json m;
    m["name"] = meter.name;
    m["kind"] = std::string(to_string(meter.kind));
    m["ppu"] = meter.pulses_per_unit;
    m["tariff"] = meter.tariff;
    m["created"] = us(store.meter_created(meter.id));
    m["site"] = meter.site_id;
    const MeterStats stats = store.stats(meter.id);
    m["stats"] = {stats.pulses,
                  stats.rejected.too_close,
                  stats.rejected.too_short,
                  stats.rejected.unpaired,
                  stats.first_pulse ? us(*stats.first_pulse) : -1,
                  stats.last_pulse ? us(*stats.last_pulse) : -1};
    std::vector<std::int64_t> pulses;
    store.for_each_pulse(meter.id, UtcTime{}, at(400 * 86'400),
                         [&](UtcTime t) { pulses.push_back(us(t)); });
    m["pulses"] = pulses;
    std::vector<SlotSpan> spans;
    for (const auto size : rollup_slot_sizes) {
      spans.push_back(SlotSpan{size, at(-86'400 * 400), at(86'400 * 800)});
    }
    for (const SlotCount &slot : store.rollups_in(meter.id, spans)) {
      m["rollups"].push_back({slot.size.count(), us(slot.start), slot.pulses});
    }
    for (const RegisterRecord &record : store.register_records(meter.id)) {
      m["readings"].push_back({us(record.at), record.value, record.replacement});
    }
    for (const CalorificValue &value : store.calorific_values(meter.id)) {
      m["calorific"].push_back(
          {us(value.effective_from), value.megajoules_per_m3, value.volume_correction});
    }
    std::vector<Gap> gaps = store.gaps(meter.id, 1000);
    std::sort(gaps.begin(), gaps.end(), [](const Gap &a, const Gap &b) { return a.at < b.at; });
    for (const Gap &gap : gaps) {
      m["gaps"].push_back({us(gap.at), gap.missing_pulses.value_or(-1), gap.reason});
    }
    all["meters"][std::to_string(meter.id)] = m;
  }
  for (const User &user : store.users()) {
    nlohmann::json sites = nlohmann::json::array();
    for (const SiteMembership &membership : user.sites) {
      sites.push_back({membership.site_id, std::string(to_string(membership.role))});
    }
    all["users"][user.name] = {std::string(to_string(user.role)),
                               user.password_hash,
                               user.must_change_password,
                               us(user.created),
                               sites,
                               user.is_operator};
  }
  for (const Site &site : store.sites()) {
    nlohmann::json grants = nlohmann::json::array();
    for (const ProfileGrant &grant : store.profile_grants(site.id)) {
      grants.push_back({grant.granted_by, us(grant.granted), grant.revoked_by.value_or(""),
                        grant.revoked ? us(*grant.revoked) : -1});
    }
    // The home site is each store's own, made with it: its time is not
    // copied.
    all["sites"][std::to_string(site.id)] = {
        site.name, site.id == home_site_id ? -1 : us(site.created), site.profiles_granted, grants};
  }
  for (const Site &site : store.sites()) {
    for (const Link &link : store.links(site.id)) {
      all["links"][link.token_hash] = {link.site_id,
                                       std::string(to_string(link.kind)),
                                       link.label,
                                       link.meters,
                                       std::string(to_string(link.granularity)),
                                       link.window_days,
                                       link.normalisers.people.value_or(-1),
                                       link.normalisers.floor_area_m2.value_or(-1),
                                       link.normalisers.heating,
                                       link.show_names,
                                       link.expires ? us(*link.expires) : -1,
                                       link.created_by,
                                       us(link.created),
                                       link.revoked ? us(*link.revoked) : -1,
                                       link.last_used ? us(*link.last_used) : -1,
                                       link.uses};
    }
    for (const FriendLink &link : store.friends(site.id)) {
      all["friends"].push_back({link.site_id, link.label, link.url, link.added_by, us(link.added),
                                std::string(to_string(link.state)), link.reason,
                                link.since ? us(*link.since) : -1,
                                link.fetched ? us(*link.fetched) : -1, link.etag, link.figures});
    }
  }
  for (const DeviceKey &key : store.device_keys()) {
    all["keys"][std::to_string(key.id)] = {key.name, key.key_hash, key.meters, us(key.created),
                                           key.revoked ? us(*key.revoked) : -1};
  }
  for (const NodeStatus &status : store.nodes()) {
    const NodeRecord record = *store.node(status.name);
    std::vector<std::int64_t> numbers;
    store.visit_batch_numbers(status.name, status.boot, 0, [&](std::int64_t seq) {
      numbers.push_back(seq);
      return true;
    });
    all["nodes"][status.name] = {status.key_id,
                                 status.meter_id,
                                 us(status.last_heard),
                                 status.boot,
                                 status.last_seq,
                                 status.health_json,
                                 status.filtered_too_close,
                                 record.anchor ? us(record.anchor->boot) : -1,
                                 record.anchor ? us(record.anchor->measured) : -1,
                                 record.overflows,
                                 numbers};
  }
  for (const DaemonRun &run : store.runs_around(UtcTime{}, at(86'400 * 800), 100)) {
    all["runs"].push_back({us(run.started), us(run.alive), run.stopped_cleanly});
  }
  return all;
}

TEST(Migrate, EveryTableOfASqliteStoreIsCopiedToPostgresqlAndASecondRunGoesOn) {
  testing::PostgresServer *server = nullptr;
  PULSEMON_POSTGRES_OR_SKIP(server);
  const std::string url = server->new_database_url();
  testing::TempDir dir;
  (void)testing::init_data_folder(dir.path(), false);
  const auto config = dir.path() / "pulsemon.toml";
  const auto database = dir.path() / "pulsemon.db";
  {
    SqliteStore source(database, StoreOptions{});
    HouseholdProfile household;
    household.people = 3;
    household.floor_area_m2 = 92.5;
    household.heating = "gas";
    source.set_household(household);
    Meter house;
    house.id = 1;
    house.name = "House";
    house.tariff = "0.30";
    source.add_meter(house, at(-86'400));
    Meter gas;
    gas.id = 7;
    gas.name = "Gas";
    gas.kind = MeterKind::gas;
    gas.unit = "m³";
    gas.pulses_per_unit = 100;
    // The gas meter is a second household's, whose owner granted and then
    // revoked operators' view of it.
    const Site flat = source.add_site("Flat 2", at(-7200));
    gas.site_id = flat.id;
    source.add_meter(gas, at(-3600));
    source.grant_profiles(flat.id, "fay", at(30));
    source.revoke_profiles(flat.id, "fay", at(40));
    source.add_register_record(1, RegisterRecord{at(0), 12'345.6, false});
    source.add_calorific_value(7, CalorificValue{at(0), 39.2, 1.02264});
    // 25 000 pulses over more than a month (three commits' worth in the
    // copy), with rejections and a gap.
    PulseBatch batch{1, {}, {}, {}};
    for (std::int64_t i = 0; i < 25'000; ++i) {
      batch.pulses.push_back(at(i * 150));
    }
    batch.rejected.too_close = 4;
    batch.rejected.unpaired = 1;
    batch.gaps.push_back(Gap{at(1000), 12, "kernel queue overflow"});
    (void)source.commit_or_throw(batch);
    (void)source.commit_or_throw(PulseBatch{7, {at(10), at(20), at(4000)}, {}, {}});
    User viewer;
    viewer.name = "guest";
    viewer.role = Role::viewer;
    viewer.password_hash = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo";
    viewer.must_change_password = true;
    source.add_user(viewer, at(5));
    User fay = viewer;
    fay.name = "fay";
    fay.sites = {{flat.id, Role::admin}, {home_site_id, Role::viewer}};
    source.add_user(fay, at(5));
    User operator_user = viewer;
    operator_user.name = "olga";
    operator_user.is_operator = true;
    source.add_user(operator_user, at(5));
    const std::int64_t key = source.add_device_key(
        "hall node", {1}, at(6), [](std::int64_t id) { return testing::unused_key_hash(id); });
    const std::int64_t revoked =
        source.add_device_key("old node", {1}, at(7), testing::unused_key_hash);
    source.revoke_device_key(revoked, at(8));
    NodeRecord node;
    node.status = NodeStatus{"hall", key, 1, at(900), 4, 12, R"({"rssi":-61})", 2};
    node.anchor = BootAnchor{at(100), at(850)};
    node.overflows = 1;
    source.save_node(node);
    for (std::int64_t seq = 9; seq <= 12; ++seq) {
      source.record_batch("hall", 4, seq, at(800 + seq), 3);
    }
    // A share of the flat's, used and then revoked, a display link of the
    // home's, and a friend of the flat's with its last fetch.
    Link share;
    share.site_id = flat.id;
    share.label = "for the Jansens";
    share.meters = {7};
    share.granularity = ShareGranularity::month;
    share.normalisers = HouseholdProfile{2, 70.0, "gas"};
    share.created_by = "fay";
    share.created = at(50);
    share.token_hash = std::string(64, 'a');
    const std::int64_t shared = source.add_link(share, at(50));
    source.record_link_use(shared, at(60));
    source.revoke_link(flat.id, shared, at(70));
    Link display = share;
    display.site_id = home_site_id;
    display.kind = LinkKind::display;
    display.meters = {1};
    display.token_hash = std::string(64, 'b');
    (void)source.add_link(display, at(80));
    FriendLink jansens;
    jansens.site_id = flat.id;
    jansens.label = "Jansens";
    jansens.url = "https://jansen.example/share/0123456789abcdef";
    jansens.added_by = "fay";
    jansens.added = at(90);
    jansens.id = source.add_friend(jansens);
    jansens.state = FriendState::fine;
    jansens.since = at(91);
    jansens.checked = at(91);
    jansens.fetched = at(91);
    jansens.etag = "\"v1\"";
    jansens.figures = R"({"pulsemon_share":1})";
    source.save_friend_fetch(jansens);
    const std::int64_t run = source.begin_run(at(-60));
    source.keep_run(run, at(2000), true);
  }

  const testing::Completed first =
      testing::run(testing::pulsemon_binary(), {"-c", config.string(), "migrate", "--to", url});
  ASSERT_EQ(first.exit_code, 0) << first.err << first.out;
  EXPECT_NE(first.out.find("2 meters, 25003 pulses"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("Next: set [store] url"), std::string::npos) << first.out;
  {
    SqliteStore source(database, StoreOptions{});
    PostgresStore target(url, StoreOptions{});
    const nlohmann::json moved = everything(source);
    for (const char *part :
         {"household", "meters", "users", "keys", "nodes", "runs", "sites", "links", "friends"}) {
      EXPECT_TRUE(moved.contains(part)) << "the comparison covers " << part;
    }
    EXPECT_EQ(moved["users"].size(), 4U) << "init's admin, the guest, fay and olga";
    EXPECT_EQ(moved["sites"].size(), 2U) << "the home site and Flat 2";
    EXPECT_EQ(moved["keys"].size(), 2U);
    EXPECT_EQ(moved["links"].size(), 2U);
    EXPECT_EQ(moved["friends"].size(), 1U);
    // Compared as a patch: what a failure shows is what differs.
    EXPECT_EQ(nlohmann::json::diff(moved, everything(target)).dump(1), "[]");
    EXPECT_EQ(target.stats(1).duplicates, 0);
  }

  // More pulses came; the second run copies those and nothing twice.
  {
    SqliteStore source(database, StoreOptions{});
    (void)source.commit_or_throw(PulseBatch{1, {at(25'000 * 150), at(25'001 * 150)}, {}, {}});
  }
  const testing::Completed second =
      testing::run(testing::pulsemon_binary(), {"-c", config.string(), "migrate", "--to", url});
  ASSERT_EQ(second.exit_code, 0) << second.err << second.out;
  EXPECT_NE(second.out.find("0 meters, 2 pulses"), std::string::npos) << second.out;
  SqliteStore source(database, StoreOptions{});
  PostgresStore target(url, StoreOptions{});
  EXPECT_EQ(nlohmann::json::diff(everything(source), everything(target)).dump(1), "[]");
  EXPECT_EQ(target.stats(1).duplicates, 0) << "nothing was copied twice";

  // A key made on the target after the move does not take a moved key's id.
  const std::int64_t next = target.add_device_key("new node", {1}, at(9), testing::unused_key_hash);
  EXPECT_GT(next, 2);
}

TEST(Migrate, ABadTargetIsNamedAndTheConfiguredStoreIsRefusedAsItsOwnTarget) {
  testing::TempDir dir;
  (void)testing::init_data_folder(dir.path(), false);
  const auto config = dir.path() / "pulsemon.toml";
  const testing::Completed bad = testing::run(
      testing::pulsemon_binary(), {"-c", config.string(), "migrate", "--to", "mysql://db/x"});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("--to"), std::string::npos) << bad.err;
  const testing::Completed itself =
      testing::run(testing::pulsemon_binary(), {"-c", config.string(), "migrate", "--to",
                                                "sqlite://" + (dir / "pulsemon.db").string()});
  EXPECT_EQ(itself.exit_code, 2) << itself.err;
  EXPECT_NE(itself.err.find("is the configured store itself"), std::string::npos) << itself.err;
}

} // namespace
} // namespace pulsemon

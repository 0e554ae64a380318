#pragma once
// The storage port on PostgreSQL (libpq): the same tables as the SQLite
// store, with rollups and statistics kept in the same transaction as the
// pulses, acknowledged only after COMMIT.
//
// Concurrency (store.h's contract): every write transaction takes one
// transaction-scoped advisory lock first, so writers from every handle and
// every instance run one after the other, as SQLite's BEGIN IMMEDIATE
// makes them; the read-check-write rules (a meter id not taken, the last
// admin, a node's batch once) then need nothing more. Why not serializable
// transactions with retries: pulses reach the store in batches (the
// writer's group commit, one node upload), so writes are few and short and
// the lock is never the limit; a retry loop would have to replay the
// caller's `atomically` work, which may have side effects it cannot undo.
// Reads take no lock; inside a ReadScope they see one snapshot
// (REPEATABLE READ).
//
// Thread safety: none. Each thread opens its own handle.

#include "store/durability.h"
#include "store/pulse_blocks.h"
#include "store/store.h"

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_set>

namespace pulsemon {

namespace pg {
class Connection;
}

class PostgresStore final : public Store {
public:
  // Connects and brings the schema up to date (under an advisory lock, so
  // instances starting together migrate once). Throws Failure(unavailable)
  // when the server cannot be reached, naming why.
  PostgresStore(const std::string &url, StoreOptions options);
  ~PostgresStore() override;
  PostgresStore(const PostgresStore &) = delete;
  PostgresStore &operator=(const PostgresStore &) = delete;

  void atomically(const std::function<void()> &work) override;
  [[nodiscard]] int schema_version() override;

  void add_meter(const Meter &meter, UtcTime now) override;
  void update_meter(const Meter &meter) override;
  [[nodiscard]] std::optional<Meter> find_meter(std::int64_t id) override;
  [[nodiscard]] Meter meter(std::int64_t id) override;
  [[nodiscard]] std::vector<Meter> meters() override;
  [[nodiscard]] MeterStats stats(std::int64_t meter_id) override;
  [[nodiscard]] UtcTime meter_created(std::int64_t meter_id) override;

  void record_gap(std::int64_t meter_id, const Gap &gap) override;
  [[nodiscard]] std::vector<Gap> gaps(std::int64_t meter_id, std::size_t limit) override;

  [[nodiscard]] std::vector<RegisterRecord> register_records(std::int64_t meter_id) override;
  void add_register_record(std::int64_t meter_id, const RegisterRecord &record) override;
  [[nodiscard]] RegisterState register_state(std::int64_t meter_id, UtcTime at) override;

  [[nodiscard]] HouseholdProfile household() override;
  void set_household(const HouseholdProfile &profile) override;

  [[nodiscard]] std::int64_t begin_run(UtcTime now) override;
  void keep_run(std::int64_t run, UtcTime alive, bool stopped) override;
  [[nodiscard]] std::vector<DaemonRun> runs_around(UtcTime from, UtcTime to,
                                                   std::size_t limit) override;

  [[nodiscard]] std::vector<CalorificValue> calorific_values(std::int64_t meter_id) override;
  void add_calorific_value(std::int64_t meter_id, const CalorificValue &value) override;

  // One statement per batch inserts its pulses (an array, ON CONFLICT DO
  // NOTHING RETURNING what was new); rollups and statistics follow in the
  // same transaction.
  std::vector<BatchOutcome> commit(std::span<const PulseBatch> batches) override;
  void rebuild_rollups() override;
  std::size_t seal_pulses(std::size_t max_blocks) override;
  [[nodiscard]] SealingCheck check_sealed_pulses() override;

  // All ranges in one statement.
  [[nodiscard]] std::vector<std::int64_t>
  count_pulses_in(std::int64_t meter_id, std::span<const RawRange> ranges) override;
  [[nodiscard]] std::vector<SlotCount> rollups_in(std::int64_t meter_id,
                                                  std::span<const SlotSpan> spans) override;
  [[nodiscard]] std::vector<UtcTime> last_pulses(std::int64_t meter_id, std::size_t limit) override;
  [[nodiscard]] std::vector<UtcTime> pulses_page(std::int64_t meter_id, UtcTime from, UtcTime to,
                                                 std::size_t limit) override;
  void for_each_pulse(std::int64_t meter_id, UtcTime from, UtcTime to,
                      const std::function<void(UtcTime)> &visit) override;

  void add_user(const User &user, UtcTime now) override;
  [[nodiscard]] std::optional<User> find_user(std::string_view name) override;
  [[nodiscard]] std::vector<User> users() override;
  void set_password(std::string_view name, const std::string &password_hash) override;
  void set_role(std::string_view name, Role role) override;
  void delete_user(std::string_view name) override;
  void set_membership(std::string_view name, std::int64_t site_id,
                      std::optional<Role> role) override;
  void set_operator(std::string_view name, bool is_operator) override;

  Site add_site(const std::string &name, UtcTime now) override;
  void restore_site(const Site &site) override;
  [[nodiscard]] std::vector<Site> sites() override;
  void delete_site(std::int64_t id) override;
  void grant_profiles(std::int64_t site_id, const std::string &by, UtcTime now) override;
  void revoke_profiles(std::int64_t site_id, const std::string &by, UtcTime now) override;
  [[nodiscard]] std::vector<ProfileGrant> profile_grants(std::int64_t site_id) override;

  std::int64_t add_link(const Link &link, UtcTime now) override;
  [[nodiscard]] std::vector<Link> links(std::int64_t site_id) override;
  [[nodiscard]] std::optional<Link> find_link(const std::string &token_hash) override;
  [[nodiscard]] std::optional<Link> find_open_link(const std::string &token_hash, LinkKind kind,
                                                   UtcTime now) override;
  void revoke_link(std::int64_t site_id, std::int64_t id, UtcTime now) override;
  void record_link_use(std::int64_t id, UtcTime now) override;
  void restore_link(const Link &link) override;
  std::int64_t add_friend(const FriendLink &link) override;
  [[nodiscard]] std::vector<FriendLink> friends(std::optional<std::int64_t> site_id) override;
  void save_friend_fetch(const FriendLink &link) override;
  void delete_friend(std::int64_t site_id, std::int64_t id) override;

  std::int64_t add_device_key(const std::string &name, const std::vector<std::int64_t> &meters,
                              UtcTime now, const KeyHasher &hash_for) override;
  [[nodiscard]] std::vector<DeviceKey> device_keys() override;
  [[nodiscard]] std::optional<DeviceKey> find_device_key(std::int64_t id) override;
  void revoke_device_key(std::int64_t id, UtcTime now) override;
  void restore_device_key(const DeviceKey &key) override;

  [[nodiscard]] std::optional<NodeRecord> node(const std::string &name) override;
  void save_node(const NodeRecord &record) override;
  [[nodiscard]] bool batch_seen(const std::string &node, std::int64_t boot,
                                std::int64_t seq) override;
  void record_batch(const std::string &node, std::int64_t boot, std::int64_t seq, UtcTime received,
                    std::int64_t pulses) override;
  void forget_batches(const std::string &node) override;
  void visit_batch_numbers(const std::string &node, std::int64_t boot, std::int64_t first,
                           const std::function<bool(std::int64_t)> &visit) override;
  [[nodiscard]] std::vector<NodeStatus> nodes() override;
  [[nodiscard]] std::vector<NodeStatus> nodes_of_meter(std::int64_t meter_id) override;

  // The change feed's sequence, bumped by every write transaction of any
  // instance: equal tokens mean nothing was written in between.
  [[nodiscard]] ChangeToken change_token() override;
  [[nodiscard]] std::unique_ptr<ReadScope> read_scope() override;
  // LISTENs on a connection of its own (postgres/pg_change_feed.h).
  [[nodiscard]] std::unique_ptr<ChangeFeed> open_change_feed() override;
  // Session advisory locks (postgres/pg_source_claims.h).
  [[nodiscard]] std::unique_ptr<SourceClaims> open_source_claims() override;
  // On this handle's connection (postgres/pg_login_failures.h).
  [[nodiscard]] SharedLoginFailures *shared_login_failures() override;

private:
  class ScopeGuard;
  // Runs `work` in a write transaction (joining one already open).
  template <class Work> auto writing(Work &&work);
  void begin_write();
  void end_write(bool commit);
  [[nodiscard]] bool meter_exists(std::int64_t meter_id);
  void insert_gap(std::int64_t meter_id, const Gap &gap);
  void check_site(std::int64_t site_id);                    // throws Failure(not_found)
  [[nodiscard]] std::int64_t insert_link(const Link &link); // inside a write
  // Writes the user's sites (and the highest role), keeping every site's
  // last owner; inside a write.
  void write_sites(std::string_view name, const std::vector<SiteMembership> &after);
  [[nodiscard]] std::int64_t next_token_generation();
  std::vector<BatchOutcome> commit_in_transaction(std::span<const PulseBatch> batches);
  // Makes the monthly partitions of pulses that `times` (µs) fall in, and
  // the month after each, unless this handle knows them already.
  void ensure_partitions(const std::vector<std::int64_t> &times);
  // Adds counts to the rollups: (meter, slot size, slot start) → pulses.
  void add_rollups(
      const std::map<std::tuple<std::int64_t, std::int64_t, std::int64_t>, std::int64_t> &rollups);
  // Adds to each raw run's count (size 0) the pulses of the blocks its
  // edges cut (count_pulses_in).
  void add_cut_blocks(std::int64_t meter_id, const std::vector<std::int64_t> &owner,
                      const std::vector<std::int64_t> &sizes,
                      const std::vector<std::int64_t> &froms, const std::vector<std::int64_t> &tos,
                      std::vector<std::int64_t> &counts);
  // Adds the sealed blocks' pulses to the rollups (rebuild_rollups).
  void add_sealed_rollups();

  std::unique_ptr<pg::Connection> db_;
  std::unique_ptr<BlockRows> block_rows_;
  std::unique_ptr<PulseBlocks> blocks_;
  std::unique_ptr<SharedLoginFailures> login_failures_;
  std::string url_;
  std::string feed_origin_; // StoreOptions::feed_origin; empty: commits stay out of the feed
  bool fed_ = false;        // the open write transaction put pulses in the feed
  int write_depth_ = 0;     // nesting of writing()/atomically()
  bool in_scope_ = false;   // a ReadScope's transaction is open
  std::unordered_set<std::int64_t> known_meters_;
  std::unordered_set<std::int64_t> known_partitions_; // by their first µs
};

template <class Work> auto PostgresStore::writing(Work &&work) {
  begin_write();
  try {
    if constexpr (std::is_void_v<decltype(work())>) {
      work();
      end_write(true);
    } else {
      auto result = work();
      end_write(true);
      return result;
    }
  } catch (...) {
    if (write_depth_ > 0) {
      end_write(false);
    }
    throw;
  }
}

} // namespace pulsemon

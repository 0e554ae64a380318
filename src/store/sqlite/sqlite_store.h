#pragma once
// The embedded default store: one SQLite file in WAL mode holding meters,
// users, raw pulses (the source of truth) and rollups derived from them in
// the same transaction.
//
// Thread safety: none. Each thread opens its own SqliteStore on the same
// file; SQLite's WAL lets readers run beside the one writer.

#include "core/bucket_counts.h"
#include "core/calendar.h"
#include "core/gas.h"
#include "core/register.h"
#include "store/durability.h"
#include "store/pulse_blocks.h"
#include "store/sqlite/sqlite_handle.h"
#include "store/store.h"
#include "store/types.h"

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <unordered_set>
#include <vector>

namespace pulsemon {

class SqliteStore final : public Store {
public:
  SqliteStore(const std::filesystem::path &path, StoreOptions options);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore &) = delete;
  SqliteStore &operator=(const SqliteStore &) = delete;

  [[nodiscard]] int schema_version() override;

  // Meters. add_meter throws Failure(already_exists) for a taken id.
  void add_meter(const Meter &meter, UtcTime now) override;
  void update_meter(const Meter &meter) override;
  [[nodiscard]] std::optional<Meter> find_meter(std::int64_t id) override;
  [[nodiscard]] Meter meter(std::int64_t id) override; // throws Failure(not_found)
  [[nodiscard]] std::vector<Meter> meters() override;
  [[nodiscard]] MeterStats stats(std::int64_t meter_id) override;
  [[nodiscard]] UtcTime meter_created(std::int64_t meter_id) override;

  // Lost pulses, recorded by the sources that detect them; newest first.
  void record_gap(std::int64_t meter_id, const Gap &gap) override;
  HouseholdProfile household() override;
  void set_household(const HouseholdProfile &profile) override;
  std::int64_t begin_run(UtcTime now) override;
  void keep_run(std::int64_t run, UtcTime alive, bool stopped) override;
  std::vector<DaemonRun> runs_around(UtcTime from, UtcTime to, std::size_t limit) override;
  [[nodiscard]] std::vector<Gap> gaps(std::int64_t meter_id, std::size_t limit) override;

  // Register readings and replacements (validated against the pulses).
  [[nodiscard]] std::vector<RegisterRecord> register_records(std::int64_t meter_id) override;
  void add_register_record(std::int64_t meter_id, const RegisterRecord &record) override;
  [[nodiscard]] RegisterState register_state(std::int64_t meter_id, UtcTime at) override;

  // Gas calorific values with effective dates.
  [[nodiscard]] std::vector<CalorificValue> calorific_values(std::int64_t meter_id) override;
  void add_calorific_value(std::int64_t meter_id, const CalorificValue &value) override;

  // Writes. One transaction for all batches: raw pulses, rollups, statistics.
  std::vector<BatchOutcome> commit(std::span<const PulseBatch> batches) override;
  // Recomputes every rollup and pulse statistic from the raw pulses.
  void rebuild_rollups() override;
  std::size_t seal_pulses(std::size_t max_blocks) override;
  [[nodiscard]] SealingCheck check_sealed_pulses() override;
  void give_back_freed_space() override;

  // Queries.
  [[nodiscard]] std::vector<std::int64_t>
  count_pulses_in(std::int64_t meter_id, std::span<const RawRange> ranges) override;
  // All spans in one statement (a JSON array of them drives json_each).
  [[nodiscard]] std::vector<SlotCount> rollups_in(std::int64_t meter_id,
                                                  std::span<const SlotSpan> spans) override;
  // The last `limit` stored pulses, oldest first.
  [[nodiscard]] std::vector<UtcTime> last_pulses(std::int64_t meter_id, std::size_t limit) override;

  // Up to `limit` pulses in [from, to), oldest first: a page of a stream
  // that continues from the last pulse + 1 µs.
  [[nodiscard]] std::vector<UtcTime> pulses_page(std::int64_t meter_id, UtcTime from, UtcTime to,
                                                 std::size_t limit) override;

  // Calls `visit` for each pulse in [from, to) in time order, without
  // holding them all in memory.
  void for_each_pulse(std::int64_t meter_id, UtcTime from, UtcTime to,
                      const std::function<void(UtcTime)> &visit) override;

  // Users (the API uses them; init creates the first admin).
  void add_user(const User &user, UtcTime now) override;
  [[nodiscard]] std::optional<User> find_user(std::string_view name) override;
  [[nodiscard]] std::vector<User> users() override;
  // Both bump the user's token generation, so tokens issued before stop working.
  void set_password(std::string_view name, const std::string &password_hash) override;
  void set_role(std::string_view name, Role role) override;
  // Refuses to delete the last admin.
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
  void revoke_device_key(std::int64_t id, UtcTime now) override; // throws Failure(not_found)
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
  void atomically(const std::function<void()> &work) override;
  [[nodiscard]] std::vector<NodeStatus> nodes() override;
  [[nodiscard]] std::vector<NodeStatus>
  nodes_of_meter(std::int64_t meter_id) override; // that upload to it

  // PRAGMA data_version (a commit by any other connection or process) and
  // this connection's own change count.
  [[nodiscard]] ChangeToken change_token() override;

  // Folds the WAL into the database file (for a clean size figure or backup).
  void checkpoint();
  void release_space() override { checkpoint(); }

  // One read transaction while alive.
  [[nodiscard]] std::unique_ptr<ReadScope> read_scope() override;

private:
  struct Statements;
  void migrate();
  [[nodiscard]] bool meter_exists(std::int64_t meter_id);
  void insert_gap(std::int64_t meter_id, const Gap &gap);
  // The body of commit(), inside a transaction the caller holds.
  std::vector<BatchOutcome> commit_in_transaction(std::span<const PulseBatch> batches);
  void check_site(std::int64_t site_id); // throws Failure(not_found)
  // Writes the user's sites (and the highest role, for a reader of the
  // table), keeping every site's last owner; inside a transaction.
  void write_sites(std::string_view name, const std::vector<SiteMembership> &after);
  [[nodiscard]] std::int64_t next_token_generation();
  [[nodiscard]] std::int64_t count_range(std::int64_t meter_id, UtcTime from, UtcTime to);
  [[nodiscard]] std::int64_t count_rollup(std::int64_t meter_id, std::chrono::seconds slot,
                                          UtcTime from, UtcTime to);

  sqlite::Database db_;
  std::unique_ptr<Statements> statements_;
  std::unique_ptr<BlockRows> block_rows_;
  std::unique_ptr<PulseBlocks> blocks_;
  std::unordered_set<std::int64_t> known_meters_;
};

} // namespace pulsemon

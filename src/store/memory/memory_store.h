#pragma once
// The storage port held in memory: for tests of what sits above the port
// (API handlers, ingest, series) without a database file, and the second
// implementation the conformance suite (tests/conformance) holds the SQLite
// store to. Keeps everything until destroyed; one handle, no threads.

#include "store/store.h"

#include <map>
#include <set>
#include <string>

namespace pulsemon {

class MemoryStore final : public Store {
public:
  MemoryStore() = default;

  int schema_version() override { return 0; }
  void atomically(const std::function<void()> &work) override;

  void add_meter(const Meter &meter, UtcTime now) override;
  void update_meter(const Meter &meter) override;
  std::optional<Meter> find_meter(std::int64_t id) override;
  Meter meter(std::int64_t id) override;
  std::vector<Meter> meters() override;
  MeterStats stats(std::int64_t meter_id) override;
  UtcTime meter_created(std::int64_t meter_id) override;

  void record_gap(std::int64_t meter_id, const Gap &gap) override;
  HouseholdProfile household() override;
  void set_household(const HouseholdProfile &profile) override;
  std::int64_t begin_run(UtcTime now) override;
  void keep_run(std::int64_t run, UtcTime alive, bool stopped) override;
  std::vector<DaemonRun> runs_around(UtcTime from, UtcTime to, std::size_t limit) override;
  std::vector<Gap> gaps(std::int64_t meter_id, std::size_t limit) override;

  std::vector<RegisterRecord> register_records(std::int64_t meter_id) override;
  void add_register_record(std::int64_t meter_id, const RegisterRecord &record) override;
  RegisterState register_state(std::int64_t meter_id, UtcTime at) override;

  std::vector<CalorificValue> calorific_values(std::int64_t meter_id) override;
  void add_calorific_value(std::int64_t meter_id, const CalorificValue &value) override;

  std::vector<BatchOutcome> commit(std::span<const PulseBatch> batches) override;
  void rebuild_rollups() override {} // counts are made from the pulses when asked

  std::vector<std::int64_t> count_pulses_in(std::int64_t meter_id,
                                            std::span<const RawRange> ranges) override;
  std::vector<SlotCount> rollups_in(std::int64_t meter_id,
                                    std::span<const SlotSpan> spans) override;
  std::vector<UtcTime> last_pulses(std::int64_t meter_id, std::size_t limit) override;
  std::vector<UtcTime> pulses_page(std::int64_t meter_id, UtcTime from, UtcTime to,
                                   std::size_t limit) override;
  void for_each_pulse(std::int64_t meter_id, UtcTime from, UtcTime to,
                      const std::function<void(UtcTime)> &visit) override;

  void add_user(const User &user, UtcTime now) override;
  std::optional<User> find_user(std::string_view name) override;
  std::vector<User> users() override;
  void set_password(std::string_view name, const std::string &password_hash) override;
  void set_role(std::string_view name, Role role) override;
  void delete_user(std::string_view name) override;
  void set_membership(std::string_view name, std::int64_t site_id,
                      std::optional<Role> role) override;
  void set_operator(std::string_view name, bool is_operator) override;

  Site add_site(const std::string &name, UtcTime now) override;
  void restore_site(const Site &site) override;
  std::vector<Site> sites() override;
  void delete_site(std::int64_t id) override;
  void grant_profiles(std::int64_t site_id, const std::string &by, UtcTime now) override;
  void revoke_profiles(std::int64_t site_id, const std::string &by, UtcTime now) override;
  std::vector<ProfileGrant> profile_grants(std::int64_t site_id) override;

  std::int64_t add_link(const Link &link, UtcTime now) override;
  std::vector<Link> links(std::int64_t site_id) override;
  std::optional<Link> find_link(const std::string &token_hash) override;
  std::optional<Link> find_open_link(const std::string &token_hash, LinkKind kind,
                                     UtcTime now) override;
  void revoke_link(std::int64_t site_id, std::int64_t id, UtcTime now) override;
  void record_link_use(std::int64_t id, UtcTime now) override;
  void restore_link(const Link &link) override;
  std::int64_t add_friend(const FriendLink &link) override;
  std::vector<FriendLink> friends(std::optional<std::int64_t> site_id) override;
  void save_friend_fetch(const FriendLink &link) override;
  void delete_friend(std::int64_t site_id, std::int64_t id) override;

  std::int64_t add_device_key(const std::string &name, const std::vector<std::int64_t> &meters,
                              UtcTime now, const KeyHasher &hash_for) override;
  std::vector<DeviceKey> device_keys() override;
  std::optional<DeviceKey> find_device_key(std::int64_t id) override;
  void revoke_device_key(std::int64_t id, UtcTime now) override;
  void restore_device_key(const DeviceKey &key) override;

  std::optional<NodeRecord> node(const std::string &name) override;
  void save_node(const NodeRecord &record) override;
  bool batch_seen(const std::string &node, std::int64_t boot, std::int64_t seq) override;
  void record_batch(const std::string &node, std::int64_t boot, std::int64_t seq, UtcTime received,
                    std::int64_t pulses) override;
  void forget_batches(const std::string &node) override;
  void visit_batch_numbers(const std::string &node, std::int64_t boot, std::int64_t first,
                           const std::function<bool(std::int64_t)> &visit) override;
  std::vector<NodeStatus> nodes() override;
  std::vector<NodeStatus> nodes_of_meter(std::int64_t meter_id) override;

  ChangeToken change_token() override { return {0, changes_}; }
  std::unique_ptr<ReadScope> read_scope() override { return std::make_unique<ReadScope>(); }

private:
  struct MeterState {
    Meter meter;
    UtcTime created;
    std::set<UtcTime> pulses;
    MeterStats stats;
    std::vector<Gap> gaps; // in the order recorded
    std::vector<RegisterRecord> records;
    std::vector<CalorificValue> calorific;
  };
  struct State {
    std::map<std::int64_t, MeterState> meters;
    std::map<std::string, User, std::less<>> users;
    std::int64_t next_user_id = 1;
    std::int64_t next_token_generation = 1;
    std::map<std::int64_t, DeviceKey> keys;
    std::map<std::string, NodeRecord> nodes;
    std::set<std::tuple<std::string, std::int64_t, std::int64_t>> batches; // node, boot, seq
    std::vector<DaemonRun> runs;                                           // in the order begun
    HouseholdProfile household;
    std::map<std::int64_t, Site> sites{{home_site_id, Site{home_site_id, "home", {}, false}}};
    std::vector<ProfileGrant> grants; // in the order granted
    std::map<std::int64_t, Link> links;
    std::map<std::int64_t, FriendLink> friends;
  };

  MeterState &meter_state(std::int64_t id);    // throws Failure(not_found)
  User &user_state(std::string_view name);     // throws Failure(not_found)
  void check_site(std::int64_t site_id) const; // throws Failure(not_found)
  // Sets the user's sites, keeping every site's last owner.
  void change_sites(std::string_view name, std::vector<SiteMembership> after);
  void changed() { ++changes_; }

  State state_;
  std::int64_t changes_ = 0;
};

} // namespace pulsemon

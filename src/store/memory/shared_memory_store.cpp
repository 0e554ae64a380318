#include "store/memory/shared_memory_store.h"

#include "store/memory/memory_store.h"

#include <map>
#include <mutex>

namespace pulsemon {

namespace {

struct Shared {
  std::recursive_mutex mutex; // recursive: an atomically block calls back in
  MemoryStore store;
};

// Holds the lock for as long as the reads of one scope want one state.
class LockedScope final : public ReadScope {
public:
  explicit LockedScope(std::recursive_mutex &mutex) : lock_(mutex) {}

private:
  std::unique_lock<std::recursive_mutex> lock_;
};

class SerialisedStore final : public Store {
  // Defined first: the calls below deduce their types from `call`.
  [[nodiscard]] std::unique_lock<std::recursive_mutex> locked() const {
    return std::unique_lock<std::recursive_mutex>(shared_->mutex);
  }
  template <class Work> auto call(Work &&work) {
    const auto lock = locked();
    return work(static_cast<Store &>(shared_->store));
  }

public:
  explicit SerialisedStore(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

  void atomically(const std::function<void()> &work) override {
    const auto lock = locked();
    shared_->store.atomically(work);
  }
  int schema_version() override {
    return call([](Store &s) { return s.schema_version(); });
  }

  void add_meter(const Meter &meter, UtcTime now) override {
    call([&](Store &s) { s.add_meter(meter, now); });
  }
  void update_meter(const Meter &meter) override {
    call([&](Store &s) { s.update_meter(meter); });
  }
  std::optional<Meter> find_meter(std::int64_t id) override {
    return call([&](Store &s) { return s.find_meter(id); });
  }
  Meter meter(std::int64_t id) override {
    return call([&](Store &s) { return s.meter(id); });
  }
  std::vector<Meter> meters() override {
    return call([](Store &s) { return s.meters(); });
  }
  MeterStats stats(std::int64_t meter_id) override {
    return call([&](Store &s) { return s.stats(meter_id); });
  }
  UtcTime meter_created(std::int64_t meter_id) override {
    return call([&](Store &s) { return s.meter_created(meter_id); });
  }

  void record_gap(std::int64_t meter_id, const Gap &gap) override {
    call([&](Store &s) { s.record_gap(meter_id, gap); });
  }
  std::vector<Gap> gaps(std::int64_t meter_id, std::size_t limit) override {
    return call([&](Store &s) { return s.gaps(meter_id, limit); });
  }

  std::vector<RegisterRecord> register_records(std::int64_t meter_id) override {
    return call([&](Store &s) { return s.register_records(meter_id); });
  }
  void add_register_record(std::int64_t meter_id, const RegisterRecord &record) override {
    call([&](Store &s) { s.add_register_record(meter_id, record); });
  }
  RegisterState register_state(std::int64_t meter_id, UtcTime at) override {
    return call([&](Store &s) { return s.register_state(meter_id, at); });
  }

  HouseholdProfile household() override {
    return call([](Store &s) { return s.household(); });
  }
  void set_household(const HouseholdProfile &profile) override {
    call([&](Store &s) { s.set_household(profile); });
  }

  std::int64_t begin_run(UtcTime now) override {
    return call([&](Store &s) { return s.begin_run(now); });
  }
  void keep_run(std::int64_t run, UtcTime alive, bool stopped) override {
    call([&](Store &s) { s.keep_run(run, alive, stopped); });
  }
  std::vector<DaemonRun> runs_around(UtcTime from, UtcTime to, std::size_t limit) override {
    return call([&](Store &s) { return s.runs_around(from, to, limit); });
  }

  std::vector<CalorificValue> calorific_values(std::int64_t meter_id) override {
    return call([&](Store &s) { return s.calorific_values(meter_id); });
  }
  void add_calorific_value(std::int64_t meter_id, const CalorificValue &value) override {
    call([&](Store &s) { s.add_calorific_value(meter_id, value); });
  }

  std::vector<BatchOutcome> commit(std::span<const PulseBatch> batches) override {
    return call([&](Store &s) { return s.commit(batches); });
  }
  void rebuild_rollups() override {
    call([](Store &s) { s.rebuild_rollups(); });
  }

  std::vector<std::int64_t> count_pulses_in(std::int64_t meter_id,
                                            std::span<const RawRange> ranges) override {
    return call([&](Store &s) { return s.count_pulses_in(meter_id, ranges); });
  }
  std::vector<SlotCount> rollups_in(std::int64_t meter_id,
                                    std::span<const SlotSpan> spans) override {
    return call([&](Store &s) { return s.rollups_in(meter_id, spans); });
  }
  std::vector<UtcTime> last_pulses(std::int64_t meter_id, std::size_t limit) override {
    return call([&](Store &s) { return s.last_pulses(meter_id, limit); });
  }
  std::vector<UtcTime> pulses_page(std::int64_t meter_id, UtcTime from, UtcTime to,
                                   std::size_t limit) override {
    return call([&](Store &s) { return s.pulses_page(meter_id, from, to, limit); });
  }
  void for_each_pulse(std::int64_t meter_id, UtcTime from, UtcTime to,
                      const std::function<void(UtcTime)> &visit) override {
    call([&](Store &s) { s.for_each_pulse(meter_id, from, to, visit); });
  }

  void add_user(const User &user, UtcTime now) override {
    call([&](Store &s) { s.add_user(user, now); });
  }
  std::optional<User> find_user(std::string_view name) override {
    return call([&](Store &s) { return s.find_user(name); });
  }
  std::vector<User> users() override {
    return call([](Store &s) { return s.users(); });
  }
  void set_password(std::string_view name, const std::string &password_hash) override {
    call([&](Store &s) { s.set_password(name, password_hash); });
  }
  void set_role(std::string_view name, Role role) override {
    call([&](Store &s) { s.set_role(name, role); });
  }
  void delete_user(std::string_view name) override {
    call([&](Store &s) { s.delete_user(name); });
  }
  void set_membership(std::string_view name, std::int64_t site_id,
                      std::optional<Role> role) override {
    call([&](Store &s) { s.set_membership(name, site_id, role); });
  }
  void set_operator(std::string_view name, bool is_operator) override {
    call([&](Store &s) { s.set_operator(name, is_operator); });
  }
  Site add_site(const std::string &name, UtcTime now) override {
    return call([&](Store &s) { return s.add_site(name, now); });
  }
  void restore_site(const Site &site) override {
    call([&](Store &s) { s.restore_site(site); });
  }
  std::vector<Site> sites() override {
    return call([](Store &s) { return s.sites(); });
  }
  void delete_site(std::int64_t id) override {
    call([&](Store &s) { s.delete_site(id); });
  }
  void grant_profiles(std::int64_t site_id, const std::string &by, UtcTime now) override {
    call([&](Store &s) { s.grant_profiles(site_id, by, now); });
  }
  void revoke_profiles(std::int64_t site_id, const std::string &by, UtcTime now) override {
    call([&](Store &s) { s.revoke_profiles(site_id, by, now); });
  }
  std::vector<ProfileGrant> profile_grants(std::int64_t site_id) override {
    return call([&](Store &s) { return s.profile_grants(site_id); });
  }

  std::int64_t add_link(const Link &link, UtcTime now) override {
    return call([&](Store &s) { return s.add_link(link, now); });
  }
  std::vector<Link> links(std::int64_t site_id) override {
    return call([&](Store &s) { return s.links(site_id); });
  }
  std::optional<Link> find_link(const std::string &token_hash) override {
    return call([&](Store &s) { return s.find_link(token_hash); });
  }
  void revoke_link(std::int64_t site_id, std::int64_t id, UtcTime now) override {
    call([&](Store &s) { s.revoke_link(site_id, id, now); });
  }
  void record_link_use(std::int64_t id, UtcTime now) override {
    call([&](Store &s) { s.record_link_use(id, now); });
  }
  std::optional<Link> find_open_link(const std::string &token_hash, LinkKind kind,
                                     UtcTime now) override {
    return call([&](Store &s) { return s.find_open_link(token_hash, kind, now); });
  }
  void restore_link(const Link &link) override {
    call([&](Store &s) { s.restore_link(link); });
  }
  std::int64_t add_friend(const FriendLink &link) override {
    return call([&](Store &s) { return s.add_friend(link); });
  }
  std::vector<FriendLink> friends(std::optional<std::int64_t> site_id) override {
    return call([&](Store &s) { return s.friends(site_id); });
  }
  void save_friend_fetch(const FriendLink &link) override {
    call([&](Store &s) { s.save_friend_fetch(link); });
  }
  void delete_friend(std::int64_t site_id, std::int64_t id) override {
    call([&](Store &s) { s.delete_friend(site_id, id); });
  }

  std::int64_t add_device_key(const std::string &name, const std::vector<std::int64_t> &meters,
                              UtcTime now, const KeyHasher &hash_for) override {
    return call([&](Store &s) { return s.add_device_key(name, meters, now, hash_for); });
  }
  std::vector<DeviceKey> device_keys() override {
    return call([](Store &s) { return s.device_keys(); });
  }
  std::optional<DeviceKey> find_device_key(std::int64_t id) override {
    return call([&](Store &s) { return s.find_device_key(id); });
  }
  void restore_device_key(const DeviceKey &key) override {
    call([&](Store &s) { s.restore_device_key(key); });
  }
  void revoke_device_key(std::int64_t id, UtcTime now) override {
    call([&](Store &s) { s.revoke_device_key(id, now); });
  }

  std::optional<NodeRecord> node(const std::string &name) override {
    return call([&](Store &s) { return s.node(name); });
  }
  void save_node(const NodeRecord &record) override {
    call([&](Store &s) { s.save_node(record); });
  }
  bool batch_seen(const std::string &node, std::int64_t boot, std::int64_t seq) override {
    return call([&](Store &s) { return s.batch_seen(node, boot, seq); });
  }
  void record_batch(const std::string &node, std::int64_t boot, std::int64_t seq, UtcTime received,
                    std::int64_t pulses) override {
    call([&](Store &s) { s.record_batch(node, boot, seq, received, pulses); });
  }
  void forget_batches(const std::string &node) override {
    call([&](Store &s) { s.forget_batches(node); });
  }
  void visit_batch_numbers(const std::string &node, std::int64_t boot, std::int64_t first,
                           const std::function<bool(std::int64_t)> &visit) override {
    call([&](Store &s) { s.visit_batch_numbers(node, boot, first, visit); });
  }
  std::vector<NodeStatus> nodes() override {
    return call([](Store &s) { return s.nodes(); });
  }
  std::vector<NodeStatus> nodes_of_meter(std::int64_t meter_id) override {
    return call([&](Store &s) { return s.nodes_of_meter(meter_id); });
  }

  ChangeToken change_token() override {
    return call([](Store &s) { return s.change_token(); });
  }
  std::unique_ptr<ReadScope> read_scope() override {
    return std::make_unique<LockedScope>(shared_->mutex);
  }

private:
  std::shared_ptr<Shared> shared_;
};

} // namespace

std::unique_ptr<Store> open_shared_memory_store(const std::string &name) {
  static std::mutex registry_mutex;
  static std::map<std::string, std::shared_ptr<Shared>> registry;
  const std::lock_guard lock(registry_mutex);
  std::shared_ptr<Shared> &shared = registry[name];
  if (!shared) {
    shared = std::make_shared<Shared>();
  }
  return std::make_unique<SerialisedStore>(shared);
}

} // namespace pulsemon

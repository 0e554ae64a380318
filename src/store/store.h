#pragma once
// The storage port: everything pulsemon keeps, as the rest of the program
// sees it, with no backend's types in it. The SQLite backend (store/sqlite) is the
// embedded backend; the API, ingest and the commands use only this.
//
// Two parts:
// - pulses: commit batches idempotently (PulseSink), count and read them
//   over ranges, the last pulses, a read scope, a change token;
// - the catalogue: meters, users, device keys, register readings,
//   calorific values, gaps and sensor nodes.
//
// Thread safety: none. Each thread opens its own handle on the same data.
//
// Concurrency between handles (threads, processes): every write call, and
// every `atomically` block, runs as if alone. A rule that reads and then
// writes (a meter id not taken, the last admin kept, a node's batch seen
// once, the node's name owned by its key) holds whoever else writes at the
// same time. SQLite keeps this by taking the write lock at the start of
// each write transaction (BEGIN IMMEDIATE), so writers run one after the
// other; a backend with concurrent writers must give the same (serializable
// transactions retried on conflict, or row locks taken before the reads)
// and pass tests/integration/store_race_test.cpp's races. Reads see
// committed data only; inside a ReadScope, one state of it.

#include "core/boot_anchor.h"
#include "core/bucket_counts.h"
#include "core/downtime.h"
#include "core/friend_link.h"
#include "core/gas.h"
#include "core/household.h"
#include "core/register.h"
#include "core/sealing_check.h"
#include "core/share_link.h"
#include "store/change_feed.h"
#include "store/login_failures.h"
#include "store/pulse_sink.h"
#include "store/source_claims.h"
#include "store/types.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pulsemon {

// Moves whenever stored data may have changed, through this handle or any
// other; only equality means anything. Lets a reader keep what it read.
struct ChangeToken {
  std::int64_t elsewhere = -1; // changes by other handles or processes
  std::int64_t here = -1;      // changes made through this handle
  friend bool operator==(const ChangeToken &, const ChangeToken &) = default;
};

// While alive, the reads of one handle see one state of the data (and run
// faster). Nothing may write through the handle meanwhile.
class ReadScope {
public:
  ReadScope() = default;
  ReadScope(const ReadScope &) = delete;
  ReadScope &operator=(const ReadScope &) = delete;
  virtual ~ReadScope() = default;
};

// What the store keeps of a sensor node between its batches.
struct NodeRecord {
  NodeStatus status;
  std::optional<BootAnchor> anchor; // where this boot's clock stands in wall time
  std::int64_t overflows = 0;       // the buffer overflows it last reported this boot
};

class Store : public PulseSink {
public:
  // Runs `work` as one transaction: all the writes it makes through this
  // handle, or none when it throws. Calls may nest; the outermost decides.
  virtual void atomically(const std::function<void()> &work) = 0;

  [[nodiscard]] virtual int schema_version() = 0;

  // Meters. add_meter throws Failure(already_exists) for a taken id,
  // not_found for a site that does not exist (update_meter too).
  virtual void add_meter(const Meter &meter, UtcTime now) = 0;
  virtual void update_meter(const Meter &meter) = 0;
  [[nodiscard]] virtual std::optional<Meter> find_meter(std::int64_t id) = 0;
  [[nodiscard]] virtual Meter meter(std::int64_t id) = 0; // throws Failure(not_found)
  [[nodiscard]] virtual std::vector<Meter> meters() = 0;
  [[nodiscard]] virtual MeterStats stats(std::int64_t meter_id) = 0;
  [[nodiscard]] virtual UtcTime meter_created(std::int64_t meter_id) = 0;

  // Lost pulses, recorded by the sources that detect them; newest first.
  virtual void record_gap(std::int64_t meter_id, const Gap &gap) = 0;
  [[nodiscard]] virtual std::vector<Gap> gaps(std::int64_t meter_id, std::size_t limit) = 0;

  // Register readings and replacements (validated against the pulses).
  [[nodiscard]] virtual std::vector<RegisterRecord> register_records(std::int64_t meter_id) = 0;
  virtual void add_register_record(std::int64_t meter_id, const RegisterRecord &record) = 0;
  [[nodiscard]] virtual RegisterState register_state(std::int64_t meter_id, UtcTime at) = 0;

  // The household's own description (core/household.h); set_household
  // throws Failure(invalid_argument) naming a bad field.
  [[nodiscard]] virtual HouseholdProfile household() = 0;
  virtual void set_household(const HouseholdProfile &profile) = 0;

  // The daemon's runs (core/downtime.h): begun when serve starts, kept by
  // its heartbeat, marked stopped at a clean stop.
  [[nodiscard]] virtual std::int64_t begin_run(UtcTime now) = 0;
  virtual void keep_run(std::int64_t run, UtcTime alive, bool stopped) = 0;
  // The runs that bound [from, to): the last to start before it, at most
  // `limit` starting in it, and the first to start after it; by start.
  [[nodiscard]] virtual std::vector<DaemonRun> runs_around(UtcTime from, UtcTime to,
                                                           std::size_t limit) = 0;

  // Gas calorific values with effective dates.
  [[nodiscard]] virtual std::vector<CalorificValue> calorific_values(std::int64_t meter_id) = 0;
  virtual void add_calorific_value(std::int64_t meter_id, const CalorificValue &value) = 0;

  // One batch in its own transaction; throws Failure when it is refused.
  BatchOutcome commit_or_throw(const PulseBatch &batch) {
    BatchOutcome outcome = commit(std::span<const PulseBatch>(&batch, 1)).front();
    if (outcome.error) {
      throw Failure(*outcome.error);
    }
    return outcome;
  }
  // Recomputes every rollup and pulse statistic from the raw pulses.
  virtual void rebuild_rollups() = 0;

  // An upgraded store kept, per meter and UTC day, how many pulses it held
  // before they were sealed into blocks (store/pulse_blocks.h). This counts
  // the pulses stored now, decoding every block, and compares: every day
  // before the upgrade's equal, the upgrade's day not less (the daemon may
  // have stored more that day), each meter's total its statistics'. When
  // all agree the kept counts are forgotten. A store with nothing kept
  // (new, checked already, or keeping no blocks) returns checked = false.
  [[nodiscard]] virtual SealingCheck check_sealed_pulses() { return {}; }
  // Gives the space that sealing freed back to the file system (SQLite:
  // VACUUM, which writes the file anew and needs its size free on disk
  // meanwhile). Where the backend reuses it by itself, does nothing.
  virtual void give_back_freed_space() {}

  // Pulse counts and series.
  // The pulses in each of the ranges [from, to), in one call: a backend
  // across a network answers them in one round trip (a power series asks
  // for up to 10 000 at once).
  [[nodiscard]] virtual std::vector<std::int64_t>
  count_pulses_in(std::int64_t meter_id, std::span<const RawRange> ranges) = 0;
  [[nodiscard]] std::int64_t count_pulses(std::int64_t meter_id, UtcTime from, UtcTime to) {
    const RawRange range{from, to};
    return count_pulses_in(meter_id, std::span<const RawRange>(&range, 1)).front();
  }
  // The stored rollups within the spans (whole slots of 15 minutes, an
  // hour or a day), in no particular order; slots without pulses may be
  // left out. Domain code sums them (domain/series.h).
  [[nodiscard]] virtual std::vector<SlotCount> rollups_in(std::int64_t meter_id,
                                                          std::span<const SlotSpan> spans) = 0;
  // The last `limit` stored pulses, oldest first.
  [[nodiscard]] virtual std::vector<UtcTime> last_pulses(std::int64_t meter_id,
                                                         std::size_t limit) = 0;
  // Up to `limit` pulses in [from, to), oldest first: a page of a stream
  // that continues from the last pulse + 1 µs.
  [[nodiscard]] virtual std::vector<UtcTime> pulses_page(std::int64_t meter_id, UtcTime from,
                                                         UtcTime to, std::size_t limit) = 0;
  // Calls `visit` for each pulse in [from, to) in time order, without
  // holding them all in memory.
  virtual void for_each_pulse(std::int64_t meter_id, UtcTime from, UtcTime to,
                              const std::function<void(UtcTime)> &visit) = 0;

  // Users. add_user throws Failure(not_found) for a site that does not
  // exist. Setting a password or a role bumps the user's token generation,
  // so tokens issued before stop working; the last admin is never deleted.
  virtual void add_user(const User &user, UtcTime now) = 0;
  [[nodiscard]] virtual std::optional<User> find_user(std::string_view name) = 0;
  [[nodiscard]] virtual std::vector<User> users() = 0;
  virtual void set_password(std::string_view name, const std::string &password_hash) = 0;
  virtual void set_role(std::string_view name, Role role) = 0;
  virtual void delete_user(std::string_view name) = 0;
  // Memberships (core/site.h): `role` sets the user's role in the site,
  // nullopt ends the membership. A site's last owner keeps the role
  // (Failure(invalid_argument)), so does set_role, which sets the role in
  // every site of the user (a single-household install's one), and
  // delete_user. Changing or ending a role the user held bumps the token
  // generation, as set_role does (a new membership does not: who may see
  // what is read from the store at each request anyway).
  virtual void set_membership(std::string_view name, std::int64_t site_id,
                              std::optional<Role> role) = 0;
  virtual void set_operator(std::string_view name, bool is_operator) = 0;

  // Sites. Every store holds the home site (core/site.h) from its start;
  // an upgraded one gave it everything it held. add_site throws
  // Failure(already_exists) for a taken name; delete_site throws not_found,
  // or invalid_argument while the site owns a meter, and takes its
  // memberships and grants with it.
  virtual Site add_site(const std::string &name, UtcTime now) = 0;
  // A site as another store kept it (pulsemon migrate), with its id;
  // Failure(already_exists) when the id or the name is taken.
  virtual void restore_site(const Site &site) = 0;
  [[nodiscard]] virtual std::vector<Site> sites() = 0;
  virtual void delete_site(std::int64_t id) = 0;
  // A site owner's grant of the hourly and finer figures to the operators,
  // and its revocation, kept with who and when (oldest first). Granting
  // what is granted, or revoking what is not, changes nothing.
  virtual void grant_profiles(std::int64_t site_id, const std::string &by, UtcTime now) = 0;
  virtual void revoke_profiles(std::int64_t site_id, const std::string &by, UtcTime now) = 0;
  [[nodiscard]] virtual std::vector<ProfileGrant> profile_grants(std::int64_t site_id) = 0;

  // Share and display links (core/share_link.h). add_link checks the link
  // (link_error), that its meters are all of its site and that the site
  // has fewer than max_links_per_site open links, and returns the new id.
  // find_link finds a link by its token's hash, revoked and expired ones
  // too. revoke_link throws Failure(not_found) for an id of no link of the
  // site; revoking a revoked link changes nothing.
  virtual std::int64_t add_link(const Link &link, UtcTime now) = 0;
  [[nodiscard]] virtual std::vector<Link> links(std::int64_t site_id) = 0;
  [[nodiscard]] virtual std::optional<Link> find_link(const std::string &token_hash) = 0;
  // The link a token's hash opens at `now` of `kind`, if any: the lookup a
  // stranger's request makes, which does the same work for a token never
  // made as for a revoked or expired one (the conditions are the query's,
  // so a row that opens nothing is never read out).
  [[nodiscard]] virtual std::optional<Link> find_open_link(const std::string &token_hash,
                                                           LinkKind kind, UtcTime now) = 0;
  virtual void revoke_link(std::int64_t site_id, std::int64_t id, UtcTime now) = 0;
  virtual void record_link_use(std::int64_t id, UtcTime now) = 0;
  // A link as another store kept it (pulsemon migrate): every field but
  // its id, revoked and expired ones too; Failure(already_exists) when its
  // token's hash is taken.
  virtual void restore_link(const Link &link) = 0;

  // Friends' share links (core/friend_link.h). add_friend refuses more
  // than max_friends_per_site per site; save_friend_fetch keeps a fetch's
  // state, reason, times, ETag and copy; friends() without a site lists
  // every site's (the fetcher's round).
  virtual std::int64_t add_friend(const FriendLink &link) = 0;
  [[nodiscard]] virtual std::vector<FriendLink> friends(std::optional<std::int64_t> site_id) = 0;
  virtual void save_friend_fetch(const FriendLink &link) = 0;
  virtual void delete_friend(std::int64_t site_id, std::int64_t id) = 0; // throws not_found

  // Device keys for sensor nodes. add_device_key checks the meters exist,
  // all in one site (store_rules.h key_meters_error),
  // and makes the key in one transaction: a key's text holds its id, so
  // `hash_for(id)` is called with the new id inside it and returns the hash
  // to keep. No handle ever sees a key without its hash. Returns the id.
  using KeyHasher = std::function<std::string(std::int64_t id)>;
  virtual std::int64_t add_device_key(const std::string &name,
                                      const std::vector<std::int64_t> &meters, UtcTime now,
                                      const KeyHasher &hash_for) = 0;
  [[nodiscard]] virtual std::vector<DeviceKey> device_keys() = 0;
  [[nodiscard]] virtual std::optional<DeviceKey> find_device_key(std::int64_t id) = 0;
  virtual void revoke_device_key(std::int64_t id, UtcTime now) = 0; // throws Failure(not_found)
  // A key as another store kept it (pulsemon migrate): its id, which its
  // text carries, its hash, meters, creation and revocation. Throws
  // Failure(already_exists) when the id is taken, not_found for a meter.
  virtual void restore_device_key(const DeviceKey &key) = 0;

  // Sensor nodes and the batch numbers they used; ingest/node_batches.h
  // keeps the rules (a node's name belongs to its key, each batch once,
  // boot anchoring, overflows as gaps) and calls these inside atomically().
  [[nodiscard]] virtual std::optional<NodeRecord> node(const std::string &name) = 0;
  virtual void save_node(const NodeRecord &record) = 0;
  [[nodiscard]] virtual bool batch_seen(const std::string &node, std::int64_t boot,
                                        std::int64_t seq) = 0;
  virtual void record_batch(const std::string &node, std::int64_t boot, std::int64_t seq,
                            UtcTime received, std::int64_t pulses) = 0;
  virtual void forget_batches(const std::string &node) = 0;
  // Calls `visit` with the numbers from `first` on stored for the node's
  // boot, ascending, until it returns false.
  virtual void visit_batch_numbers(const std::string &node, std::int64_t boot, std::int64_t first,
                                   const std::function<bool(std::int64_t)> &visit) = 0;
  [[nodiscard]] virtual std::vector<NodeStatus> nodes() = 0;
  [[nodiscard]] virtual std::vector<NodeStatus> nodes_of_meter(std::int64_t meter_id) = 0;

  [[nodiscard]] virtual ChangeToken change_token() = 0;
  [[nodiscard]] virtual std::unique_ptr<ReadScope> read_scope() = 0;

  // A feed of the pulses committed by every instance on this store, on a
  // connection of its own; nullptr where one process is all the backend
  // serves (store/change_feed.h).
  [[nodiscard]] virtual std::unique_ptr<ChangeFeed> open_change_feed() { return nullptr; }
  // Claims on meters' sources among the instances on this store, on a
  // connection of their own (store/source_claims.h).
  [[nodiscard]] virtual std::unique_ptr<SourceClaims> open_source_claims() {
    return std::make_unique<UncontestedClaims>();
  }
  // Failed logins every instance on this store counts (through this
  // handle); nullptr where one process is all the backend serves.
  [[nodiscard]] virtual SharedLoginFailures *shared_login_failures() { return nullptr; }
};

} // namespace pulsemon

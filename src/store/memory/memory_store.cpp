#include "store/memory/memory_store.h"

#include "core/quoted_input.h"
#include "core/rollup_plan.h"
#include "store/store_rules.h"

#include <algorithm>

namespace pulsemon {

namespace {

Failure no_user(std::string_view name) {
  return Failure(ErrorCode::not_found, "user " + quoted_input(name) + " does not exist");
}

} // namespace

void MemoryStore::atomically(const std::function<void()> &work) {
  const State before = state_;
  const std::int64_t changes_before = changes_;
  try {
    work();
  } catch (...) {
    state_ = before;
    changes_ = changes_before;
    throw;
  }
}

MemoryStore::MeterState &MemoryStore::meter_state(std::int64_t id) {
  const auto found = state_.meters.find(id);
  if (found == state_.meters.end()) {
    throw Failure(ErrorCode::not_found, "meter " + std::to_string(id) + " does not exist");
  }
  return found->second;
}

void MemoryStore::add_meter(const Meter &meter, UtcTime now) {
  if (auto error = meter_error(meter)) {
    throw Failure(*error);
  }
  if (state_.meters.contains(meter.id)) {
    throw Failure(ErrorCode::already_exists,
                  "id: meter " + std::to_string(meter.id) + " already exists");
  }
  check_site(meter.site_id);
  state_.meters[meter.id] = MeterState{meter, now, {}, {}, {}, {}, {}};
  changed();
}

void MemoryStore::update_meter(const Meter &meter) {
  if (auto error = meter_error(meter)) {
    throw Failure(*error);
  }
  MeterState &state = meter_state(meter.id);
  if (auto error = meter_change_error(state.meter, meter, !state.pulses.empty())) {
    throw Failure(*error);
  }
  check_site(meter.site_id);
  state.meter = meter;
  changed();
}

std::optional<Meter> MemoryStore::find_meter(std::int64_t id) {
  const auto found = state_.meters.find(id);
  return found == state_.meters.end() ? std::nullopt : std::optional<Meter>(found->second.meter);
}

Meter MemoryStore::meter(std::int64_t id) {
  return meter_state(id).meter;
}

std::vector<Meter> MemoryStore::meters() {
  std::vector<Meter> all;
  for (const auto &[id, state] : state_.meters) {
    all.push_back(state.meter);
  }
  return all;
}

MeterStats MemoryStore::stats(std::int64_t meter_id) {
  const auto found = state_.meters.find(meter_id);
  return found == state_.meters.end() ? MeterStats{} : found->second.stats;
}

UtcTime MemoryStore::meter_created(std::int64_t meter_id) {
  return meter_state(meter_id).created;
}

void MemoryStore::record_gap(std::int64_t meter_id, const Gap &gap) {
  meter_state(meter_id).gaps.push_back(gap);
  changed();
}

HouseholdProfile MemoryStore::household() {
  return state_.household;
}

void MemoryStore::set_household(const HouseholdProfile &profile) {
  if (auto error = validate_household(profile)) {
    throw Failure(*error);
  }
  state_.household = profile;
  changed();
}

std::int64_t MemoryStore::begin_run(UtcTime now) {
  const std::int64_t id = static_cast<std::int64_t>(state_.runs.size()) + 1;
  state_.runs.push_back({id, now, now, false});
  changed();
  return id;
}

void MemoryStore::keep_run(std::int64_t run, UtcTime alive, bool stopped) {
  for (DaemonRun &known : state_.runs) {
    if (known.id == run) {
      known.alive = std::max(known.alive, alive);
      known.stopped_cleanly = stopped;
      changed();
    }
  }
}

std::vector<DaemonRun> MemoryStore::runs_around(UtcTime from, UtcTime to, std::size_t limit) {
  std::vector<DaemonRun> by_start = state_.runs;
  std::stable_sort(by_start.begin(), by_start.end(),
                   [](const DaemonRun &a, const DaemonRun &b) { return a.started < b.started; });
  to = std::max(from, to);
  std::vector<DaemonRun> found;
  const auto first_in = std::find_if(by_start.begin(), by_start.end(),
                                     [&](const DaemonRun &run) { return run.started >= from; });
  if (first_in != by_start.begin()) {
    found.push_back(*std::prev(first_in));
  }
  auto it = first_in;
  for (std::size_t taken = 0; it != by_start.end() && it->started < to && taken < limit;
       ++it, ++taken) {
    found.push_back(*it);
  }
  const auto first_after =
      std::find_if(it, by_start.end(), [&](const DaemonRun &run) { return run.started >= to; });
  if (first_after != by_start.end()) {
    found.push_back(*first_after);
  }
  return found;
}

std::vector<Gap> MemoryStore::gaps(std::int64_t meter_id, std::size_t limit) {
  const auto found = state_.meters.find(meter_id);
  if (found == state_.meters.end()) {
    return {};
  }
  // Newest first; of two at the same time, the one recorded last first.
  std::vector<Gap> newest(found->second.gaps.rbegin(), found->second.gaps.rend());
  std::stable_sort(newest.begin(), newest.end(),
                   [](const Gap &a, const Gap &b) { return a.at > b.at; });
  newest.resize(std::min(newest.size(), limit));
  return newest;
}

std::vector<RegisterRecord> MemoryStore::register_records(std::int64_t meter_id) {
  const auto found = state_.meters.find(meter_id);
  return found == state_.meters.end() ? std::vector<RegisterRecord>{} : found->second.records;
}

namespace {

// (after, until] as the register's rules count it.
PulseCounter counter_of(const std::set<UtcTime> &pulses) {
  return [&pulses](std::optional<UtcTime> after, UtcTime until) {
    if (after && until <= *after) {
      return std::int64_t{0};
    }
    const auto from = after ? pulses.upper_bound(*after) : pulses.begin();
    return static_cast<std::int64_t>(std::distance(from, pulses.upper_bound(until)));
  };
}

} // namespace

void MemoryStore::add_register_record(std::int64_t meter_id, const RegisterRecord &record) {
  MeterState &state = meter_state(meter_id);
  if (auto error = check_new_record(state.records, record, state.meter.pulses_per_unit,
                                    counter_of(state.pulses))) {
    throw Failure(*error);
  }
  const auto taken = std::find_if(state.records.begin(), state.records.end(),
                                  [&](const RegisterRecord &r) { return r.at == record.at; });
  if (taken != state.records.end()) {
    throw Failure(ErrorCode::already_exists, "at: the meter has a reading at that time already");
  }
  state.records.push_back(record);
  std::sort(state.records.begin(), state.records.end(),
            [](const RegisterRecord &a, const RegisterRecord &b) { return a.at < b.at; });
  changed();
}

RegisterState MemoryStore::register_state(std::int64_t meter_id, UtcTime at) {
  MeterState &state = meter_state(meter_id);
  return register_at(state.records, at, state.meter.pulses_per_unit, counter_of(state.pulses));
}

std::vector<CalorificValue> MemoryStore::calorific_values(std::int64_t meter_id) {
  const auto found = state_.meters.find(meter_id);
  return found == state_.meters.end() ? std::vector<CalorificValue>{} : found->second.calorific;
}

void MemoryStore::add_calorific_value(std::int64_t meter_id, const CalorificValue &value) {
  MeterState &state = meter_state(meter_id);
  if (auto error = calorific_value_error(state.meter, value)) {
    throw Failure(*error);
  }
  state.calorific.push_back(value);
  std::sort(state.calorific.begin(), state.calorific.end(),
            [](const CalorificValue &a, const CalorificValue &b) {
              return a.effective_from < b.effective_from;
            });
  changed();
}

std::vector<BatchOutcome> MemoryStore::commit(std::span<const PulseBatch> batches) {
  std::vector<BatchOutcome> outcomes(batches.size());
  for (std::size_t i = 0; i < batches.size(); ++i) {
    const PulseBatch &batch = batches[i];
    BatchOutcome &outcome = outcomes[i];
    const auto found = state_.meters.find(batch.meter_id);
    if (found == state_.meters.end()) {
      outcome.error = Error{ErrorCode::not_found,
                            "meter " + std::to_string(batch.meter_id) + " does not exist"};
      continue;
    }
    if (auto error = batch_error(batch)) {
      outcome.error = std::move(error);
      continue;
    }
    MeterState &state = found->second;
    for (const UtcTime t : batch.pulses) {
      if (!state.pulses.insert(t).second) {
        ++outcome.duplicates;
        continue;
      }
      ++outcome.stored;
      state.stats.first_pulse = std::min(state.stats.first_pulse.value_or(t), t);
      state.stats.last_pulse = std::max(state.stats.last_pulse.value_or(t), t);
    }
    state.stats.pulses += outcome.stored;
    state.stats.duplicates += outcome.duplicates;
    state.stats.rejected.too_close += batch.rejected.too_close;
    state.stats.rejected.too_short += batch.rejected.too_short;
    state.stats.rejected.unpaired += batch.rejected.unpaired;
    for (const Gap &gap : batch.gaps) {
      state.gaps.push_back(gap);
    }
  }
  changed();
  return outcomes;
}

std::vector<std::int64_t> MemoryStore::count_pulses_in(std::int64_t meter_id,
                                                       std::span<const RawRange> ranges) {
  std::vector<std::int64_t> counts(ranges.size(), 0);
  const auto found = state_.meters.find(meter_id);
  if (found == state_.meters.end()) {
    return counts;
  }
  const std::set<UtcTime> &pulses = found->second.pulses;
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    if (ranges[i].from < ranges[i].to) {
      counts[i] = static_cast<std::int64_t>(
          std::distance(pulses.lower_bound(ranges[i].from), pulses.lower_bound(ranges[i].to)));
    }
  }
  return counts;
}

std::vector<SlotCount> MemoryStore::rollups_in(std::int64_t meter_id,
                                               std::span<const SlotSpan> spans) {
  std::vector<SlotCount> rows;
  const auto found = state_.meters.find(meter_id);
  if (found == state_.meters.end()) {
    return rows;
  }
  const std::set<UtcTime> &pulses = found->second.pulses;
  for (const SlotSpan &span : spans) {
    for (auto it = pulses.lower_bound(span.from); it != pulses.end() && *it < span.to;) {
      const UtcTime slot = floor_to_slot(*it, span.size);
      const auto end = pulses.lower_bound(slot + span.size);
      rows.push_back({span.size, slot, static_cast<std::int64_t>(std::distance(it, end))});
      it = end;
    }
  }
  return rows;
}

std::vector<UtcTime> MemoryStore::last_pulses(std::int64_t meter_id, std::size_t limit) {
  const auto found = state_.meters.find(meter_id);
  if (found == state_.meters.end()) {
    return {};
  }
  const std::set<UtcTime> &pulses = found->second.pulses;
  std::vector<UtcTime> last;
  for (auto it = pulses.rbegin(); it != pulses.rend() && last.size() < limit; ++it) {
    last.push_back(*it);
  }
  std::reverse(last.begin(), last.end());
  return last;
}

std::vector<UtcTime> MemoryStore::pulses_page(std::int64_t meter_id, UtcTime from, UtcTime to,
                                              std::size_t limit) {
  std::vector<UtcTime> page;
  const auto found = state_.meters.find(meter_id);
  if (found == state_.meters.end()) {
    return page;
  }
  const std::set<UtcTime> &pulses = found->second.pulses;
  for (auto it = pulses.lower_bound(from); it != pulses.end() && *it < to && page.size() < limit;
       ++it) {
    page.push_back(*it);
  }
  return page;
}

void MemoryStore::for_each_pulse(std::int64_t meter_id, UtcTime from, UtcTime to,
                                 const std::function<void(UtcTime)> &visit) {
  const auto found = state_.meters.find(meter_id);
  if (found == state_.meters.end()) {
    return;
  }
  const std::set<UtcTime> &pulses = found->second.pulses;
  for (auto it = pulses.lower_bound(from); it != pulses.end() && *it < to; ++it) {
    visit(*it);
  }
}

User &MemoryStore::user_state(std::string_view name) {
  const auto found = state_.users.find(name);
  if (found == state_.users.end()) {
    throw no_user(name);
  }
  return found->second;
}

void MemoryStore::check_site(std::int64_t site_id) const {
  if (!state_.sites.contains(site_id)) {
    throw Failure(ErrorCode::not_found,
                  "site: site " + std::to_string(site_id) + " does not exist");
  }
}

void MemoryStore::add_user(const User &user, UtcTime now) {
  if (user.name.empty()) {
    throw Failure(ErrorCode::invalid_argument, "name: must not be empty");
  }
  if (state_.users.contains(user.name)) {
    throw Failure(ErrorCode::already_exists,
                  "name: user " + quoted_input(user.name) + " already exists");
  }
  User added = user;
  added.sites = memberships_to_store(user);
  for (const SiteMembership &membership : added.sites) {
    check_site(membership.site_id);
  }
  added.role = highest_role(added.sites);
  added.id = state_.next_user_id++;
  added.token_generation = state_.next_token_generation++;
  added.created = now;
  state_.users[added.name] = added;
  changed();
}

std::optional<User> MemoryStore::find_user(std::string_view name) {
  const auto found = state_.users.find(name);
  return found == state_.users.end() ? std::nullopt : std::optional<User>(found->second);
}

std::vector<User> MemoryStore::users() {
  std::vector<User> all;
  for (const auto &[name, user] : state_.users) {
    all.push_back(user);
  }
  return all;
}

void MemoryStore::set_password(std::string_view name, const std::string &password_hash) {
  User &user = user_state(name);
  user.password_hash = password_hash;
  user.must_change_password = false;
  ++user.token_generation;
  changed();
}

void MemoryStore::change_sites(std::string_view name, std::vector<SiteMembership> after) {
  if (auto error = last_owner_error(users(), sites(), name, after)) {
    throw Failure(*error);
  }
  User &user = user_state(name);
  user.sites = std::move(after);
  user.role = highest_role(user.sites);
  changed();
}

void MemoryStore::set_role(std::string_view name, Role role) {
  std::vector<SiteMembership> after = user_state(name).sites;
  for (SiteMembership &membership : after) {
    membership.role = role;
  }
  change_sites(name, std::move(after));
  user_state(name).token_generation = state_.next_token_generation++;
}

void MemoryStore::set_membership(std::string_view name, std::int64_t site_id,
                                 std::optional<Role> role) {
  check_site(site_id);
  const std::optional<Role> before = role_in(user_state(name).sites, site_id);
  change_sites(name, with_membership(user_state(name).sites, site_id, role));
  if (before && before != role) {
    user_state(name).token_generation = state_.next_token_generation++;
  }
}

void MemoryStore::set_operator(std::string_view name, bool is_operator) {
  user_state(name).is_operator = is_operator;
  changed();
}

void MemoryStore::delete_user(std::string_view name) {
  (void)user_state(name);
  if (auto error = last_owner_error(users(), sites(), name, std::nullopt)) {
    throw Failure(*error);
  }
  state_.users.erase(state_.users.find(name));
  changed();
}

Site MemoryStore::add_site(const std::string &name, UtcTime now) {
  if (auto error = site_name_error(name)) {
    throw Failure(*error);
  }
  for (const auto &[id, site] : state_.sites) {
    if (site.name == name) {
      throw Failure(ErrorCode::already_exists,
                    "name: site " + quoted_input(name) + " already exists");
    }
  }
  // After the highest id there is (the home site's, 1, when none is left).
  Site site{state_.sites.empty() ? home_site_id : state_.sites.rbegin()->first + 1, name, now,
            false};
  state_.sites[site.id] = site;
  changed();
  return site;
}

void MemoryStore::restore_site(const Site &site) {
  if (auto error = site_name_error(site.name)) {
    throw Failure(*error);
  }
  for (const auto &[id, kept] : state_.sites) {
    if (id == site.id || kept.name == site.name) {
      throw Failure(ErrorCode::already_exists, "site " + std::to_string(site.id) + " " +
                                                   quoted_input(site.name) + " exists already");
    }
  }
  state_.sites[site.id] = Site{site.id, site.name, site.created, false};
  changed();
}

std::vector<Site> MemoryStore::sites() {
  std::vector<Site> all;
  for (const auto &[id, site] : state_.sites) {
    all.push_back(site);
  }
  return all;
}

void MemoryStore::delete_site(std::int64_t id) {
  check_site(id);
  for (const auto &[meter_id, state] : state_.meters) {
    if (state.meter.site_id == id) {
      throw Failure(ErrorCode::invalid_argument, "site " + quoted_input(state_.sites.at(id).name) +
                                                     " owns meter " + std::to_string(meter_id) +
                                                     "; delete or move its meters first");
    }
  }
  for (auto &[name, user] : state_.users) {
    user.sites = with_membership(std::move(user.sites), id, std::nullopt);
    user.role = highest_role(user.sites);
  }
  std::erase_if(state_.grants, [id](const ProfileGrant &grant) { return grant.site_id == id; });
  std::erase_if(state_.links, [id](const auto &link) { return link.second.site_id == id; });
  std::erase_if(state_.friends, [id](const auto &link) { return link.second.site_id == id; });
  state_.sites.erase(id);
  changed();
}

void MemoryStore::grant_profiles(std::int64_t site_id, const std::string &by, UtcTime now) {
  check_site(site_id);
  Site &site = state_.sites.at(site_id);
  if (!site.profiles_granted) {
    state_.grants.push_back(ProfileGrant{site_id, by, now, std::nullopt, std::nullopt});
    site.profiles_granted = true;
    changed();
  }
}

void MemoryStore::revoke_profiles(std::int64_t site_id, const std::string &by, UtcTime now) {
  check_site(site_id);
  Site &site = state_.sites.at(site_id);
  if (site.profiles_granted) {
    for (ProfileGrant &grant : state_.grants) {
      if (grant.site_id == site_id && !grant.revoked) {
        grant.revoked_by = by;
        grant.revoked = now;
      }
    }
    site.profiles_granted = false;
    changed();
  }
}

std::vector<ProfileGrant> MemoryStore::profile_grants(std::int64_t site_id) {
  check_site(site_id);
  std::vector<ProfileGrant> found;
  std::copy_if(state_.grants.begin(), state_.grants.end(), std::back_inserter(found),
               [site_id](const ProfileGrant &grant) { return grant.site_id == site_id; });
  return found;
}

std::int64_t MemoryStore::add_device_key(const std::string &name,
                                         const std::vector<std::int64_t> &meters, UtcTime now,
                                         const KeyHasher &hash_for) {
  if (meters.empty()) {
    throw Failure(ErrorCode::invalid_argument, "meters: a key needs at least one meter");
  }
  check_key_meters(*this, meters);
  DeviceKey key;
  key.id = state_.keys.empty() ? 1 : state_.keys.rbegin()->first + 1;
  key.name = name;
  key.meters = meters;
  std::sort(key.meters.begin(), key.meters.end());
  key.meters.erase(std::unique(key.meters.begin(), key.meters.end()), key.meters.end());
  key.created = now;
  key.key_hash = hash_for(key.id);
  state_.keys[key.id] = key;
  changed();
  return key.id;
}

std::vector<DeviceKey> MemoryStore::device_keys() {
  std::vector<DeviceKey> all;
  for (const auto &[id, key] : state_.keys) {
    all.push_back(key);
  }
  return all;
}

std::optional<DeviceKey> MemoryStore::find_device_key(std::int64_t id) {
  const auto found = state_.keys.find(id);
  return found == state_.keys.end() ? std::nullopt : std::optional<DeviceKey>(found->second);
}

void MemoryStore::restore_device_key(const DeviceKey &key) {
  if (state_.keys.contains(key.id)) {
    throw Failure(ErrorCode::already_exists,
                  "device key " + std::to_string(key.id) + " exists already");
  }
  check_key_meters(*this, key.meters);
  DeviceKey kept = key;
  std::sort(kept.meters.begin(), kept.meters.end());
  kept.meters.erase(std::unique(kept.meters.begin(), kept.meters.end()), kept.meters.end());
  state_.keys[key.id] = kept;
  changed();
}

void MemoryStore::revoke_device_key(std::int64_t id, UtcTime now) {
  const auto found = state_.keys.find(id);
  if (found == state_.keys.end()) {
    throw Failure(ErrorCode::not_found, "device key " + std::to_string(id) + " does not exist");
  }
  if (!found->second.revoked) {
    found->second.revoked = now;
    changed();
  }
}

std::optional<NodeRecord> MemoryStore::node(const std::string &name) {
  const auto found = state_.nodes.find(name);
  return found == state_.nodes.end() ? std::nullopt : std::optional<NodeRecord>(found->second);
}

void MemoryStore::save_node(const NodeRecord &record) {
  state_.nodes[record.status.name] = record;
  changed();
}

bool MemoryStore::batch_seen(const std::string &node, std::int64_t boot, std::int64_t seq) {
  return state_.batches.contains({node, boot, seq});
}

void MemoryStore::record_batch(const std::string &node, std::int64_t boot, std::int64_t seq,
                               UtcTime /*received*/, std::int64_t /*pulses*/) {
  state_.batches.insert({node, boot, seq});
  changed();
}

void MemoryStore::forget_batches(const std::string &node) {
  std::erase_if(state_.batches, [&](const auto &batch) { return std::get<0>(batch) == node; });
  changed();
}

void MemoryStore::visit_batch_numbers(const std::string &node, std::int64_t boot,
                                      std::int64_t first,
                                      const std::function<bool(std::int64_t)> &visit) {
  for (auto it = state_.batches.lower_bound({node, boot, first});
       it != state_.batches.end() && std::get<0>(*it) == node && std::get<1>(*it) == boot; ++it) {
    if (!visit(std::get<2>(*it))) {
      return;
    }
  }
}

std::vector<NodeStatus> MemoryStore::nodes() {
  std::vector<NodeStatus> all;
  for (const auto &[name, record] : state_.nodes) {
    all.push_back(record.status);
  }
  return all;
}

std::vector<NodeStatus> MemoryStore::nodes_of_meter(std::int64_t meter_id) {
  std::vector<NodeStatus> all;
  for (const auto &[name, record] : state_.nodes) {
    if (record.status.meter_id == meter_id) {
      all.push_back(record.status);
    }
  }
  return all;
}

std::int64_t MemoryStore::add_link(const Link &link, UtcTime now) {
  check_site(link.site_id);
  check_new_link(*this, link, now);
  const std::int64_t id = state_.links.empty() ? 1 : state_.links.rbegin()->first + 1;
  Link kept = link;
  kept.id = id;
  kept.uses = 0;
  kept.last_used.reset();
  kept.revoked.reset();
  state_.links[id] = std::move(kept);
  changed();
  return id;
}

std::optional<Link> MemoryStore::find_open_link(const std::string &token_hash, LinkKind kind,
                                                UtcTime now) {
  std::optional<Link> link = find_link(token_hash);
  if (link && (link->kind != kind || !link_open(*link, now))) {
    link.reset();
  }
  return link;
}

void MemoryStore::restore_link(const Link &link) {
  check_site(link.site_id);
  if (find_link(link.token_hash)) {
    throw Failure(ErrorCode::already_exists, "token: taken by another link");
  }
  const std::int64_t id = state_.links.empty() ? 1 : state_.links.rbegin()->first + 1;
  Link kept = link;
  kept.id = id;
  state_.links[id] = std::move(kept);
  changed();
}

std::vector<Link> MemoryStore::links(std::int64_t site_id) {
  std::vector<Link> found;
  for (const auto &[id, link] : state_.links) {
    if (link.site_id == site_id) {
      found.push_back(link);
    }
  }
  return found;
}

std::optional<Link> MemoryStore::find_link(const std::string &token_hash) {
  for (const auto &[id, link] : state_.links) {
    if (link.token_hash == token_hash) {
      return link;
    }
  }
  return std::nullopt;
}

void MemoryStore::revoke_link(std::int64_t site_id, std::int64_t id, UtcTime now) {
  const auto found = state_.links.find(id);
  if (found == state_.links.end() || found->second.site_id != site_id) {
    throw Failure(ErrorCode::not_found, "link " + std::to_string(id) + " does not exist");
  }
  if (!found->second.revoked) {
    found->second.revoked = now;
    changed();
  }
}

void MemoryStore::record_link_use(std::int64_t id, UtcTime now) {
  const auto found = state_.links.find(id);
  if (found != state_.links.end()) {
    found->second.last_used = now;
    ++found->second.uses;
    changed();
  }
}

std::int64_t MemoryStore::add_friend(const FriendLink &link) {
  check_site(link.site_id);
  check_new_friend(*this, link);
  const std::int64_t id = state_.friends.empty() ? 1 : state_.friends.rbegin()->first + 1;
  FriendLink kept = link;
  kept.id = id;
  state_.friends[id] = std::move(kept);
  changed();
  return id;
}

std::vector<FriendLink> MemoryStore::friends(std::optional<std::int64_t> site_id) {
  std::vector<FriendLink> found;
  for (const auto &[id, link] : state_.friends) {
    if (!site_id || link.site_id == *site_id) {
      found.push_back(link);
    }
  }
  return found;
}

void MemoryStore::save_friend_fetch(const FriendLink &link) {
  const auto found = state_.friends.find(link.id);
  if (found == state_.friends.end()) {
    return; // removed while it was being fetched
  }
  FriendLink &kept = found->second;
  kept.state = link.state;
  kept.reason = link.reason;
  kept.since = link.since;
  kept.checked = link.checked;
  kept.fetched = link.fetched;
  kept.etag = link.etag;
  kept.figures = link.figures;
  changed();
}

void MemoryStore::delete_friend(std::int64_t site_id, std::int64_t id) {
  const auto found = state_.friends.find(id);
  if (found == state_.friends.end() || found->second.site_id != site_id) {
    throw Failure(ErrorCode::not_found, "friend " + std::to_string(id) + " does not exist");
  }
  state_.friends.erase(found);
  changed();
}

} // namespace pulsemon

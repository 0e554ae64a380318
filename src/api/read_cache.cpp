#include "api/read_cache.h"

namespace pulsemon {

void ReadCache::catch_up() {
  if (checked_) {
    return;
  }
  checked_ = true;
  if (store_.change_token() == version_) {
    return;
  }
  all_.reset();
  one_by_one_.clear();
  users_.clear();
  catalogue_.reset();
  meter_sites_.clear();
  sites_.reset();
  version_ = {};
  ++generation_;
}

// The version is read inside the snapshot that the reload reads from: a
// commit between the check above and the reload then makes the next check
// reload again, instead of leaving newer data filed under an older version.
void ReadCache::record_version_of_snapshot() {
  if (version_ == ChangeToken{}) {
    version_ = store_.change_token();
  }
}

const std::vector<MeterFacts> &ReadCache::meters(UtcTime now) {
  catch_up();
  if (!all_) {
    const auto snapshot = store_.read_scope();
    record_version_of_snapshot();
    std::vector<MeterFacts> facts;
    for (const Meter &meter : store_.meters()) {
      facts.push_back(read_meter_facts(store_, meter, now));
    }
    all_ = std::move(facts);
  }
  return *all_;
}

const MeterFacts &ReadCache::meter(std::int64_t id, UtcTime now) {
  catch_up();
  if (all_) {
    for (const MeterFacts &facts : *all_) {
      if (facts.meter.id == id) {
        return facts;
      }
    }
  }
  if (const auto it = one_by_one_.find(id); it != one_by_one_.end()) {
    return it->second;
  }
  const auto snapshot = store_.read_scope();
  record_version_of_snapshot();
  const Meter meter = store_.meter(id); // throws not_found
  return one_by_one_.emplace(id, read_meter_facts(store_, meter, now)).first->second;
}

RegisterState ReadCache::register_state(const MeterFacts &facts, UtcTime now) {
  if (const auto kept = facts.state_if_settled(now)) {
    return *kept;
  }
  return store_.register_state(facts.meter.id, now);
}

std::optional<User> ReadCache::find_user(std::string_view name) {
  catch_up();
  if (const auto it = users_.find(name); it != users_.end()) {
    return it->second;
  }
  const auto snapshot = store_.read_scope();
  record_version_of_snapshot();
  auto user = store_.find_user(name);
  if (user) {
    users_.emplace(std::string(name), *user);
  }
  return user;
}

const std::vector<Meter> &ReadCache::catalogue() {
  catch_up();
  if (!catalogue_) {
    const auto snapshot = store_.read_scope();
    record_version_of_snapshot();
    catalogue_ = store_.meters();
  }
  return *catalogue_;
}

std::optional<std::int64_t> ReadCache::meter_site(std::int64_t id) {
  catch_up();
  if (const auto it = meter_sites_.find(id); it != meter_sites_.end()) {
    return it->second;
  }
  const auto snapshot = store_.read_scope();
  record_version_of_snapshot();
  const auto meter = store_.find_meter(id);
  const std::optional<std::int64_t> site =
      meter ? std::optional<std::int64_t>(meter->site_id) : std::nullopt;
  if (meter_sites_.size() < 100'000) { // each id asked for is kept: a bound for made-up ones
    meter_sites_.emplace(id, site);
  }
  return site;
}

const std::vector<Site> &ReadCache::sites() {
  catch_up();
  if (!sites_) {
    const auto snapshot = store_.read_scope();
    record_version_of_snapshot();
    sites_ = store_.sites();
  }
  return *sites_;
}

} // namespace pulsemon

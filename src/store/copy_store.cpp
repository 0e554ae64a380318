#include "store/copy_store.h"

#include "core/quoted_input.h"

#include <algorithm>

namespace pulsemon {

namespace {

constexpr std::size_t pulses_per_copy_commit = 10'000;
constexpr std::size_t all_gaps = 1'000'000;
constexpr std::size_t all_runs = 1'000'000;

UtcTime end_of_time() {
  return UtcTime{std::chrono::hours{24 * 365 * 8000}};
}

void copy_meter(Store &from, Store &to, const Meter &meter, CopyCounts &counts) {
  const std::optional<Meter> there = to.find_meter(meter.id);
  if (!there) {
    to.add_meter(meter, from.meter_created(meter.id));
    ++counts.meters;
  } else if (!(*there == meter)) {
    throw Failure(ErrorCode::already_exists,
                  "meter " + std::to_string(meter.id) +
                      " is in the target already with other settings (name " +
                      quoted_input(there->name) + "); copy into an empty database");
  }
  const std::vector<RegisterRecord> readings = to.register_records(meter.id);
  for (const RegisterRecord &record : from.register_records(meter.id)) {
    if (std::none_of(readings.begin(), readings.end(),
                     [&](const RegisterRecord &r) { return r.at == record.at; })) {
      to.add_register_record(meter.id, record);
      ++counts.readings;
    }
  }
  const std::vector<CalorificValue> values = to.calorific_values(meter.id);
  for (const CalorificValue &value : from.calorific_values(meter.id)) {
    if (std::none_of(values.begin(), values.end(), [&](const CalorificValue &v) {
          return v.effective_from == value.effective_from;
        })) {
      to.add_calorific_value(meter.id, value);
      ++counts.calorific_values;
    }
  }
}

// In time order from after the target's last pulse of the meter, a
// transaction per batch: an interrupted copy goes on where it stopped.
void copy_pulses(Store &from, Store &to, std::int64_t meter_id, CopyCounts &counts,
                 const CopyProgress &progress) {
  const MeterStats target = to.stats(meter_id);
  const UtcTime start = target.last_pulse ? *target.last_pulse + Micros{1} : UtcTime{};
  PulseBatch batch{meter_id, {}, {}, {}};
  batch.pulses.reserve(pulses_per_copy_commit);
  std::int64_t copied = 0;
  const auto commit = [&] {
    copied += to.commit_or_throw(batch).stored;
    batch.pulses.clear();
    (void)seal_everything(to);
    if (progress) {
      progress(meter_id, copied);
    }
  };
  from.for_each_pulse(meter_id, start, end_of_time(), [&](UtcTime pulse) {
    batch.pulses.push_back(pulse);
    if (batch.pulses.size() >= pulses_per_copy_commit) {
      commit();
    }
  });
  if (!batch.pulses.empty()) {
    commit();
  }
  counts.pulses += copied;
  // The filter's rejection counts, once: a batch without pulses carries them.
  const MeterStats source = from.stats(meter_id);
  if (target.rejected.rejected() == 0 && source.rejected.rejected() > 0) {
    (void)to.commit_or_throw(PulseBatch{meter_id, {}, source.rejected, {}});
  }
}

void copy_gaps(Store &from, Store &to, std::int64_t meter_id, CopyCounts &counts) {
  const std::vector<Gap> there = to.gaps(meter_id, all_gaps);
  std::vector<Gap> gaps = from.gaps(meter_id, all_gaps);
  std::sort(gaps.begin(), gaps.end(), [](const Gap &a, const Gap &b) { return a.at < b.at; });
  for (const Gap &gap : gaps) {
    if (std::none_of(there.begin(), there.end(), [&](const Gap &g) {
          return g.at == gap.at && g.reason == gap.reason && g.missing_pulses == gap.missing_pulses;
        })) {
      to.record_gap(meter_id, gap);
      ++counts.gaps;
    }
  }
}

// Sites keep their ids (meters and users name them); the home site both
// stores start with must have the same name in both.
void copy_sites(Store &from, Store &to, CopyCounts &counts) {
  const std::vector<Site> there = to.sites();
  for (const Site &site : from.sites()) {
    const auto same_id = std::find_if(there.begin(), there.end(),
                                      [&](const Site &kept) { return kept.id == site.id; });
    if (same_id == there.end()) {
      to.restore_site(site);
      ++counts.sites;
    } else if (same_id->name != site.name) {
      throw Failure(ErrorCode::already_exists, "site " + std::to_string(site.id) + " is " +
                                                   quoted_input(site.name) + " here but " +
                                                   quoted_input(same_id->name) + " in the target");
    }
    const std::vector<ProfileGrant> kept = to.profile_grants(site.id);
    const std::vector<ProfileGrant> grants = from.profile_grants(site.id);
    for (std::size_t i = kept.size(); i < grants.size(); ++i) {
      to.grant_profiles(site.id, grants[i].granted_by, grants[i].granted);
      if (grants[i].revoked) {
        to.revoke_profiles(site.id, *grants[i].revoked_by, *grants[i].revoked);
      }
    }
  }
}

// Links by their token's hash (their ids are each store's own), friends by
// their site, label and address, each with its last fetch.
void copy_links_and_friends(Store &from, Store &to) {
  for (const Site &site : from.sites()) {
    for (const Link &link : from.links(site.id)) {
      if (!to.find_link(link.token_hash)) {
        to.restore_link(link);
      }
    }
    const std::vector<FriendLink> there = to.friends(site.id);
    for (FriendLink link : from.friends(site.id)) {
      if (std::none_of(there.begin(), there.end(), [&](const FriendLink &kept) {
            return kept.label == link.label && kept.url == link.url;
          })) {
        link.id = to.add_friend(link);
        to.save_friend_fetch(link);
      }
    }
  }
}

void copy_people_and_keys(Store &from, Store &to, CopyCounts &counts) {
  for (const User &user : from.users()) {
    if (!to.find_user(user.name)) {
      to.add_user(user, user.created);
      ++counts.users;
    }
  }
  for (const DeviceKey &key : from.device_keys()) {
    if (!to.find_device_key(key.id)) {
      to.restore_device_key(key);
      ++counts.device_keys;
    }
  }
}

void copy_nodes(Store &from, Store &to, CopyCounts &counts) {
  for (const NodeStatus &status : from.nodes()) {
    const std::optional<NodeRecord> record = from.node(status.name);
    if (!record) {
      continue;
    }
    std::vector<std::int64_t> numbers;
    from.visit_batch_numbers(status.name, status.boot, 0, [&](std::int64_t seq) {
      numbers.push_back(seq);
      return true;
    });
    to.atomically([&] {
      if (!to.node(status.name)) {
        ++counts.nodes;
      }
      to.save_node(*record);
      for (const std::int64_t seq : numbers) {
        if (!to.batch_seen(status.name, status.boot, seq)) {
          to.record_batch(status.name, status.boot, seq, status.last_heard, 0);
        }
      }
    });
  }
}

void copy_runs(Store &from, Store &to, CopyCounts &counts) {
  const std::vector<DaemonRun> there = to.runs_around(UtcTime{}, end_of_time(), all_runs);
  for (const DaemonRun &run : from.runs_around(UtcTime{}, end_of_time(), all_runs)) {
    if (std::any_of(there.begin(), there.end(),
                    [&](const DaemonRun &r) { return r.started == run.started; })) {
      continue;
    }
    to.atomically([&] {
      const std::int64_t id = to.begin_run(run.started);
      to.keep_run(id, run.alive, run.stopped_cleanly);
    });
    ++counts.runs;
  }
}

} // namespace

CopyCounts copy_store(Store &from, Store &to, const CopyProgress &progress) {
  CopyCounts counts;
  to.set_household(from.household());
  copy_sites(from, to, counts);
  const std::vector<Meter> meters = from.meters();
  for (const Meter &meter : meters) {
    copy_meter(from, to, meter, counts);
  }
  copy_people_and_keys(from, to, counts);
  copy_links_and_friends(from, to);
  copy_nodes(from, to, counts);
  for (const Meter &meter : meters) {
    copy_gaps(from, to, meter.id, counts);
    copy_pulses(from, to, meter.id, counts, progress);
  }
  copy_runs(from, to, counts);
  return counts;
}

} // namespace pulsemon

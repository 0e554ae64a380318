#include "store/store_rules.h"

#include "store/store.h"

#include "core/quoted_input.h"
#include "core/tariff.h"

#include <algorithm>
#include <string>

namespace pulsemon {

std::optional<Error> meter_error(const Meter &meter) {
  if (auto error = validate_meter(meter)) {
    return error;
  }
  if (!meter.tariff.empty()) {
    auto tariff = parse_tariff(meter.tariff);
    if (!tariff) {
      return tariff.error();
    }
    if (tariff->per == PricedPer::kwh && !kwh_per_unit(meter.unit) &&
        meter.kind != MeterKind::gas) {
      return invalid_argument("tariff: priced per kWh, but this " +
                              std::string(to_string(meter.kind)) + " meter counts " + meter.unit +
                              "; give its price per " + meter.unit + " (without /kWh)");
    }
  }
  return std::nullopt;
}

std::optional<Error> meter_change_error(const Meter &before, const Meter &after, bool has_pulses) {
  const bool changes_meaning =
      before.pulses_per_unit != after.pulses_per_unit || before.unit != after.unit;
  if (!changes_meaning || !has_pulses) {
    return std::nullopt;
  }
  const std::string field = before.pulses_per_unit != after.pulses_per_unit ? "ppu" : "unit";
  return invalid_argument(field + ": meter " + std::to_string(after.id) +
                          " already has pulses; changing its " + field +
                          " would change all its past energy. Add a new meter instead");
}

std::optional<Error> batch_error(const PulseBatch &batch) {
  const bool before_epoch = std::any_of(batch.pulses.begin(), batch.pulses.end(),
                                        [](UtcTime t) { return to_epoch_us(t) < 0; });
  if (before_epoch) {
    return invalid_argument("pulses: a pulse time lies before 1970; the source's clock is not set");
  }
  return std::nullopt;
}

std::optional<Error> calorific_value_error(const Meter &meter, const CalorificValue &value) {
  if (meter.kind != MeterKind::gas) {
    return invalid_argument("meter: " + std::to_string(meter.id) + " is not a gas meter");
  }
  // Natural gas is 30–45 MJ/m³, propane about 95; corrections lie near 1.
  if (!(value.megajoules_per_m3 > 0) || !(value.megajoules_per_m3 <= 200) ||
      !(value.volume_correction > 0) || !(value.volume_correction <= 2)) {
    return invalid_argument("calorific value: MJ/m³ above 0 and at most 200, with a volume "
                            "correction above 0 and at most 2");
  }
  return std::nullopt;
}

PulseCounter stored_pulse_counter(Store &store, std::int64_t meter_id) {
  return [&store, meter_id](std::optional<UtcTime> after, UtcTime until) {
    if (!after) {
      // Everything up to a time after the last pulse: the kept total, which
      // every commit updates with the pulses (no sum over the rollups).
      const MeterStats kept = store.stats(meter_id);
      if (!kept.last_pulse || *kept.last_pulse <= until) {
        return kept.pulses;
      }
    }
    // (after, until] in whole microseconds is [after + 1 µs, until + 1 µs).
    const UtcTime from = after ? *after + Micros{1} : utc_from_epoch_us(0);
    return store.count_pulses(meter_id, from, until + Micros{1});
  };
}

std::vector<SiteMembership> memberships_to_store(const User &user) {
  if (user.sites.empty()) {
    if (user.is_operator) {
      return {};
    }
    return {SiteMembership{home_site_id, user.role}};
  }
  std::vector<SiteMembership> kept;
  for (const SiteMembership &membership : user.sites) {
    kept = with_membership(std::move(kept), membership.site_id, membership.role);
  }
  return kept;
}

std::vector<SiteMembership> with_membership(std::vector<SiteMembership> sites, std::int64_t site_id,
                                            std::optional<Role> role) {
  std::erase_if(sites, [site_id](const SiteMembership &m) { return m.site_id == site_id; });
  if (role) {
    sites.push_back(SiteMembership{site_id, *role});
  }
  std::sort(sites.begin(), sites.end(),
            [](const SiteMembership &a, const SiteMembership &b) { return a.site_id < b.site_id; });
  return sites;
}

std::optional<Error> last_owner_error(const std::vector<User> &users,
                                      const std::vector<Site> &sites, std::string_view name,
                                      const std::optional<std::vector<SiteMembership>> &after) {
  const auto user =
      std::find_if(users.begin(), users.end(), [name](const User &u) { return u.name == name; });
  if (user == users.end()) {
    return std::nullopt;
  }
  for (const SiteMembership &membership : user->sites) {
    if (membership.role != Role::admin) {
      continue;
    }
    const std::optional<Role> kept = after ? role_in(*after, membership.site_id) : std::nullopt;
    if (kept == Role::admin) {
      continue;
    }
    const bool another_owner = std::any_of(users.begin(), users.end(), [&](const User &other) {
      return other.name != name && role_in(other.sites, membership.site_id) == Role::admin;
    });
    if (another_owner) {
      continue;
    }
    const auto site = std::find_if(sites.begin(), sites.end(),
                                   [&](const Site &s) { return s.id == membership.site_id; });
    const std::string site_name =
        site == sites.end() ? std::to_string(membership.site_id) : quoted_input(site->name);
    return invalid_argument((after ? "role: " : "") + quoted_input(name) +
                            " is the last admin (owner) of site " + site_name +
                            "; make another user its owner first");
  }
  return std::nullopt;
}

void check_key_meters(Store &store, const std::vector<std::int64_t> &meters) {
  std::vector<Meter> found;
  for (const std::int64_t meter_id : meters) {
    auto meter = store.find_meter(meter_id);
    if (!meter) {
      throw Failure(ErrorCode::not_found,
                    "meters: meter " + std::to_string(meter_id) + " does not exist");
    }
    found.push_back(std::move(*meter));
  }
  if (auto error = key_meters_error(found)) {
    throw Failure(*error);
  }
}

void check_new_link(Store &store, const Link &link, UtcTime now) {
  if (auto error = link_error(link, now)) {
    throw Failure(*error);
  }
  for (const std::int64_t meter_id : link.meters) {
    const auto meter = store.find_meter(meter_id);
    if (!meter) {
      throw Failure(ErrorCode::not_found,
                    "meters: meter " + std::to_string(meter_id) + " does not exist");
    }
    if (meter->site_id != link.site_id) {
      throw Failure(ErrorCode::invalid_argument,
                    "meters: meter " + std::to_string(meter_id) +
                        " is another site's; a link shows the meters of one site");
    }
  }
  if (store.find_link(link.token_hash)) {
    throw Failure(ErrorCode::already_exists, "token: taken by another link");
  }
  const std::vector<Link> kept = store.links(link.site_id);
  if (std::count_if(kept.begin(), kept.end(), [&](const Link &other) {
        return link_open(other, now);
      }) >= static_cast<std::ptrdiff_t>(max_links_per_site)) {
    throw Failure(ErrorCode::invalid_argument, "links: a site keeps at most " +
                                                   std::to_string(max_links_per_site) +
                                                   " open links; revoke one first");
  }
}

void check_new_friend(Store &store, const FriendLink &link) {
  if (link.label.empty() || link.label.size() > max_link_label_bytes) {
    throw Failure(ErrorCode::invalid_argument,
                  "label: 1 to " + std::to_string(max_link_label_bytes) + " bytes");
  }
  if (link.url.empty() || link.url.size() > max_friend_url_bytes) {
    throw Failure(ErrorCode::invalid_argument,
                  "url: 1 to " + std::to_string(max_friend_url_bytes) + " bytes");
  }
  if (store.friends(link.site_id).size() >= max_friends_per_site) {
    throw Failure(ErrorCode::invalid_argument, "friends: a site keeps at most " +
                                                   std::to_string(max_friends_per_site) +
                                                   " friends; remove one first");
  }
}

std::string id_list_text(const std::vector<std::int64_t> &ids) {
  std::string text;
  for (const std::int64_t id : ids) {
    text += (text.empty() ? "" : ",") + std::to_string(id);
  }
  return text;
}

std::vector<std::int64_t> id_list(std::string_view text) {
  std::vector<std::int64_t> ids;
  std::size_t begin = 0;
  while (begin < text.size()) {
    const std::size_t comma = std::min(text.find(',', begin), text.size());
    ids.push_back(std::stoll(std::string(text.substr(begin, comma - begin))));
    begin = comma + 1;
  }
  return ids;
}

std::optional<Error> key_meters_error(const std::vector<Meter> &meters) {
  for (const Meter &meter : meters) {
    if (meter.site_id != meters.front().site_id) {
      return invalid_argument("meters: meter " + std::to_string(meters.front().id) + " and meter " +
                              std::to_string(meter.id) +
                              " belong to different sites; a key writes to one site's meters");
    }
  }
  return std::nullopt;
}

} // namespace pulsemon

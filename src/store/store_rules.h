#pragma once
// The checks every storage backend makes before it writes, in one place so
// that no backend re-implements (or forgets) one. Each names the field it
// refuses.

#include "core/friend_link.h"
#include "core/gas.h"
#include "core/meter.h"
#include "core/pulse_batch.h"
#include "core/register.h"
#include "core/result.h"
#include "core/share_link.h"
#include "core/site.h"
#include "store/types.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pulsemon {

// A meter's settings within their limits, its tariff one that parses.
[[nodiscard]] std::optional<Error> meter_error(const Meter &meter);

// Stored energy is pulses / ppu in the unit: changing either for a meter
// with pulses would silently rewrite every past figure.
[[nodiscard]] std::optional<Error> meter_change_error(const Meter &before, const Meter &after,
                                                      bool has_pulses);

// Pulses before 1970 mean a source whose clock is not set.
[[nodiscard]] std::optional<Error> batch_error(const PulseBatch &batch);

// Only gas meters have calorific values; values within plausible limits.
[[nodiscard]] std::optional<Error> calorific_value_error(const Meter &meter,
                                                         const CalorificValue &value);

// The memberships add_user stores for `user`: its sites, each once, by
// id; with none given (and not an operator), the home site with its role.
[[nodiscard]] std::vector<SiteMembership> memberships_to_store(const User &user);

// Refuses a change of user `name`'s sites to `after` (nullopt: deleting
// the user) that would leave a site that has an owner without one.
[[nodiscard]] std::optional<Error>
last_owner_error(const std::vector<User> &users, const std::vector<Site> &sites,
                 std::string_view name, const std::optional<std::vector<SiteMembership>> &after);

// The sites of `user` with `site_id` set to `role`, or left (nullopt).
[[nodiscard]] std::vector<SiteMembership>
with_membership(std::vector<SiteMembership> sites, std::int64_t site_id, std::optional<Role> role);

// A device key's meters all belong to one site (the key's).
[[nodiscard]] std::optional<Error> key_meters_error(const std::vector<Meter> &meters);

class Store;

// Throws unless every meter of a new device key exists (not_found) and
// all belong to one site (invalid_argument).
void check_key_meters(Store &store, const std::vector<std::int64_t> &meters);

// Throws unless a new link holds (link_error), its meters exist (not_found)
// and are all its site's (invalid_argument), and the
// site has fewer than max_links_per_site open links (invalid_argument).
void check_new_link(Store &store, const Link &link, UtcTime now);

// Throws unless a new friend's label and address have a sane size and the
// site has fewer than max_friends_per_site friends (invalid_argument).
void check_new_friend(Store &store, const FriendLink &link);

// A link's meters as a backend keeps them in one column ("1,2,3"), and back.
[[nodiscard]] std::string id_list_text(const std::vector<std::int64_t> &ids);
[[nodiscard]] std::vector<std::int64_t> id_list(std::string_view text);

// The pulses a register reading counts on from (core/register.h), as any
// backend stores them: everything up to a time after the last pulse is
// the kept total; any other range is counted.
[[nodiscard]] PulseCounter stored_pulse_counter(Store &store, std::int64_t meter_id);

} // namespace pulsemon

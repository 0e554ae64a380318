#pragma once
// Who sees what across sites (core/site.h), in one place, so that no route
// decides it for itself. A resource of a site the caller cannot see
// answers as if it did not exist (404, the same message), so ids of
// another household tell nothing; a resource the caller sees but may not
// change answers 403.
//
// A member sees the site's meters, nodes and figures and acts by its role
// there. An operator sees every site in GET /api/sites (data quality and
// energy per billing period) and manages sites, users and keys; the
// figures of a site's meters (hourly profiles, power, pulses) only while
// the site's owner grants it, and then as a viewer.

#include "api/api.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <vector>

namespace pulsemon {

// The role the caller reads and acts with in a site: its membership's; an
// operator's viewer where the owner granted it; nullopt: the site's
// figures do not exist for the caller.
[[nodiscard]] std::optional<Role> role_at(ApiContext &context, const http::Principal &caller,
                                          std::int64_t site_id);

// The caller's own sites where its role covers `needed` (a member's and
// an owner's for Role::user); an operator's grants do not count.
[[nodiscard]] std::vector<std::int64_t> sites_with_role(const http::Principal &caller, Role needed);

// The sites whose meters the caller sees (role_at is set).
[[nodiscard]] std::set<std::int64_t> visible_sites(ApiContext &context,
                                                   const http::Principal &caller);

// Whether the caller may see this meter of a site it sees: a display
// link only its chosen meters, everyone else all of them.
[[nodiscard]] bool shows_meter(const http::Principal &caller, std::int64_t meter_id);

// Whether the caller manages the site's users, meters and keys: its owner,
// or an operator.
[[nodiscard]] bool manages_site(const http::Principal &caller, std::int64_t site_id);

// The {id} of a path as a meter the caller may use as `needed` (viewer:
// read, user: a member's changes, admin: an owner's): a 400 naming it when
// it is no id, 404 as for no meter when its site is not the caller's, 403
// when the caller's role there is below `needed`.
[[nodiscard]] std::int64_t meter_in_reach(ApiContext &context, const http::Request &request,
                                          Role needed = Role::viewer);
// The same for a meter id from elsewhere (a body's list).
void check_meter_in_reach(ApiContext &context, const http::Principal &caller, std::int64_t meter_id,
                          Role needed);

// The site a new resource goes to: `given` when the caller manages it;
// with none given, the one site the caller owns (an error naming "site"
// when it owns several, or none). 404 for a site the caller cannot see.
[[nodiscard]] std::int64_t site_for_new(ApiContext &context, const http::Principal &caller,
                                        std::optional<std::int64_t> given);

// The "site" of a request's body: a site's id (a 400 naming it when it is
// not one), or nothing when absent.
[[nodiscard]] std::optional<std::int64_t> body_site(const nlohmann::json &body);

// The caller of a request that passed the router's checks.
[[nodiscard]] const http::Principal &caller_of(const http::Request &request);

} // namespace pulsemon

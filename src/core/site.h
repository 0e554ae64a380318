#pragma once
// Sites: the households one pulsemon serves (a flat, a house, a building's
// common parts). A site owns its meters, and through them its sensor
// nodes and device keys; a user belongs to one or more sites with a role
// in each. A single-household install is one site, the home site, which
// `pulsemon init` makes and an upgrade of an older store fills with
// everything it held.
//
// The roles within a site, from most to least: owner (manages the site's
// meters, users and keys), member (reads, sets tariffs and readings),
// viewer (reads). The older names admin and user still mean owner and
// member, so a single-household install's words and clients keep working.
// An operator works across sites (creates sites and users, sees their data
// quality and energy per billing period) without seeing how a household
// lives unless its owner granted it (docs/security.md).

#include "core/result.h"
#include "core/time.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pulsemon {

enum class Role { admin, user, viewer };                  // in a site: owner, member, viewer
[[nodiscard]] std::string_view to_string(Role role);      // admin | user | viewer
[[nodiscard]] std::string_view site_role_name(Role role); // owner | member | viewer
// Takes either name of a role (owner or admin, member or user, viewer).
[[nodiscard]] Result<Role> parse_role(std::string_view text);
// Whether `held` allows what `needed` does (owner ≥ member ≥ viewer).
[[nodiscard]] bool role_covers(Role held, Role needed);

inline constexpr std::int64_t home_site_id = 1; // the site an install starts with
inline constexpr std::int64_t max_site_id = 9'007'199'254'740'991; // exact in JavaScript
inline constexpr std::size_t max_site_name_bytes = 100;

struct Site {
  std::int64_t id = 0;
  std::string name;
  UtcTime created{};
  // Whether the site's owner lets operators see its hourly and finer
  // figures (the latest grant, not revoked).
  bool profiles_granted = false;
  friend bool operator==(const Site &, const Site &) = default;
};

struct SiteMembership {
  std::int64_t site_id = 0;
  Role role = Role::viewer;
  friend bool operator==(const SiteMembership &, const SiteMembership &) = default;
};

// One grant of a site's hourly and finer figures to the operators, and its
// revocation: who did each and when, kept after it ends.
struct ProfileGrant {
  std::int64_t site_id = 0;
  std::string granted_by;
  UtcTime granted{};
  std::optional<std::string> revoked_by;
  std::optional<UtcTime> revoked;
  friend bool operator==(const ProfileGrant &, const ProfileGrant &) = default;
};

// A site's name: 1 to max_site_name_bytes of printable text, not all
// digits (so that a command's argument is either an id or a name).
[[nodiscard]] std::optional<Error> site_name_error(std::string_view name);

// The role a user holds in a site; nullopt when not a member.
[[nodiscard]] std::optional<Role> role_in(const std::vector<SiteMembership> &sites,
                                          std::int64_t site_id);
// The highest role over all the user's sites; viewer with none.
[[nodiscard]] Role highest_role(const std::vector<SiteMembership> &sites);

} // namespace pulsemon

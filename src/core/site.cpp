#include "core/site.h"

#include "core/quoted_input.h"

#include <algorithm>

namespace pulsemon {

std::string_view to_string(Role role) {
  switch (role) {
  case Role::admin:
    return "admin";
  case Role::user:
    return "user";
  case Role::viewer:
    return "viewer";
  }
  return "viewer";
}

std::string_view site_role_name(Role role) {
  switch (role) {
  case Role::admin:
    return "owner";
  case Role::user:
    return "member";
  case Role::viewer:
    return "viewer";
  }
  return "viewer";
}

Result<Role> parse_role(std::string_view text) {
  for (Role role : {Role::admin, Role::user, Role::viewer}) {
    if (to_string(role) == text || site_role_name(role) == text) {
      return role;
    }
  }
  return invalid_argument("role: " + quoted_input(text) +
                          " is not one of owner, member, viewer (or admin, user)");
}

namespace {
int rank(Role role) {
  switch (role) {
  case Role::admin:
    return 3;
  case Role::user:
    return 2;
  case Role::viewer:
    return 1;
  }
  return 1;
}
} // namespace

bool role_covers(Role held, Role needed) {
  return rank(held) >= rank(needed);
}

std::optional<Error> site_name_error(std::string_view name) {
  if (name.empty() || name.size() > max_site_name_bytes) {
    return invalid_argument("name: a site's name takes 1 to " +
                            std::to_string(max_site_name_bytes) + " bytes, not " +
                            std::to_string(name.size()));
  }
  if (std::any_of(name.begin(), name.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return invalid_argument("name: " + quoted_input(name) + " holds a control character");
  }
  if (std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return invalid_argument("name: " + quoted_input(name) +
                            " is all digits, which would read as a site's id");
  }
  return std::nullopt;
}

std::optional<Role> role_in(const std::vector<SiteMembership> &sites, std::int64_t site_id) {
  for (const SiteMembership &membership : sites) {
    if (membership.site_id == site_id) {
      return membership.role;
    }
  }
  return std::nullopt;
}

Role highest_role(const std::vector<SiteMembership> &sites) {
  Role highest = Role::viewer;
  for (const SiteMembership &membership : sites) {
    if (role_covers(membership.role, highest)) {
      highest = membership.role;
    }
  }
  return highest;
}

} // namespace pulsemon

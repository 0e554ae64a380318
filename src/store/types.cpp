#include "store/types.h"

#include "core/quoted_input.h"

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

Result<Role> parse_role(std::string_view text) {
  for (Role role : {Role::admin, Role::user, Role::viewer}) {
    if (to_string(role) == text) {
      return role;
    }
  }
  return invalid_argument("role: " + quoted_input(text) + " is not one of admin, user, viewer");
}

} // namespace pulsemon

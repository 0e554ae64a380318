#include "core/friend_link.h"

#include "core/quoted_input.h"

#include <array>
#include <utility>

namespace pulsemon {

namespace {

constexpr std::array<std::pair<FriendState, std::string_view>, 6> state_names{{
    {FriendState::waiting, "waiting"},
    {FriendState::fine, "fine"},
    {FriendState::unreachable, "unreachable"},
    {FriendState::revoked, "revoked"},
    {FriendState::expired, "expired"},
    {FriendState::refused, "refused"},
}};

} // namespace

std::string_view to_string(FriendState state) {
  for (const auto &[known, name] : state_names) {
    if (known == state) {
      return name;
    }
  }
  return "waiting";
}

Result<FriendState> parse_friend_state(std::string_view text) {
  for (const auto &[state, name] : state_names) {
    if (name == text) {
      return state;
    }
  }
  return invalid_argument("state: " + quoted_input(text) + " is not a friend's state");
}

} // namespace pulsemon

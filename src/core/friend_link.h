#pragma once
// A friend's share link that a household added to compare itself with
// (docs/sharing.md): another pulsemon's /api/share/<token>, which this
// daemon fetches, checks and keeps the last good copy of.

#include "core/result.h"
#include "core/time.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pulsemon {

// waiting: not fetched yet; fine: the last fetch gave a good copy;
// unreachable: the last fetch failed on the way (kept copy shown with its
// age); revoked / expired: the friend's pulsemon says the link no longer
// opens; refused: its answer broke the rules (too big, too slow, not a
// share, a redirect elsewhere, a private address).
enum class FriendState { waiting, fine, unreachable, revoked, expired, refused };
[[nodiscard]] std::string_view to_string(FriendState state);
[[nodiscard]] Result<FriendState> parse_friend_state(std::string_view text);

inline constexpr std::size_t max_friends_per_site = 50;
inline constexpr std::size_t max_friend_url_bytes = 2048;

struct FriendLink {
  std::int64_t id = 0;
  std::int64_t site_id = 0;
  std::string label;
  std::string url;
  std::string added_by;
  UtcTime added{};
  FriendState state = FriendState::waiting;
  std::string reason;             // what went wrong, in words; empty when fine
  std::optional<UtcTime> since;   // when the state began
  std::optional<UtcTime> checked; // the last fetch tried
  std::optional<UtcTime> fetched; // when the kept copy was fetched
  std::string etag;               // the kept copy's, for If-None-Match
  std::string figures;            // the kept copy, checked JSON; empty: none
  friend bool operator==(const FriendLink &, const FriendLink &) = default;
};

} // namespace pulsemon

#pragma once
// A friend's share link as a household pastes it (https://host/share/TOKEN,
// or the JSON's /api/share/TOKEN), checked before any connection is made:
// only http(s), no user name or password in it, a port in range, the path
// of a pulsemon share. Pure.

#include "core/result.h"

#include <string>
#include <string_view>

namespace pulsemon {

struct FriendUrl {
  bool https = true;
  std::string host; // a name, an IPv4 address or an IPv6 one without brackets
  unsigned short port = 443;
  std::string target; // /api/share/TOKEN: what is fetched
};

// The error names "url" and says what is wrong; `allow_http` lets plain
// http:// through.
[[nodiscard]] Result<FriendUrl> parse_friend_url(std::string_view text, bool allow_http);

} // namespace pulsemon

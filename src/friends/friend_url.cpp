#include "friends/friend_url.h"

#include "core/friend_link.h"
#include "core/whole_number.h"

#include <algorithm>

namespace pulsemon {

namespace {

bool token_text(std::string_view token) {
  return token.size() >= 16 && token.size() <= 200 &&
         std::all_of(token.begin(), token.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  c == '-' || c == '_';
         });
}

bool host_text(std::string_view host) {
  return !host.empty() && host.size() <= 253 && std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
           c == '.' || c == ':';
  });
}

Error bad(const std::string &why) {
  return invalid_argument("url: " + why);
}

} // namespace

Result<FriendUrl> parse_friend_url(std::string_view text, bool allow_http) {
  if (text.size() > max_friend_url_bytes) {
    return bad("longer than " + std::to_string(max_friend_url_bytes) + " bytes");
  }
  FriendUrl url;
  if (text.starts_with("https://")) {
    text.remove_prefix(8);
  } else if (text.starts_with("http://")) {
    if (!allow_http) {
      return bad("a friend's share is fetched over https:// only (plain http would let anyone "
                 "on the way read and change the figures; [sharing] friend_allow_http allows "
                 "it)");
    }
    url.https = false;
    url.port = 80;
    text.remove_prefix(7);
  } else {
    return bad("must start with https:// (a friend's share link, such as "
               "https://their.host/share/…)");
  }
  const std::size_t slash = std::min(text.find('/'), text.size());
  std::string_view authority = text.substr(0, slash);
  const std::string_view path = text.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return bad("may not hold a user name or password");
  }
  std::string_view port_text;
  if (authority.starts_with("[")) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return bad("an IPv6 address without its closing ]");
    }
    url.host = std::string(authority.substr(1, close - 1));
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(":")) {
        return bad("unexpected text after the address");
      }
      port_text = rest.substr(1);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      authority = authority.substr(0, colon);
    }
    url.host = std::string(authority);
    if (url.host.find(':') != std::string::npos) {
      return bad("an IPv6 address goes in brackets: https://[2001:db8::1]/share/…");
    }
  }
  if (!host_text(url.host)) {
    return bad("no host, or one with characters a host name cannot have");
  }
  if (!port_text.empty()) {
    const auto port = whole_number_in(port_text, 1, 65535);
    if (!port) {
      return bad("the port must be a whole number from 1 to 65535");
    }
    url.port = static_cast<unsigned short>(*port);
  }
  std::string_view token;
  if (path.starts_with("/share/")) {
    token = path.substr(7);
  } else if (path.starts_with("/api/share/")) {
    token = path.substr(11);
  } else {
    return bad("the path must be a pulsemon share's: /share/… or /api/share/…");
  }
  if (!token_text(token)) {
    return bad("the share's token must be 16 to 200 letters, digits, - or _");
  }
  url.target = "/api/share/" + std::string(token);
  return url;
}

} // namespace pulsemon

#pragma once
// Which addresses the daemon may fetch a friend's share from. A user
// account must not be able to make the daemon probe the home network or
// the machine itself (a router's admin page, a database on loopback), so
// loopback, private, link-local, shared (CGNAT), unspecified, multicast
// and reserved ranges are refused unless the config allows them. Pure.

#include <boost/asio/ip/address.hpp>

#include <string>

namespace pulsemon {

// Empty when `address` may be fetched from; else why not, in words
// ("a private address (10.0.0.0/8)").
[[nodiscard]] std::string address_refusal(const boost::asio::ip::address &address,
                                          bool allow_private);

} // namespace pulsemon

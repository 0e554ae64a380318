#include "friends/address_policy.h"

#include <array>
#include <cstdint>

namespace pulsemon {

namespace {

struct Range4 {
  std::uint32_t network;
  int prefix;
  const char *what;
};

constexpr std::array<Range4, 12> refused_v4{{
    {0x00000000, 8, "an unspecified address (0.0.0.0/8)"},
    {0x0A000000, 8, "a private address (10.0.0.0/8)"},
    {0x64400000, 10, "a shared address (100.64.0.0/10)"},
    {0x7F000000, 8, "a loopback address (127.0.0.0/8)"},
    {0xA9FE0000, 16, "a link-local address (169.254.0.0/16)"},
    {0xAC100000, 12, "a private address (172.16.0.0/12)"},
    {0xC0000000, 24, "a reserved address (192.0.0.0/24)"},
    {0xC0A80000, 16, "a private address (192.168.0.0/16)"},
    {0xC6120000, 15, "a benchmarking address (198.18.0.0/15)"},
    {0xE0000000, 4, "a multicast address (224.0.0.0/4)"},
    {0xF0000000, 4, "a reserved address (240.0.0.0/4)"},
    {0xFFFFFFFF, 32, "the broadcast address"},
}};

std::string refusal_v4(const boost::asio::ip::address_v4 &address) {
  const std::uint32_t bits = address.to_uint();
  for (const Range4 &range : refused_v4) {
    const std::uint32_t mask = range.prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - range.prefix);
    if ((bits & mask) == range.network) {
      return range.what;
    }
  }
  return {};
}

std::string refusal_v6(const boost::asio::ip::address_v6 &address) {
  if (address.is_v4_mapped()) {
    return refusal_v4(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address));
  }
  const auto bytes = address.to_bytes();
  if (address.is_loopback()) {
    return "a loopback address (::1)";
  }
  if (address.is_unspecified()) {
    return "an unspecified address (::)";
  }
  if (address.is_multicast()) {
    return "a multicast address (ff00::/8)";
  }
  if (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80) {
    return "a link-local address (fe80::/10)";
  }
  if ((bytes[0] & 0xfe) == 0xfc) {
    return "a private address (fc00::/7)";
  }
  if (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0xc0) {
    return "a site-local address (fec0::/10)";
  }
  // 64:ff9b::/96 (NAT64) carries an IPv4 address in its last four bytes.
  const std::array<unsigned char, 12> nat64{0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::equal(nat64.begin(), nat64.end(), bytes.begin())) {
    return refusal_v4(boost::asio::ip::address_v4({bytes[12], bytes[13], bytes[14], bytes[15]}));
  }
  return {};
}

} // namespace

std::string address_refusal(const boost::asio::ip::address &address, bool allow_private) {
  if (allow_private) {
    return {};
  }
  return address.is_v4() ? refusal_v4(address.to_v4()) : refusal_v6(address.to_v6());
}

} // namespace pulsemon

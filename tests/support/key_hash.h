#pragma once
// The hash a test keeps for a device key it never presents: marked with
// the key's id, so a test can see it was made for that id.

#include <cstdint>
#include <string>

namespace pulsemon::testing {

inline std::string unused_key_hash(std::int64_t id) {
  return "hash-of-key-" + std::to_string(id);
}

} // namespace pulsemon::testing

#pragma once
// Energy answers kept for ranges asked again while the database has not
// changed: a dashboard redraws the same day, several screens show the same
// month, a script polls the same year. The answer to a resolved range
// depends only on stored data (pulses, tariff, calorific values), so the
// read cache's generation (which moves at any change of the database) is
// all that says when a kept answer is stale.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>

namespace pulsemon {

class EnergyAnswers {
public:
  struct Key {
    std::int64_t meter_id = 0;
    std::int64_t from_us = 0;
    std::int64_t to_us = 0;
    int bucket = 0;
    std::string zone;
    // (<=> = default would do; clang-tidy 14 misreads it as a 0 for nullptr.)
    friend bool operator<(const Key &a, const Key &b) {
      return std::tie(a.meter_id, a.from_us, a.to_us, a.bucket, a.zone) <
             std::tie(b.meter_id, b.from_us, b.to_us, b.bucket, b.zone);
    }
  };

  // All kept bodies together stay under this many bytes.
  static constexpr std::size_t max_bytes = 4U << 20U;

  // The body answered for `key` while the generation was the same, or null.
  [[nodiscard]] const std::string *find(const Key &key, std::uint64_t generation);
  void keep(const Key &key, std::string body, std::uint64_t generation);

private:
  void forget_all_unless(std::uint64_t generation);

  std::uint64_t generation_ = 0;
  std::size_t bytes_ = 0;
  std::map<Key, std::string> bodies_;
};

} // namespace pulsemon

#include "core/pulse_block.h"

#include <cstdint>
#include <optional>

namespace pulsemon {

namespace {

// Times a block may hold: the years 1 to 9999, as everywhere else.
constexpr std::int64_t earliest_us = -62'135'596'800'000'000;
constexpr std::int64_t latest_us = 253'402'300'799'999'999;

void put_varint(std::string &out, std::uint64_t value) {
  while (value >= 0x80U) {
    out.push_back(static_cast<char>((value & 0x7FU) | 0x80U));
    value >>= 7U;
  }
  out.push_back(static_cast<char>(value));
}

std::uint64_t zigzag(std::int64_t value) {
  return (static_cast<std::uint64_t>(value) << 1U) ^ static_cast<std::uint64_t>(value >> 63);
}

std::int64_t unzigzag(std::uint64_t value) {
  return static_cast<std::int64_t>(value >> 1U) ^ -static_cast<std::int64_t>(value & 1U);
}

class Reader {
public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  // At most ten bytes, the last carrying no more than the 64th bit, and
  // the shortest form only (no trailing zero group), so each block has
  // one way to be written.
  std::optional<std::uint64_t> varint() {
    std::uint64_t value = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      if (at_ >= bytes_.size()) {
        return std::nullopt;
      }
      const auto byte = static_cast<std::uint8_t>(bytes_[at_++]);
      if (shift == 63 && byte > 1U) {
        return std::nullopt;
      }
      value |= static_cast<std::uint64_t>(byte & 0x7FU) << shift;
      if ((byte & 0x80U) == 0) {
        if (byte == 0 && shift > 0) {
          return std::nullopt;
        }
        return value;
      }
    }
    return std::nullopt;
  }

  [[nodiscard]] bool done() const { return at_ == bytes_.size(); }

private:
  std::string_view bytes_;
  std::size_t at_ = 0;
};

Error damaged(const std::string &why) {
  return invalid_argument("pulse block: " + why);
}

} // namespace

Result<std::string> encode_pulse_block(std::span<const UtcTime> pulses) {
  if (pulses.size() > max_pulses_per_block) {
    return damaged("more than " + std::to_string(max_pulses_per_block) + " pulses");
  }
  std::string out;
  out.reserve(pulses.size() * 3 + 16);
  put_varint(out, pulses.size());
  if (pulses.empty()) {
    return out;
  }
  const std::int64_t first = to_epoch_us(pulses.front());
  if (first < earliest_us || to_epoch_us(pulses.back()) > latest_us) {
    return damaged("a time outside the years 1 to 9999");
  }
  put_varint(out, zigzag(first));
  std::int64_t previous_interval = 0;
  for (std::size_t i = 1; i < pulses.size(); ++i) {
    const std::int64_t interval = (pulses[i] - pulses[i - 1]).count();
    if (interval <= 0) {
      return damaged("pulses not strictly increasing at " + std::to_string(i));
    }
    if (i == 1) {
      put_varint(out, static_cast<std::uint64_t>(interval));
    } else {
      put_varint(out, zigzag(interval - previous_interval));
    }
    previous_interval = interval;
  }
  return out;
}

namespace {

// Reads a block's pulses in order, handing each to `visit` until it returns
// false; an error for bytes that are not a block's as far as they are read
// (all of them when `visit` never stops).
template <class Visit> std::optional<Error> walk_block(std::string_view bytes, Visit &&visit) {
  Reader in(bytes);
  const auto count = in.varint();
  if (!count || *count > max_pulses_per_block) {
    return damaged("no count, or more than a block holds");
  }
  if (*count > 0) {
    const auto first = in.varint();
    if (!first) {
      return damaged("cut short before the first time");
    }
    std::int64_t time = unzigzag(*first);
    if (time < earliest_us || time > latest_us) {
      return damaged("a first time outside the years 1 to 9999");
    }
    if (!visit(time)) {
      return std::nullopt;
    }
    std::int64_t interval = 0;
    for (std::uint64_t i = 1; i < *count; ++i) {
      const auto coded = in.varint();
      if (!coded) {
        return damaged("cut short at pulse " + std::to_string(i));
      }
      if (i == 1) {
        if (*coded == 0 || *coded > static_cast<std::uint64_t>(latest_us - earliest_us)) {
          return damaged("a first interval out of range");
        }
        interval = static_cast<std::int64_t>(*coded);
      } else {
        const std::int64_t change = unzigzag(*coded);
        // Both within the span of the years 1 to 9999: the sum cannot overflow.
        if (change < earliest_us - latest_us || change > latest_us - earliest_us) {
          return damaged("an interval out of range at pulse " + std::to_string(i));
        }
        interval += change;
      }
      if (interval <= 0 || interval > latest_us - time) {
        return damaged("times out of order or out of range at pulse " + std::to_string(i));
      }
      time += interval;
      if (!visit(time)) {
        return std::nullopt;
      }
    }
  }
  if (!in.done()) {
    return damaged("bytes after the last pulse");
  }
  return std::nullopt;
}

} // namespace

Result<std::vector<UtcTime>> decode_pulse_block(std::string_view bytes) {
  std::vector<UtcTime> pulses;
  pulses.reserve(max_pulses_per_block);
  if (auto error = walk_block(bytes, [&](std::int64_t us) {
        pulses.push_back(utc_from_epoch_us(us));
        return true;
      })) {
    return *std::move(error);
  }
  return pulses;
}

Result<BlockCount> count_block_pulses(std::string_view bytes, UtcTime from, UtcTime to) {
  const std::int64_t low = to_epoch_us(from);
  const std::int64_t high = to_epoch_us(to);
  BlockCount counted;
  if (auto error = walk_block(bytes, [&](std::int64_t us) {
        counted.within += (us >= low && us < high) ? 1 : 0;
        ++counted.summary.count;
        counted.summary.last = utc_from_epoch_us(us);
        if (counted.summary.count == 1) {
          counted.summary.first = counted.summary.last;
        }
        return true;
      })) {
    return *std::move(error);
  }
  return counted;
}

PulseBlockSummary summarise(std::span<const UtcTime> pulses) {
  if (pulses.empty()) {
    return {};
  }
  return {pulses.front(), pulses.back(), static_cast<std::int64_t>(pulses.size())};
}

} // namespace pulsemon

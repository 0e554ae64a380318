#pragma once
// A sealed block of one meter's pulses, as the compressed pulse store
// keeps them (issue 36): the first time, then each pulse as the change of
// its interval from the interval before it (delta of delta), zigzag-coded
// and written as a LEB128 varint. A meter at a steady load pulses at
// nearly steady intervals, so most changes are small: a second's interval
// that moves by a few milliseconds costs two or three bytes where its
// eight-byte timestamp (and a row) cost sixteen and more. Pure.
//
// Layout: varint(count), then for count > 0 the first time as a zigzag
// varint of its microseconds since the epoch, the first interval as a
// varint, and for each further pulse the zigzag varint of (interval −
// previous interval). Pulses are strictly increasing (a meter's pulses are
// unique), so every interval is at least 1 µs.

#include "core/result.h"
#include "core/time.h"

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pulsemon {

// A block holds at most this many pulses: a query that needs part of one
// decodes it whole, so blocks stay small enough to decode in microseconds.
inline constexpr std::size_t max_pulses_per_block = 1024;

struct PulseBlockSummary {
  UtcTime first{};
  UtcTime last{};
  std::int64_t count = 0;
};

// The bytes of a block of `pulses`, which must be strictly increasing and
// at most max_pulses_per_block (invalid_argument otherwise).
[[nodiscard]] Result<std::string> encode_pulse_block(std::span<const UtcTime> pulses);

// The pulses of a block's bytes; invalid_argument for bytes that are not
// one (cut short, trailing bytes, a varint too long, times out of order or
// out of range), so a damaged block is named, never read as other pulses.
[[nodiscard]] Result<std::vector<UtcTime>> decode_pulse_block(std::string_view bytes);

// How many of a block's pulses fall in [from, to), and the block's own
// summary as read: a count at a range's ragged edge. Reads the whole block,
// so damage anywhere is refused, but keeps no pulse (no allocation).
struct BlockCount {
  std::int64_t within = 0;
  PulseBlockSummary summary;
};
[[nodiscard]] Result<BlockCount> count_block_pulses(std::string_view bytes, UtcTime from,
                                                    UtcTime to);

// First, last and count of the pulses, as a block's summary keeps them.
[[nodiscard]] PulseBlockSummary summarise(std::span<const UtcTime> pulses);

} // namespace pulsemon

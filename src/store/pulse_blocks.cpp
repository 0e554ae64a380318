#include "store/pulse_blocks.h"

#include "core/block_sealing.h"
#include "core/result.h"
#include "core/time_text.h"

#include <algorithm>
#include <iterator>
#include <limits>

namespace pulsemon {

namespace {

// Commit refuses pulses before 1970, so the tail holds none earlier.
constexpr UtcTime earliest_pulse{};
constexpr UtcTime after_every_pulse{Micros{std::numeric_limits<std::int64_t>::max()}};
constexpr Micros one_us{1};

// How many late pulses one round of sealing takes in per block it may
// write: a bound on the round's memory, whatever an import left.
constexpr std::size_t late_pulses_per_block = 4 * max_pulses_per_block;

std::vector<UtcTime> within(std::vector<UtcTime> pulses, UtcTime from, UtcTime to) {
  const auto begin = std::lower_bound(pulses.begin(), pulses.end(), from);
  const auto end = std::lower_bound(begin, pulses.end(), to);
  return {begin, end};
}

Failure damaged(std::int64_t meter_id, const PulseBlockSummary &block, const std::string &why) {
  return Failure(ErrorCode::internal, "meter " + std::to_string(meter_id) +
                                          ": the sealed block of pulses ending at " +
                                          format_utc(block.last) + " is damaged (" + why + ")");
}

} // namespace

std::vector<UtcTime> PulseBlocks::block_pulses(std::int64_t meter_id,
                                               const PulseBlockSummary &block) {
  return block_pulses(meter_id, block, rows_.block_bytes(meter_id, block.last));
}

std::vector<UtcTime> PulseBlocks::block_pulses(std::int64_t meter_id,
                                               const PulseBlockSummary &block,
                                               std::string_view bytes) {
  Result<std::vector<UtcTime>> pulses = decode_pulse_block(bytes);
  if (!pulses) {
    throw damaged(meter_id, block, pulses.error().message);
  }
  const PulseBlockSummary read = summarise(*pulses);
  if (read.count != block.count || read.first != block.first || read.last != block.last) {
    throw damaged(meter_id, block, "its pulses do not match its first, last and count");
  }
  return std::move(pulses).value();
}

std::int64_t PulseBlocks::count(std::int64_t meter_id, UtcTime from, UtcTime to) {
  if (from >= to) {
    return 0;
  }
  std::int64_t count = rows_.count_tail(meter_id, from, to);
  for (const PulseBlockSummary &block : rows_.blocks_within(meter_id, from, to - one_us)) {
    if (block.first >= from && block.last < to) {
      count += block.count;
      continue;
    }
    // A block the range cuts: read through, nothing kept.
    const Result<BlockCount> counted =
        count_block_pulses(rows_.block_bytes(meter_id, block.last), from, to);
    if (!counted) {
      throw damaged(meter_id, block, counted.error().message);
    }
    const PulseBlockSummary &read = counted->summary;
    if (read.count != block.count || read.first != block.first || read.last != block.last) {
      throw damaged(meter_id, block, "its pulses do not match its first, last and count");
    }
    count += counted->within;
  }
  return count;
}

void PulseBlocks::visit(std::int64_t meter_id, UtcTime from, UtcTime to,
                        const std::function<bool(UtcTime)> &visit) {
  if (from >= to) {
    return;
  }
  // Window by window, each ending where a block ends: the block's pulses
  // merged with the tail's in the window (the late pulses not sealed yet).
  UtcTime cursor = from;
  for (const PulseBlockSummary &block : rows_.blocks_within(meter_id, from, to - one_us)) {
    const UtcTime window_end = std::min(block.last + one_us, to);
    const std::vector<UtcTime> sealed = within(block_pulses(meter_id, block), cursor, window_end);
    std::vector<UtcTime> tail;
    rows_.visit_tail(meter_id, cursor, window_end, [&](UtcTime t) {
      tail.push_back(t);
      return true;
    });
    std::vector<UtcTime> merged;
    merged.reserve(sealed.size() + tail.size());
    std::merge(sealed.begin(), sealed.end(), tail.begin(), tail.end(), std::back_inserter(merged));
    for (const UtcTime t : merged) {
      if (!visit(t)) {
        return;
      }
    }
    cursor = window_end;
  }
  if (cursor < to) {
    rows_.visit_tail(meter_id, cursor, to, visit);
  }
}

std::vector<UtcTime> PulseBlocks::last(std::int64_t meter_id, std::size_t limit) {
  const std::vector<UtcTime> tail = rows_.newest_tail(meter_id, limit);
  // The newest `limit` of all are among the tail's newest `limit` and the
  // blocks' newest `limit`.
  std::vector<UtcTime> sealed;
  std::optional<UtcTime> before;
  while (sealed.size() < limit) {
    const std::optional<PulseBlockSummary> block = rows_.block_before(meter_id, before);
    if (!block) {
      break;
    }
    std::vector<UtcTime> pulses = block_pulses(meter_id, *block);
    pulses.insert(pulses.end(), sealed.begin(), sealed.end());
    sealed = std::move(pulses);
    before = block->first;
  }
  std::vector<UtcTime> merged;
  merged.reserve(sealed.size() + tail.size());
  std::merge(sealed.begin(), sealed.end(), tail.begin(), tail.end(), std::back_inserter(merged));
  if (merged.size() > limit) {
    merged.erase(merged.begin(), merged.end() - static_cast<std::ptrdiff_t>(limit));
  }
  return merged;
}

std::vector<DayCount> PulseBlocks::day_counts(std::int64_t meter_id) {
  std::vector<DayCount> days;
  visit(meter_id, earliest_pulse, after_every_pulse, [&](UtcTime t) {
    const std::int64_t day = std::chrono::floor<std::chrono::days>(t).time_since_epoch().count();
    if (days.empty() || days.back().day != day) {
      days.push_back({meter_id, day, 0});
    }
    ++days.back().pulses;
    return true;
  });
  return days;
}

std::vector<bool> PulseBlocks::sealed(std::int64_t meter_id, std::span<const UtcTime> pulses) {
  std::vector<bool> in_block(pulses.size(), false);
  if (pulses.empty()) {
    return in_block;
  }
  std::vector<UtcTime> sorted(pulses.begin(), pulses.end());
  std::sort(sorted.begin(), sorted.end());
  const std::vector<PulseBlockSummary> blocks =
      rows_.blocks_within(meter_id, sorted.front(), sorted.back());
  std::vector<UtcTime> found; // the pulses that are in a block, in order
  for (const PulseBlockSummary &block : blocks) {
    const auto first = std::lower_bound(sorted.begin(), sorted.end(), block.first);
    if (first == sorted.end() || *first > block.last) {
      continue; // the block's span holds none of them: not decoded
    }
    const std::vector<UtcTime> stored = block_pulses(meter_id, block);
    std::set_intersection(stored.begin(), stored.end(), first, sorted.end(),
                          std::back_inserter(found));
  }
  if (found.empty()) {
    return in_block;
  }
  for (std::size_t i = 0; i < pulses.size(); ++i) {
    in_block[i] = std::binary_search(found.begin(), found.end(), pulses[i]);
  }
  return in_block;
}

std::size_t PulseBlocks::seal_tail(std::size_t max_blocks) {
  std::size_t written = 0;
  for (const auto [meter_id, unsealed] : rows_.meters_with_tail()) {
    if (written >= max_blocks) {
      break;
    }
    const std::optional<PulseBlockSummary> newest = rows_.block_before(meter_id, std::nullopt);
    if (newest) {
      written += seal_late(meter_id, newest->last, max_blocks - written);
    }
    if (written < max_blocks && unsealed >= static_cast<std::int64_t>(max_pulses_per_block)) {
      // Merging late pulses never moves the newest block's end.
      written += seal_fresh(meter_id, newest ? std::optional(newest->last) : std::nullopt,
                            max_blocks - written);
    }
  }
  return written;
}

std::size_t PulseBlocks::seal_late(std::int64_t meter_id, UtcTime last_sealed,
                                   std::size_t max_blocks) {
  std::vector<UtcTime> late;
  const std::size_t most = max_blocks * late_pulses_per_block;
  rows_.visit_tail(meter_id, earliest_pulse, last_sealed + one_us, [&](UtcTime t) {
    late.push_back(t);
    return late.size() < most;
  });
  if (late.empty()) {
    return 0;
  }
  // The blocks they may join: each one whose span holds one of them, the
  // one before the first of them, and (when none is before) the first.
  std::vector<PulseBlockSummary> candidates;
  if (const auto before = rows_.block_before(meter_id, late.front())) {
    candidates.push_back(*before);
  }
  for (const PulseBlockSummary &block : rows_.blocks_within(meter_id, late.front(), late.back())) {
    candidates.push_back(block);
  }
  if (candidates.empty() || candidates.front().first > late.front()) {
    const auto first = rows_.block_from(meter_id, late.front());
    if (first && (candidates.empty() || first->last != candidates.front().last)) {
      candidates.insert(candidates.begin(), *first);
    }
  }
  if (candidates.empty()) {
    throw Failure(ErrorCode::internal, "meter " + std::to_string(meter_id) +
                                           ": late pulses with no sealed block to join");
  }
  std::size_t written = 0;
  auto group_begin = late.begin();
  while (group_begin != late.end() && written < max_blocks) {
    const std::size_t target = block_for_late_pulse(candidates, *group_begin);
    auto group_end = group_begin;
    while (group_end != late.end() && block_for_late_pulse(candidates, *group_end) == target) {
      ++group_end;
    }
    const std::span<const UtcTime> group(&*group_begin,
                                         static_cast<std::size_t>(group_end - group_begin));
    const PulseBlockSummary &block = candidates[target];
    const std::vector<UtcTime> stored = block_pulses(meter_id, block);
    rows_.delete_block(meter_id, block.last);
    for (const std::vector<UtcTime> &part : merge_into_blocks(stored, group)) {
      write_block(meter_id, part);
      ++written;
    }
    if (rows_.delete_tail(meter_id, group.front(), group.back()) !=
        static_cast<std::int64_t>(group.size())) {
      throw Failure(ErrorCode::internal, "meter " + std::to_string(meter_id) +
                                             ": the tail changed while its pulses were sealed");
    }
    group_begin = group_end;
  }
  return written;
}

std::size_t PulseBlocks::seal_fresh(std::int64_t meter_id, std::optional<UtcTime> last_sealed,
                                    std::size_t max_blocks) {
  std::size_t written = 0;
  UtcTime from = last_sealed ? *last_sealed + one_us : earliest_pulse;
  while (written < max_blocks) {
    std::vector<UtcTime> block;
    block.reserve(max_pulses_per_block);
    rows_.visit_tail(meter_id, from, after_every_pulse, [&](UtcTime t) {
      block.push_back(t);
      return block.size() < max_pulses_per_block;
    });
    if (block.size() < max_pulses_per_block) {
      break; // a whole block only: the newest pulses wait for more
    }
    write_block(meter_id, block);
    if (rows_.delete_tail(meter_id, block.front(), block.back()) !=
        static_cast<std::int64_t>(block.size())) {
      throw Failure(ErrorCode::internal, "meter " + std::to_string(meter_id) +
                                             ": the tail changed while its pulses were sealed");
    }
    ++written;
    from = block.back() + one_us;
  }
  return written;
}

void PulseBlocks::write_block(std::int64_t meter_id, std::span<const UtcTime> pulses) {
  const std::string bytes = value_or_throw(encode_pulse_block(pulses));
  const std::vector<UtcTime> again = value_or_throw(decode_pulse_block(bytes));
  if (!std::equal(again.begin(), again.end(), pulses.begin(), pulses.end())) {
    throw Failure(ErrorCode::internal, "meter " + std::to_string(meter_id) +
                                           ": a block read back other pulses than were sealed");
  }
  rows_.insert_block(meter_id, summarise(pulses), bytes);
}

} // namespace pulsemon

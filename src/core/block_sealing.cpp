#include "core/block_sealing.h"

#include <algorithm>
#include <iterator>

namespace pulsemon {

std::size_t block_for_late_pulse(std::span<const PulseBlockSummary> blocks, UtcTime t) {
  // The first block starting after t; the one before it holds t or is the
  // earlier neighbour of the space t falls in.
  const auto after = std::upper_bound(
      blocks.begin(), blocks.end(), t,
      [](UtcTime time, const PulseBlockSummary &block) { return time < block.first; });
  if (after == blocks.begin()) {
    return 0;
  }
  return static_cast<std::size_t>(std::distance(blocks.begin(), after) - 1);
}

std::vector<std::vector<UtcTime>> merge_into_blocks(std::span<const UtcTime> block,
                                                    std::span<const UtcTime> late) {
  std::vector<UtcTime> merged;
  merged.reserve(block.size() + late.size());
  std::set_union(block.begin(), block.end(), late.begin(), late.end(), std::back_inserter(merged));
  std::vector<std::vector<UtcTime>> blocks;
  if (merged.empty()) {
    return blocks;
  }
  const std::size_t parts = (merged.size() + max_pulses_per_block - 1) / max_pulses_per_block;
  std::size_t begin = 0;
  for (std::size_t part = 0; part < parts; ++part) {
    const std::size_t end = merged.size() * (part + 1) / parts;
    blocks.emplace_back(merged.begin() + static_cast<std::ptrdiff_t>(begin),
                        merged.begin() + static_cast<std::ptrdiff_t>(end));
    begin = end;
  }
  return blocks;
}

} // namespace pulsemon

#pragma once
// Where a meter's unsealed pulses go when they are sealed (issue 36). A
// meter's pulses live in sealed blocks (core/pulse_block.h), which never
// overlap, and a tail of pulses not sealed yet. A tail pulse after the
// last block is fresh: fresh pulses are sealed a whole block at a time.
// A tail pulse at or before the last block's end is late (a node's
// resend, an import): it merges into the block whose span holds it, or,
// between two blocks, into the earlier one (before the first block, into
// the first), so the blocks stay apart. Pure.

#include "core/pulse_block.h"
#include "core/time.h"

#include <cstddef>
#include <span>
#include <vector>

namespace pulsemon {

// The index of the block a late pulse at `t` joins among `blocks`, which
// are in time order and apart; `blocks` must not be empty.
[[nodiscard]] std::size_t block_for_late_pulse(std::span<const PulseBlockSummary> blocks,
                                               UtcTime t);

// A block's pulses with late ones merged in (a pulse in both is kept
// once), cut into as few blocks as max_pulses_per_block allows, of near
// equal size, so a block that grows by a few pulses splits into halves
// that both have room for more. Both inputs in time order.
[[nodiscard]] std::vector<std::vector<UtcTime>> merge_into_blocks(std::span<const UtcTime> block,
                                                                  std::span<const UtcTime> late);

} // namespace pulsemon

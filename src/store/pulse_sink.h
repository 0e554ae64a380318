#pragma once
// The seam between the group-commit writer and whatever stores pulses, so
// that the writer can be tested with a fake and a second backend can come.

#include "store/types.h"

#include <cstddef>
#include <span>
#include <vector>

namespace pulsemon {

class PulseSink {
public:
  virtual ~PulseSink() = default;
  // Stores the batches in one transaction: all of them, or none and throws.
  // Returns one outcome per batch, in order.
  virtual std::vector<BatchOutcome> commit(std::span<const PulseBatch> batches) = 0;
  // Gives back the space the store holds beyond its data (SQLite: the
  // write-ahead log, which never shrinks by itself). The writer calls it
  // when writing works again after a failure (a full disk) and when it
  // stops. Best effort: may throw, and the writer only logs that.
  virtual void release_space() {}
  // Seals up to `max_blocks` blocks of the pulses stored since the last
  // sealing (store/pulse_blocks.h) in one transaction of its own, and
  // returns how many it wrote: 0 when nothing is left to seal, or where a
  // store keeps every pulse as it came. Reads are the same before and
  // after. The writer calls it after its commits.
  virtual std::size_t seal_pulses(std::size_t max_blocks) {
    (void)max_blocks;
    return 0;
  }
};

// Seals all there is to seal, a few blocks per transaction (so readers and
// other writers get their turn); returns the blocks written. What a bulk
// load (simulate, import, migrate) calls after each of its commits.
inline std::size_t seal_everything(PulseSink &sink) {
  constexpr std::size_t blocks_per_transaction = 64;
  std::size_t written = 0;
  while (const std::size_t sealed = sink.seal_pulses(blocks_per_transaction)) {
    written += sealed;
  }
  return written;
}

} // namespace pulsemon

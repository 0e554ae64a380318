#pragma once
// The seam between the group-commit writer and whatever stores pulses, so
// that the writer can be tested with a fake and a second backend can come.

#include "store/types.h"

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
};

} // namespace pulsemon

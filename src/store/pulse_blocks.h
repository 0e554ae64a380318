#pragma once
// A meter's pulses kept as sealed blocks and a tail (issue 36,
// core/block_sealing.h), read and sealed the same way on every backend
// that keeps them so: the backend gives the rows (BlockRows), this file
// the rules. The tail is where every pulse is first stored (so commit,
// its key's duplicate check and its transaction stay as they were); a
// background step seals it (seal_tail), a whole block at a time.
//
// What holds between calls: a meter's blocks never overlap, and no pulse
// is both in a block and in the tail (commit checks the blocks it touches,
// sealing moves a pulse in the same transaction that deletes its row).
// Reads merge blocks and tail, so a pulse reads the same sealed or not.
//
// Thread safety: none; runs on its store's handle, inside its
// transactions.

#include "core/pulse_block.h"
#include "core/sealing_check.h"
#include "core/time.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pulsemon {

// One backend's block and tail rows. A block's key is its meter and the
// time of its last pulse.
class BlockRows {
public:
  virtual ~BlockRows() = default;
  // The summaries of the meter's blocks that hold a time in [from, to],
  // in time order.
  [[nodiscard]] virtual std::vector<PulseBlockSummary> blocks_within(std::int64_t meter_id,
                                                                     UtcTime from, UtcTime to) = 0;
  // The meter's newest block that ends before `before` (nullopt: any).
  [[nodiscard]] virtual std::optional<PulseBlockSummary>
  block_before(std::int64_t meter_id, std::optional<UtcTime> before) = 0;
  // The meter's oldest block that ends at or after `t`.
  [[nodiscard]] virtual std::optional<PulseBlockSummary> block_from(std::int64_t meter_id,
                                                                    UtcTime t) = 0;
  [[nodiscard]] virtual std::string block_bytes(std::int64_t meter_id, UtcTime last) = 0;
  virtual void insert_block(std::int64_t meter_id, const PulseBlockSummary &summary,
                            const std::string &bytes) = 0;
  virtual void delete_block(std::int64_t meter_id, UtcTime last) = 0;

  // The tail's pulses in [from, to) in time order until `visit` returns
  // false; false when it did.
  virtual bool visit_tail(std::int64_t meter_id, UtcTime from, UtcTime to,
                          const std::function<bool(UtcTime)> &visit) = 0;
  // The tail's last `limit` pulses, oldest first.
  [[nodiscard]] virtual std::vector<UtcTime> newest_tail(std::int64_t meter_id,
                                                         std::size_t limit) = 0;
  [[nodiscard]] virtual std::int64_t count_tail(std::int64_t meter_id, UtcTime from,
                                                UtcTime to) = 0;
  // Deletes the tail's pulses from first to last, both included, and takes
  // them off the meter's count of unsealed pulses; returns how many rows
  // went. The caller passes a run of the tail as it read it in this
  // transaction (nothing of the tail between its pulses), and checks the
  // count: one range, not a statement a pulse.
  virtual std::int64_t delete_tail(std::int64_t meter_id, UtcTime first, UtcTime last) = 0;
  // The meters with pulses in the tail and how many, as kept beside the
  // meter's statistics (commit adds, delete_tail takes off): no counting.
  struct Unsealed {
    std::int64_t meter_id = 0;
    std::int64_t pulses = 0;
  };
  [[nodiscard]] virtual std::vector<Unsealed> meters_with_tail() = 0;
};

class PulseBlocks {
public:
  explicit PulseBlocks(BlockRows &rows) : rows_(rows) {}

  // A block's pulses, checked against its summary; throws
  // Failure(internal) naming the meter and block when its bytes are
  // damaged, so a damaged block stops a read rather than changing it.
  [[nodiscard]] std::vector<UtcTime> block_pulses(std::int64_t meter_id,
                                                  const PulseBlockSummary &block);
  // The same for bytes read already (a backend that reads many at once).
  [[nodiscard]] static std::vector<UtcTime>
  block_pulses(std::int64_t meter_id, const PulseBlockSummary &block, std::string_view bytes);

  // The pulses in [from, to): the tail's, the whole blocks' counts, and
  // the one or two blocks the range's edges cut, decoded.
  [[nodiscard]] std::int64_t count(std::int64_t meter_id, UtcTime from, UtcTime to);
  // The pulses in [from, to) in time order until `visit` returns false.
  void visit(std::int64_t meter_id, UtcTime from, UtcTime to,
             const std::function<bool(UtcTime)> &visit);
  // The last `limit` pulses, oldest first.
  [[nodiscard]] std::vector<UtcTime> last(std::int64_t meter_id, std::size_t limit);

  // The meter's pulses per UTC day, every block decoded.
  [[nodiscard]] std::vector<DayCount> day_counts(std::int64_t meter_id);

  // Which of `pulses` (in any order) are in a block already: a commit
  // stores them as duplicates. Decodes only blocks whose span holds one.
  [[nodiscard]] std::vector<bool> sealed(std::int64_t meter_id, std::span<const UtcTime> pulses);

  // Seals up to `max_blocks` blocks' worth of the tail: late pulses into
  // their blocks, fresh ones a whole block at a time. Each new block is
  // decoded again and compared before its pulses leave the tail. Returns
  // the blocks written; 0 when nothing is left to seal.
  std::size_t seal_tail(std::size_t max_blocks);

private:
  std::size_t seal_late(std::int64_t meter_id, UtcTime last_sealed, std::size_t max_blocks);
  std::size_t seal_fresh(std::int64_t meter_id, std::optional<UtcTime> last_sealed,
                         std::size_t max_blocks);
  void write_block(std::int64_t meter_id, std::span<const UtcTime> pulses);

  BlockRows &rows_;
};

} // namespace pulsemon

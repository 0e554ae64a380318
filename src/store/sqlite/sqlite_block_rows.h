#pragma once
// The SQLite store's blocks and tail (store/pulse_blocks.h): the tables
// pulse_blocks and pulses. Private to the store's implementation files.

#include "store/pulse_blocks.h"
#include "store/sqlite/sqlite_handle.h"

namespace pulsemon {

class SqliteBlockRows final : public BlockRows {
public:
  explicit SqliteBlockRows(sqlite::Database &db) : db_(db) {}

  std::vector<PulseBlockSummary> blocks_within(std::int64_t meter_id, UtcTime from,
                                               UtcTime to) override;
  std::optional<PulseBlockSummary> block_before(std::int64_t meter_id,
                                                std::optional<UtcTime> before) override;
  std::optional<PulseBlockSummary> block_from(std::int64_t meter_id, UtcTime t) override;
  std::string block_bytes(std::int64_t meter_id, UtcTime last) override;
  void insert_block(std::int64_t meter_id, const PulseBlockSummary &summary,
                    const std::string &bytes) override;
  void delete_block(std::int64_t meter_id, UtcTime last) override;
  bool visit_tail(std::int64_t meter_id, UtcTime from, UtcTime to,
                  const std::function<bool(UtcTime)> &visit) override;
  std::vector<UtcTime> newest_tail(std::int64_t meter_id, std::size_t limit) override;
  std::int64_t count_tail(std::int64_t meter_id, UtcTime from, UtcTime to) override;
  std::int64_t delete_tail(std::int64_t meter_id, UtcTime first, UtcTime last) override;
  std::vector<Unsealed> meters_with_tail() override;

private:
  sqlite::Database &db_;
};

} // namespace pulsemon

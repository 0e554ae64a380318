#include "store/sqlite/sqlite_block_rows.h"

#include "core/result.h"

#include <limits>

namespace pulsemon {

namespace {

PulseBlockSummary read_summary(const sqlite::Statement &row) {
  return PulseBlockSummary{utc_from_epoch_us(row.column_int(0)),
                           utc_from_epoch_us(row.column_int(1)), row.column_int(2)};
}

std::optional<PulseBlockSummary> one_summary(sqlite::Statement &select) {
  if (!select.step()) {
    return std::nullopt;
  }
  return read_summary(select);
}

} // namespace

std::vector<PulseBlockSummary> SqliteBlockRows::blocks_within(std::int64_t meter_id, UtcTime from,
                                                              UtcTime to) {
  // Blocks do not overlap, so in the order of their ends their starts
  // ascend too: from the first that ends at or after `from` until one
  // starts after `to`.
  sqlite::Statement select(db_, "SELECT first_us, last_us, pulses FROM pulse_blocks "
                                "WHERE meter_id = ?1 AND last_us >= ?2 ORDER BY last_us");
  select.bind(1, meter_id).bind(2, to_epoch_us(from));
  std::vector<PulseBlockSummary> blocks;
  while (select.step()) {
    const PulseBlockSummary block = read_summary(select);
    if (block.first > to) {
      break;
    }
    blocks.push_back(block);
  }
  return blocks;
}

std::optional<PulseBlockSummary> SqliteBlockRows::block_before(std::int64_t meter_id,
                                                               std::optional<UtcTime> before) {
  sqlite::Statement select(db_,
                           "SELECT first_us, last_us, pulses FROM pulse_blocks "
                           "WHERE meter_id = ?1 AND last_us < ?2 ORDER BY last_us DESC LIMIT 1");
  select.bind(1, meter_id)
      .bind(2, before ? to_epoch_us(*before) : std::numeric_limits<std::int64_t>::max());
  return one_summary(select);
}

std::optional<PulseBlockSummary> SqliteBlockRows::block_from(std::int64_t meter_id, UtcTime t) {
  sqlite::Statement select(db_, "SELECT first_us, last_us, pulses FROM pulse_blocks "
                                "WHERE meter_id = ?1 AND last_us >= ?2 ORDER BY last_us LIMIT 1");
  select.bind(1, meter_id).bind(2, to_epoch_us(t));
  return one_summary(select);
}

std::string SqliteBlockRows::block_bytes(std::int64_t meter_id, UtcTime last) {
  sqlite::Statement select(db_,
                           "SELECT data FROM pulse_blocks WHERE meter_id = ?1 AND last_us = ?2");
  select.bind(1, meter_id).bind(2, to_epoch_us(last));
  if (!select.step()) {
    throw Failure(ErrorCode::internal,
                  "meter " + std::to_string(meter_id) + ": a sealed block of pulses went missing");
  }
  return select.column_blob(0);
}

void SqliteBlockRows::insert_block(std::int64_t meter_id, const PulseBlockSummary &summary,
                                   const std::string &bytes) {
  sqlite::Statement insert(db_, "INSERT INTO pulse_blocks (meter_id, first_us, last_us, pulses, "
                                "data) VALUES (?1, ?2, ?3, ?4, ?5)");
  insert.bind(1, meter_id)
      .bind(2, to_epoch_us(summary.first))
      .bind(3, to_epoch_us(summary.last))
      .bind(4, summary.count)
      .bind_blob(5, bytes)
      .run();
}

void SqliteBlockRows::delete_block(std::int64_t meter_id, UtcTime last) {
  sqlite::Statement erase(db_, "DELETE FROM pulse_blocks WHERE meter_id = ?1 AND last_us = ?2");
  erase.bind(1, meter_id).bind(2, to_epoch_us(last)).run();
}

bool SqliteBlockRows::visit_tail(std::int64_t meter_id, UtcTime from, UtcTime to,
                                 const std::function<bool(UtcTime)> &visit) {
  sqlite::Statement select(db_, "SELECT ts_us FROM pulses WHERE meter_id = ?1 AND ts_us >= ?2 "
                                "AND ts_us < ?3 ORDER BY ts_us");
  select.bind(1, meter_id).bind(2, to_epoch_us(from)).bind(3, to_epoch_us(to));
  while (select.step()) {
    if (!visit(utc_from_epoch_us(select.column_int(0)))) {
      return false;
    }
  }
  return true;
}

std::vector<UtcTime> SqliteBlockRows::newest_tail(std::int64_t meter_id, std::size_t limit) {
  sqlite::Statement select(
      db_, "SELECT ts_us FROM pulses WHERE meter_id = ?1 ORDER BY ts_us DESC LIMIT ?2");
  select.bind(1, meter_id).bind(2, static_cast<std::int64_t>(limit));
  std::vector<UtcTime> newest_first;
  while (select.step()) {
    newest_first.push_back(utc_from_epoch_us(select.column_int(0)));
  }
  return {newest_first.rbegin(), newest_first.rend()};
}

std::int64_t SqliteBlockRows::count_tail(std::int64_t meter_id, UtcTime from, UtcTime to) {
  sqlite::Statement count(
      db_, "SELECT count(*) FROM pulses WHERE meter_id = ?1 AND ts_us >= ?2 AND ts_us < ?3");
  count.bind(1, meter_id).bind(2, to_epoch_us(from)).bind(3, to_epoch_us(to));
  count.step();
  return count.column_int(0);
}

std::int64_t SqliteBlockRows::delete_tail(std::int64_t meter_id, UtcTime first, UtcTime last) {
  sqlite::Statement erase(db_,
                          "DELETE FROM pulses WHERE meter_id = ?1 AND ts_us >= ?2 AND ts_us <= ?3");
  erase.bind(1, meter_id).bind(2, to_epoch_us(first)).bind(3, to_epoch_us(last)).run();
  const std::int64_t deleted = db_.changes();
  sqlite::Statement forget(db_,
                           "UPDATE meter_stats SET unsealed = unsealed - ?2 WHERE meter_id = ?1");
  forget.bind(1, meter_id).bind(2, deleted).run();
  return deleted;
}

std::vector<BlockRows::Unsealed> SqliteBlockRows::meters_with_tail() {
  sqlite::Statement select(
      db_, "SELECT meter_id, unsealed FROM meter_stats WHERE unsealed > 0 ORDER BY meter_id");
  std::vector<Unsealed> meters;
  while (select.step()) {
    meters.push_back({select.column_int(0), select.column_int(1)});
  }
  return meters;
}

} // namespace pulsemon

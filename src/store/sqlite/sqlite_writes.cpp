// Pulse writes: raw pulses, rollups and statistics in one transaction.
#include "core/rollup_plan.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/statements.h"
#include "store/store_rules.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace pulsemon {

namespace {

using RollupKey = std::tuple<std::int64_t, std::int64_t, std::int64_t>; // meter, size, start

struct StatsDelta {
  std::int64_t stored = 0;
  std::int64_t duplicates = 0;
  FilterCounts rejected;
  std::optional<std::int64_t> first_us;
  std::optional<std::int64_t> last_us;
};

// Pulses arrive mostly in time order, so consecutive pulses usually share a
// slot: count runs and touch the map once per run, not once per pulse.
class RollupAccumulator {
public:
  void add(std::int64_t meter_id, UtcTime t) {
    for (std::size_t level = 0; level < rollup_slot_sizes.size(); ++level) {
      const auto size = rollup_slot_sizes[level];
      const RollupKey key{meter_id, size.count(), slot_start(t, size)};
      Run &run = runs_[level];
      if (run.count > 0 && run.key == key) {
        ++run.count;
        continue;
      }
      flush(run);
      run = Run{key, 1};
    }
  }

  std::map<RollupKey, std::int64_t> &totals() {
    for (Run &run : runs_) {
      flush(run);
    }
    return totals_;
  }

private:
  struct Run {
    RollupKey key;
    std::int64_t count = 0;
  };
  void flush(Run &run) {
    if (run.count > 0) {
      totals_[run.key] += run.count;
      run.count = 0;
    }
  }
  std::array<Run, rollup_slot_sizes.size()> runs_{};
  std::map<RollupKey, std::int64_t> totals_;
};

} // namespace

std::vector<BatchOutcome> SqliteStore::commit(std::span<const PulseBatch> batches) {
  sqlite::Transaction transaction(db_);
  std::vector<BatchOutcome> outcomes = commit_in_transaction(batches);
  transaction.commit();
  return outcomes;
}

std::vector<BatchOutcome> SqliteStore::commit_in_transaction(std::span<const PulseBatch> batches) {
  std::vector<BatchOutcome> outcomes(batches.size());
  std::map<std::int64_t, StatsDelta> deltas;
  RollupAccumulator rollups;

  for (std::size_t i = 0; i < batches.size(); ++i) {
    const PulseBatch &batch = batches[i];
    BatchOutcome &outcome = outcomes[i];
    if (!meter_exists(batch.meter_id)) {
      outcome.error = Error{ErrorCode::not_found,
                            "meter " + std::to_string(batch.meter_id) + " does not exist"};
      continue;
    }
    if (auto error = batch_error(batch)) {
      outcome.error = std::move(error);
      continue;
    }
    StatsDelta &delta = deltas[batch.meter_id];
    delta.rejected.too_close += batch.rejected.too_close;
    delta.rejected.too_short += batch.rejected.too_short;
    delta.rejected.unpaired += batch.rejected.unpaired;
    const std::vector<bool> sealed = blocks_->sealed(batch.meter_id, batch.pulses);
    for (std::size_t p = 0; p < batch.pulses.size(); ++p) {
      const UtcTime t = batch.pulses[p];
      if (sealed[p]) {
        ++outcome.duplicates;
        continue;
      }
      const std::int64_t us = to_epoch_us(t);
      statements_->insert_pulse.bind(1, batch.meter_id).bind(2, us).run();
      if (db_.changes() == 0) {
        ++outcome.duplicates;
        continue;
      }
      ++outcome.stored;
      rollups.add(batch.meter_id, t);
      delta.first_us = std::min(delta.first_us.value_or(us), us);
      delta.last_us = std::max(delta.last_us.value_or(us), us);
    }
    delta.stored += outcome.stored;
    delta.duplicates += outcome.duplicates;
    for (const Gap &gap : batch.gaps) {
      insert_gap(batch.meter_id, gap);
    }
  }

  for (const auto &[key, count] : rollups.totals()) {
    const auto &[meter_id, size, start] = key;
    statements_->add_to_rollup.bind(1, meter_id).bind(2, size).bind(3, start).bind(4, count).run();
  }
  for (const auto &[meter_id, delta] : deltas) {
    auto &add = statements_->add_to_stats;
    add.bind(1, meter_id)
        .bind(2, delta.stored)
        .bind(3, delta.duplicates)
        .bind(4, static_cast<std::int64_t>(delta.rejected.too_close))
        .bind(5, static_cast<std::int64_t>(delta.rejected.too_short))
        .bind(6, static_cast<std::int64_t>(delta.rejected.unpaired));
    if (delta.first_us) {
      add.bind(7, *delta.first_us).bind(8, *delta.last_us);
    } else {
      add.bind_null(7).bind_null(8);
    }
    add.run();
  }
  return outcomes;
}

void SqliteStore::rebuild_rollups() {
  sqlite::Transaction transaction(db_);
  db_.execute("DELETE FROM rollups");
  for (const auto size : rollup_slot_sizes) {
    // Pulse times are never before 1970 (commit refuses them), so integer
    // division is the floor.
    sqlite::Statement rebuild(db_, R"sql(
      INSERT INTO rollups (meter_id, slot_seconds, slot_start, pulses)
      SELECT meter_id, ?1, (ts_us / (?1 * 1000000)) * ?1 AS slot, count(*)
      FROM pulses GROUP BY meter_id, slot)sql");
    rebuild.bind(1, static_cast<std::int64_t>(size.count())).run();
  }
  // The sealed blocks' pulses, a block at a time.
  RollupAccumulator rollups;
  sqlite::Statement blocks(db_, "SELECT meter_id, first_us, last_us, pulses FROM pulse_blocks "
                                "ORDER BY meter_id, last_us");
  while (blocks.step()) {
    const std::int64_t meter_id = blocks.column_int(0);
    const PulseBlockSummary block{utc_from_epoch_us(blocks.column_int(1)),
                                  utc_from_epoch_us(blocks.column_int(2)), blocks.column_int(3)};
    for (const UtcTime t : blocks_->block_pulses(meter_id, block)) {
      rollups.add(meter_id, t);
    }
  }
  for (const auto &[key, count] : rollups.totals()) {
    const auto &[meter_id, size, start] = key;
    statements_->add_to_rollup.bind(1, meter_id).bind(2, size).bind(3, start).bind(4, count).run();
  }
  db_.execute(R"sql(
    UPDATE meter_stats SET
      unsealed = (SELECT count(*) FROM pulses WHERE pulses.meter_id = meter_stats.meter_id),
      pulses = (SELECT count(*) FROM pulses WHERE pulses.meter_id = meter_stats.meter_id)
        + (SELECT coalesce(sum(b.pulses), 0) FROM pulse_blocks AS b
           WHERE b.meter_id = meter_stats.meter_id),
      first_pulse_us = (SELECT min(t) FROM (
        SELECT min(ts_us) AS t FROM pulses WHERE pulses.meter_id = meter_stats.meter_id
        UNION ALL SELECT min(first_us) FROM pulse_blocks AS b
        WHERE b.meter_id = meter_stats.meter_id)),
      last_pulse_us = (SELECT max(t) FROM (
        SELECT max(ts_us) AS t FROM pulses WHERE pulses.meter_id = meter_stats.meter_id
        UNION ALL SELECT max(last_us) FROM pulse_blocks AS b
        WHERE b.meter_id = meter_stats.meter_id)))sql");
  transaction.commit();
}

std::size_t SqliteStore::seal_pulses(std::size_t max_blocks) {
  sqlite::Transaction transaction(db_);
  const std::size_t written = blocks_->seal_tail(max_blocks);
  transaction.commit();
  return written;
}

void SqliteStore::give_back_freed_space() {
  db_.execute("VACUUM");
  checkpoint();
}

SealingCheck SqliteStore::check_sealed_pulses() {
  std::vector<DayCount> before;
  std::vector<DayCount> now;
  std::vector<MeterTotal> totals;
  {
    // One state of the data for the counting; writers go on meanwhile.
    const auto scope = read_scope();
    sqlite::Statement kept(db_, "SELECT meter_id, day, pulses FROM pulse_counts_before_sealing");
    while (kept.step()) {
      before.push_back({kept.column_int(0), kept.column_int(1), kept.column_int(2)});
    }
    if (before.empty()) {
      return {};
    }
    sqlite::Statement meters(db_, "SELECT meter_id, pulses FROM meter_stats ORDER BY meter_id");
    while (meters.step()) {
      const std::int64_t meter_id = meters.column_int(0);
      std::int64_t counted = 0;
      for (const DayCount &day : blocks_->day_counts(meter_id)) {
        counted += day.pulses;
        now.push_back(day);
      }
      totals.push_back({meter_id, counted, meters.column_int(1)});
    }
  }
  SealingCheck check = compare_sealed_counts(before, now, totals);
  if (check.agrees()) {
    sqlite::Transaction transaction(db_);
    db_.execute("DELETE FROM pulse_counts_before_sealing");
    transaction.commit();
  }
  return check;
}

} // namespace pulsemon

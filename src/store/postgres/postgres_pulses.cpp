// Pulses on PostgreSQL: a batch's pulses in one INSERT of an array into the
// tail, their rollups and statistics in the same transaction; counts of any
// number of ranges in one statement, and one more for the sealed blocks
// their ragged edges cut (store/pulse_blocks.h).
#include "core/pulse_block.h"
#include "core/rollup_plan.h"
#include "store/postgres/pg_block_rows.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/postgres_store.h"
#include "store/store_rules.h"

#include <date/date.h>
#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <tuple>

namespace pulsemon {

using pg::param;

namespace {

// The UTC month that holds `us`, as partition bounds and the table's name.
struct Month {
  std::int64_t from_us;
  std::int64_t to_us;
  std::string table;
};

Month month_holding(std::int64_t us) {
  const date::year_month_day day{date::floor<date::days>(utc_from_epoch_us(us))};
  const date::year_month month{day.year(), day.month()};
  const auto start = date::sys_days{month / 1};
  const auto end = date::sys_days{(month + date::months{1}) / 1};
  return Month{to_epoch_us(UtcTime{start}), to_epoch_us(UtcTime{end}),
               fmt::format("pulses_{:04}_{:02}", static_cast<int>(day.year()),
                           static_cast<unsigned>(day.month()))};
}

} // namespace

void PostgresStore::ensure_partitions(const std::vector<std::int64_t> &times) {
  std::set<std::int64_t> months;
  for (const std::int64_t us : times) {
    const Month month = month_holding(us);
    months.insert(month.from_us);
    months.insert(month.to_us); // the month after: made ahead, so no commit waits for it
  }
  for (const std::int64_t from_us : months) {
    if (known_partitions_.contains(from_us)) {
      continue;
    }
    const Month month = month_holding(from_us);
    // Inside the write transaction, under the writers' lock: no other
    // pulsemon makes it at the same time.
    db_->execute(fmt::format("CREATE TABLE IF NOT EXISTS {} PARTITION OF pulses "
                             "FOR VALUES FROM ({}) TO ({})",
                             month.table, month.from_us, month.to_us));
    known_partitions_.insert(from_us);
  }
}

std::vector<BatchOutcome> PostgresStore::commit(std::span<const PulseBatch> batches) {
  return writing([&] { return commit_in_transaction(batches); });
}

std::vector<BatchOutcome>
PostgresStore::commit_in_transaction(std::span<const PulseBatch> batches) {
  std::vector<BatchOutcome> outcomes(batches.size());
  // meter, slot size, slot start → pulses stored in it now
  std::map<std::tuple<std::int64_t, std::int64_t, std::int64_t>, std::int64_t> rollups;
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
    // Pulses sealed already are duplicates; the tail's key finds the rest.
    const std::vector<bool> sealed = blocks_->sealed(batch.meter_id, batch.pulses);
    std::vector<std::int64_t> times;
    times.reserve(batch.pulses.size());
    for (std::size_t p = 0; p < batch.pulses.size(); ++p) {
      if (!sealed[p]) {
        times.push_back(to_epoch_us(batch.pulses[p]));
      }
    }
    std::optional<std::int64_t> first;
    std::optional<std::int64_t> last;
    outcome.duplicates = static_cast<std::int64_t>(batch.pulses.size());
    if (!times.empty()) {
      ensure_partitions(times);
      // A pulse already stored (or twice in the batch) is left out by the
      // key; what comes back is what was new.
      // A handle with a feed origin puts what was new in the change feed
      // in the same statement (store/change_feed.h).
      const pg::Rows stored =
          feed_origin_.empty()
              ? db_->run("INSERT INTO pulses (meter_id, ts_us) "
                         "SELECT $1, unnest($2::bigint[]) "
                         "ON CONFLICT DO NOTHING RETURNING ts_us",
                         {param(batch.meter_id), pg::array(times)})
              : db_->run("WITH new AS (INSERT INTO pulses (meter_id, ts_us) "
                         "SELECT $1, unnest($2::bigint[]) "
                         "ON CONFLICT DO NOTHING RETURNING ts_us), "
                         "fed AS (INSERT INTO pulse_feed (origin, meter_id, times) "
                         "SELECT $3, $1, array_agg(ts_us) FROM new HAVING count(*) > 0) "
                         "SELECT ts_us FROM new",
                         {param(batch.meter_id), pg::array(times), param(feed_origin_)});
      fed_ = fed_ || (!feed_origin_.empty() && !stored.empty());
      outcome.stored = stored.size();
      outcome.duplicates = static_cast<std::int64_t>(batch.pulses.size()) - outcome.stored;
      for (int row = 0; row < stored.size(); ++row) {
        const std::int64_t us = stored.integer(row, 0);
        first = std::min(first.value_or(us), us);
        last = std::max(last.value_or(us), us);
        for (const auto size : rollup_slot_sizes) {
          ++rollups[{batch.meter_id, size.count(), slot_start(utc_from_epoch_us(us), size)}];
        }
      }
    }
    db_->run(R"sql(
      UPDATE meter_stats SET
        pulses = pulses + $2, unsealed = unsealed + $2, duplicates = duplicates + $3,
        too_close = too_close + $4,
        too_short = too_short + $5, unpaired = unpaired + $6,
        first_pulse_us = least(first_pulse_us, $7), last_pulse_us = greatest(last_pulse_us, $8)
      WHERE meter_id = $1)sql",
             {param(batch.meter_id), param(outcome.stored), param(outcome.duplicates),
              param(static_cast<std::int64_t>(batch.rejected.too_close)),
              param(static_cast<std::int64_t>(batch.rejected.too_short)),
              param(static_cast<std::int64_t>(batch.rejected.unpaired)),
              first ? param(*first) : pg::Param{}, last ? param(*last) : pg::Param{}});
    for (const Gap &gap : batch.gaps) {
      insert_gap(batch.meter_id, gap);
    }
  }
  add_rollups(rollups);
  return outcomes;
}

void PostgresStore::add_rollups(
    const std::map<std::tuple<std::int64_t, std::int64_t, std::int64_t>, std::int64_t> &rollups) {
  if (!rollups.empty()) {
    std::vector<std::int64_t> meters;
    std::vector<std::int64_t> sizes;
    std::vector<std::int64_t> starts;
    std::vector<std::int64_t> counts;
    for (const auto &[key, count] : rollups) {
      meters.push_back(std::get<0>(key));
      sizes.push_back(std::get<1>(key));
      starts.push_back(std::get<2>(key));
      counts.push_back(count);
    }
    db_->run("INSERT INTO rollups (meter_id, slot_seconds, slot_start, pulses) "
             "SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) "
             "ON CONFLICT (meter_id, slot_seconds, slot_start) "
             "DO UPDATE SET pulses = rollups.pulses + excluded.pulses",
             {pg::array(meters), pg::array(sizes), pg::array(starts), pg::array(counts)});
  }
}

void PostgresStore::rebuild_rollups() {
  writing([&] {
    db_->execute("DELETE FROM rollups");
    for (const auto size : rollup_slot_sizes) {
      // Pulse times are never before 1970, so integer division is the floor.
      db_->run(
          "INSERT INTO rollups (meter_id, slot_seconds, slot_start, pulses) "
          "SELECT meter_id, $1::bigint, (ts_us / ($1::bigint * 1000000)) * $1::bigint AS slot, "
          "count(*) FROM pulses GROUP BY meter_id, slot",
          {param(static_cast<std::int64_t>(size.count()))});
    }
    add_sealed_rollups();
    db_->execute(R"sql(
      UPDATE meter_stats SET unsealed = p.n,
        pulses = p.n + coalesce(b.n, 0),
        first_pulse_us = least(p.first_us, b.first_us),
        last_pulse_us = greatest(p.last_us, b.last_us)
      FROM (SELECT m.meter_id, count(x.ts_us) AS n, min(x.ts_us) AS first_us,
                   max(x.ts_us) AS last_us
            FROM meter_stats AS m LEFT JOIN pulses AS x ON x.meter_id = m.meter_id
            GROUP BY m.meter_id) AS p
      LEFT JOIN (SELECT meter_id, sum(pulses) AS n, min(first_us) AS first_us,
                        max(last_us) AS last_us
                 FROM pulse_blocks GROUP BY meter_id) AS b ON b.meter_id = p.meter_id
      WHERE meter_stats.meter_id = p.meter_id)sql");
  });
}

void PostgresStore::add_sealed_rollups() {
  // A meter at a time, its blocks decoded in pages, so memory holds one
  // meter's slots and a page of blocks.
  constexpr std::int64_t blocks_per_page = 64;
  const pg::Rows meters = db_->run("SELECT DISTINCT meter_id FROM pulse_blocks");
  for (const std::int64_t meter_id :
       meters.each([](const pg::Rows &row, int i) { return row.integer(i, 0); })) {
    std::map<std::tuple<std::int64_t, std::int64_t, std::int64_t>, std::int64_t> rollups;
    for (std::int64_t after = std::numeric_limits<std::int64_t>::min();;) {
      const pg::Rows rows = db_->run(
          "SELECT first_us, last_us, pulses FROM pulse_blocks WHERE meter_id = $1 AND last_us > $2 "
          "ORDER BY last_us LIMIT $3",
          {param(meter_id), param(after), param(blocks_per_page)});
      for (int i = 0; i < rows.size(); ++i) {
        const PulseBlockSummary block{utc_from_epoch_us(rows.integer(i, 0)),
                                      utc_from_epoch_us(rows.integer(i, 1)), rows.integer(i, 2)};
        for (const UtcTime t : blocks_->block_pulses(meter_id, block)) {
          for (const auto size : rollup_slot_sizes) {
            ++rollups[{meter_id, size.count(), slot_start(t, size)}];
          }
        }
      }
      if (rows.size() < blocks_per_page) {
        break;
      }
      after = rows.integer(rows.size() - 1, 1);
    }
    add_rollups(rollups);
  }
}

std::vector<std::int64_t> PostgresStore::count_pulses_in(std::int64_t meter_id,
                                                         std::span<const RawRange> ranges) {
  std::vector<std::int64_t> counts(ranges.size(), 0);
  // Each range is cut into runs of whole rollup slots and ragged raw edges
  // (core/rollup_plan.h); all runs of all ranges go in one statement as
  // arrays, each answered by an index range.
  std::vector<std::int64_t> owner;
  std::vector<std::int64_t> sizes; // 0: raw pulses, in µs; else a slot size, in s
  std::vector<std::int64_t> froms;
  std::vector<std::int64_t> tos;
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    for (const RangeRun &run : plan_range(ranges[i].from, ranges[i].to)) {
      owner.push_back(static_cast<std::int64_t>(i));
      sizes.push_back(run.slot_size.count());
      if (run.slot_size.count() > 0) {
        froms.push_back(slot_start(run.from, run.slot_size));
        tos.push_back(slot_start(run.to, run.slot_size));
      } else {
        froms.push_back(to_epoch_us(run.from));
        tos.push_back(to_epoch_us(run.to));
      }
    }
  }
  if (owner.empty()) {
    return counts;
  }
  // A raw run counts the tail's pulses in it and the blocks wholly inside
  // it here; the blocks its edges cut come after.
  const pg::Rows rows = db_->run(
      R"sql(
    SELECT q.owner, CASE WHEN q.size = 0 THEN
      (SELECT count(*) FROM pulses AS p
       WHERE p.meter_id = $1 AND p.ts_us >= q.low AND p.ts_us < q.high)
      + (SELECT coalesce(sum(b.pulses), 0) FROM pulse_blocks AS b
         WHERE b.meter_id = $1 AND b.last_us >= q.low AND b.last_us < q.high
           AND b.first_us >= q.low)
    ELSE
      (SELECT coalesce(sum(r.pulses), 0) FROM rollups AS r
       WHERE r.meter_id = $1 AND r.slot_seconds = q.size AND r.slot_start >= q.low
         AND r.slot_start < q.high)
    END
    FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) AS q(owner, size, low, high))sql",
      {param(meter_id), pg::array(owner), pg::array(sizes), pg::array(froms), pg::array(tos)});
  for (int row = 0; row < rows.size(); ++row) {
    counts[static_cast<std::size_t>(rows.integer(row, 0))] += rows.integer(row, 1);
  }
  add_cut_blocks(meter_id, owner, sizes, froms, tos, counts);
  return counts;
}

void PostgresStore::add_cut_blocks(std::int64_t meter_id, const std::vector<std::int64_t> &owner,
                                   const std::vector<std::int64_t> &sizes,
                                   const std::vector<std::int64_t> &froms,
                                   const std::vector<std::int64_t> &tos,
                                   std::vector<std::int64_t> &counts) {
  std::vector<std::int64_t> raw_owner;
  std::vector<std::int64_t> lows;
  std::vector<std::int64_t> highs;
  for (std::size_t i = 0; i < owner.size(); ++i) {
    if (sizes[i] == 0 && froms[i] < tos[i]) {
      raw_owner.push_back(owner[i]);
      lows.push_back(froms[i]);
      highs.push_back(tos[i]);
    }
  }
  if (raw_owner.empty()) {
    return;
  }
  // Blocks do not overlap, so a run's edges cut at most two: the first
  // ending at or after its start, and the first ending at or after its
  // end. Each block comes once, however many runs it cuts.
  const pg::Rows cut = db_->run(R"sql(
    SELECT b.first_us, b.last_us, b.pulses, encode(b.data, 'hex') FROM pulse_blocks AS b
    WHERE b.meter_id = $1 AND b.last_us IN (
      SELECT c.last_us FROM unnest($2::bigint[], $3::bigint[]) AS q(low, high)
      CROSS JOIN LATERAL (
        (SELECT first_us, last_us FROM pulse_blocks
         WHERE meter_id = $1 AND last_us >= q.low ORDER BY last_us LIMIT 1)
        UNION ALL
        (SELECT first_us, last_us FROM pulse_blocks
         WHERE meter_id = $1 AND last_us >= q.high ORDER BY last_us LIMIT 1)) AS c
      WHERE c.first_us < q.high AND (c.first_us < q.low OR c.last_us >= q.high))
    ORDER BY b.last_us)sql",
                                {param(meter_id), pg::array(lows), pg::array(highs)});
  if (cut.empty()) {
    return;
  }
  std::vector<std::vector<UtcTime>> decoded;
  std::vector<std::int64_t> block_lasts;
  for (int i = 0; i < cut.size(); ++i) {
    const PulseBlockSummary block{utc_from_epoch_us(cut.integer(i, 0)),
                                  utc_from_epoch_us(cut.integer(i, 1)), cut.integer(i, 2)};
    decoded.push_back(blocks_->block_pulses(meter_id, block, bytes_from_hex(cut.text(i, 3))));
    block_lasts.push_back(cut.integer(i, 1));
  }
  for (std::size_t i = 0; i < raw_owner.size(); ++i) {
    const UtcTime low = utc_from_epoch_us(lows[i]);
    const UtcTime high = utc_from_epoch_us(highs[i]);
    auto block = std::lower_bound(block_lasts.begin(), block_lasts.end(), lows[i]);
    for (; block != block_lasts.end(); ++block) {
      const std::vector<UtcTime> &pulses =
          decoded[static_cast<std::size_t>(block - block_lasts.begin())];
      if (pulses.front() >= high) {
        break;
      }
      if (pulses.front() >= low && pulses.back() < high) {
        continue; // wholly inside: counted by the first statement
      }
      counts[static_cast<std::size_t>(raw_owner[i])] +=
          std::distance(std::lower_bound(pulses.begin(), pulses.end(), low),
                        std::lower_bound(pulses.begin(), pulses.end(), high));
    }
  }
}

std::vector<SlotCount> PostgresStore::rollups_in(std::int64_t meter_id,
                                                 std::span<const SlotSpan> spans) {
  if (spans.empty()) {
    return {};
  }
  std::vector<std::int64_t> sizes;
  std::vector<std::int64_t> froms;
  std::vector<std::int64_t> tos;
  for (const SlotSpan &span : spans) {
    sizes.push_back(span.size.count());
    froms.push_back(slot_start(span.from, span.size));
    tos.push_back(slot_start(span.to, span.size));
  }
  // Each span an index range scan: OFFSET 0 keeps the planner from
  // flattening the subquery into a join that compares every span with
  // every rollup of the meter (98 ms instead of 2.5 for a year by day
  // before the table's statistics were gathered).
  const pg::Rows rows =
      db_->run(R"sql(
    SELECT r.slot_seconds, r.slot_start, r.pulses
    FROM unnest($2::bigint[], $3::bigint[], $4::bigint[]) AS q(size, low, high)
    CROSS JOIN LATERAL (
      SELECT slot_seconds, slot_start, pulses FROM rollups
      WHERE meter_id = $1 AND slot_seconds = q.size AND slot_start >= q.low
        AND slot_start < q.high OFFSET 0) AS r)sql",
               {param(meter_id), pg::array(sizes), pg::array(froms), pg::array(tos)});
  return rows.each([](const pg::Rows &row, int i) {
    return SlotCount{std::chrono::seconds{row.integer(i, 0)},
                     UtcTime{std::chrono::seconds{row.integer(i, 1)}}, row.integer(i, 2)};
  });
}

std::vector<UtcTime> PostgresStore::last_pulses(std::int64_t meter_id, std::size_t limit) {
  return blocks_->last(meter_id, limit);
}

std::vector<UtcTime> PostgresStore::pulses_page(std::int64_t meter_id, UtcTime from, UtcTime to,
                                                std::size_t limit) {
  std::vector<UtcTime> page;
  if (limit == 0) {
    return page;
  }
  blocks_->visit(meter_id, from, to, [&](UtcTime t) {
    page.push_back(t);
    return page.size() < limit;
  });
  return page;
}

void PostgresStore::for_each_pulse(std::int64_t meter_id, UtcTime from, UtcTime to,
                                   const std::function<void(UtcTime)> &visit) {
  blocks_->visit(meter_id, from, to, [&](UtcTime t) {
    visit(t);
    return true;
  });
}

std::size_t PostgresStore::seal_pulses(std::size_t max_blocks) {
  // Asked first, outside a transaction: a write transaction moves the
  // change counter, and every instance's readers would drop what they
  // keep every time an idle writer looked for work.
  const bool work = db_->run(R"sql(
    SELECT EXISTS (
      SELECT 1 FROM meter_stats AS s
      WHERE s.unsealed >= $1
         OR (s.unsealed > 0 AND EXISTS (
              SELECT 1 FROM pulses AS p WHERE p.meter_id = s.meter_id
                AND p.ts_us <= (SELECT max(b.last_us) FROM pulse_blocks AS b
                                WHERE b.meter_id = s.meter_id)))))sql",
                             {param(static_cast<std::int64_t>(max_pulses_per_block))})
                        .boolean(0, 0);
  if (!work) {
    return 0;
  }
  return writing([&] { return blocks_->seal_tail(max_blocks); });
}

SealingCheck PostgresStore::check_sealed_pulses() {
  std::vector<DayCount> before;
  std::vector<DayCount> now;
  std::vector<MeterTotal> totals;
  {
    // One state of the data for the counting; writers go on meanwhile.
    const auto scope = read_scope();
    before = db_->run("SELECT meter_id, day, pulses FROM pulse_counts_before_sealing")
                 .each([](const pg::Rows &row, int i) {
                   return DayCount{row.integer(i, 0), row.integer(i, 1), row.integer(i, 2)};
                 });
    if (before.empty()) {
      return {};
    }
    const pg::Rows meters = db_->run("SELECT meter_id, pulses FROM meter_stats ORDER BY meter_id");
    for (int i = 0; i < meters.size(); ++i) {
      const std::int64_t meter_id = meters.integer(i, 0);
      std::int64_t counted = 0;
      for (const DayCount &day : blocks_->day_counts(meter_id)) {
        counted += day.pulses;
        now.push_back(day);
      }
      totals.push_back({meter_id, counted, meters.integer(i, 1)});
    }
  }
  SealingCheck check = compare_sealed_counts(before, now, totals);
  if (check.agrees()) {
    writing([&] { db_->execute("DELETE FROM pulse_counts_before_sealing"); });
  }
  return check;
}

} // namespace pulsemon

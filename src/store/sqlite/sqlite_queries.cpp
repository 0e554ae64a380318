// Pulse reads: counts over a range, rollups within spans, raw pulses. Counts
// come from rollups wherever a run of whole slots covers the range (see
// core/rollup_plan.h); raw pulses only at the ragged edges. The series made
// of them (energy, power) are domain code: domain/series.h.
#include "core/rollup_plan.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/statements.h"

#include <algorithm>

namespace pulsemon {

namespace {

std::int64_t seconds_since_epoch(UtcTime t) {
  return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

} // namespace

std::int64_t SqliteStore::count_rollup(std::int64_t meter_id, std::chrono::seconds slot,
                                       UtcTime from, UtcTime to) {
  auto &sum = statements_->sum_rollup;
  sum.bind(1, meter_id)
      .bind(2, static_cast<std::int64_t>(slot.count()))
      .bind(3, seconds_since_epoch(from))
      .bind(4, seconds_since_epoch(to));
  sum.step();
  const auto count = static_cast<std::int64_t>(sum.column_double(0));
  sum.reset();
  return count;
}

// In-process, a range costs no round trip: each is counted on its own.
std::vector<std::int64_t> SqliteStore::count_pulses_in(std::int64_t meter_id,
                                                       std::span<const RawRange> ranges) {
  std::vector<std::int64_t> counts;
  counts.reserve(ranges.size());
  for (const RawRange &range : ranges) {
    counts.push_back(count_range(meter_id, range.from, range.to));
  }
  return counts;
}

std::int64_t SqliteStore::count_range(std::int64_t meter_id, UtcTime from, UtcTime to) {
  std::int64_t count = 0;
  for (const RangeRun &run : plan_range(from, to)) {
    if (run.slot_size.count() > 0) {
      count += count_rollup(meter_id, run.slot_size, run.from, run.to);
      continue;
    }
    count += blocks_->count(meter_id, run.from, run.to);
  }
  return count;
}

std::vector<SlotCount> SqliteStore::rollups_in(std::int64_t meter_id,
                                               std::span<const SlotSpan> spans) {
  std::string json = "[";
  for (const SlotSpan &span : spans) {
    json += (json.size() > 1 ? ",[" : "[") + std::to_string(span.size.count()) + "," +
            std::to_string(seconds_since_epoch(span.from)) + "," +
            std::to_string(seconds_since_epoch(span.to)) + "]";
  }
  json += "]";
  std::vector<SlotCount> rows;
  auto &select = statements_->rollups_in_spans;
  select.bind(1, meter_id).bind(2, std::string_view(json));
  while (select.step()) {
    rows.push_back({std::chrono::seconds{select.column_int(0)},
                    UtcTime{std::chrono::seconds{select.column_int(1)}}, select.column_int(2)});
  }
  select.reset();
  return rows;
}

std::vector<UtcTime> SqliteStore::last_pulses(std::int64_t meter_id, std::size_t limit) {
  return blocks_->last(meter_id, limit);
}

std::vector<UtcTime> SqliteStore::pulses_page(std::int64_t meter_id, UtcTime from, UtcTime to,
                                              std::size_t limit) {
  std::vector<UtcTime> page;
  if (limit == 0) {
    return page;
  }
  page.reserve(std::min<std::size_t>(limit, 100'000));
  blocks_->visit(meter_id, from, to, [&](UtcTime t) {
    page.push_back(t);
    return page.size() < limit;
  });
  return page;
}

void SqliteStore::for_each_pulse(std::int64_t meter_id, UtcTime from, UtcTime to,
                                 const std::function<void(UtcTime)> &visit) {
  blocks_->visit(meter_id, from, to, [&](UtcTime t) {
    visit(t);
    return true;
  });
}

} // namespace pulsemon

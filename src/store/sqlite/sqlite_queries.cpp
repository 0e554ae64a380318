// Queries: pulse counts, energy per calendar bucket, power series, raw pulses.
// Counts come from rollups wherever a run of whole slots covers the range
// (see core/rollup_plan.h); raw pulses only at the ragged edges.
#include "core/power.h"
#include "core/rollup_plan.h"
#include "core/tariff.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/statements.h"

#include <algorithm>

namespace pulsemon {

namespace {

std::int64_t seconds_since_epoch(UtcTime t) {
  return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

struct Clipped {
  UtcTime from;
  UtcTime to;
};

Clipped clip(const Bucket &bucket, UtcTime from, UtcTime to) {
  return {std::max(bucket.start, from), std::min(bucket.end, to)};
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

std::int64_t SqliteStore::count_pulses(std::int64_t meter_id, UtcTime from, UtcTime to) {
  std::int64_t count = 0;
  for (const RangeRun &run : plan_range(from, to)) {
    if (run.slot_size.count() > 0) {
      count += count_rollup(meter_id, run.slot_size, run.from, run.to);
      continue;
    }
    auto &raw = statements_->count_raw;
    raw.bind(1, meter_id).bind(2, to_epoch_us(run.from)).bind(3, to_epoch_us(run.to));
    raw.step();
    count += raw.column_int(0);
    raw.reset();
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

std::vector<std::int64_t> SqliteStore::count_buckets(std::int64_t meter_id,
                                                     std::span<const UtcTime> boundaries) {
  const BucketCountPlan plan(boundaries);
  std::vector<std::int64_t> raw;
  raw.reserve(plan.raw_ranges().size());
  for (const RawRange &range : plan.raw_ranges()) {
    auto &count = statements_->count_raw;
    count.bind(1, meter_id).bind(2, to_epoch_us(range.from)).bind(3, to_epoch_us(range.to));
    count.step();
    raw.push_back(count.column_int(0));
    count.reset();
  }
  return plan.bucket_counts(rollups_in(meter_id, plan.rollup_spans()), raw);
}

PulseCounter SqliteStore::pulse_counter(std::int64_t meter_id) {
  return [this, meter_id](std::optional<UtcTime> after, UtcTime until) {
    if (!after) {
      // Everything up to a time after the last pulse: the kept total, which
      // every commit updates with the pulses (no sum over the rollups).
      const MeterStats kept = stats(meter_id);
      if (!kept.last_pulse || *kept.last_pulse <= until) {
        return kept.pulses;
      }
    }
    // (after, until] in whole microseconds is [after + 1 µs, until + 1 µs).
    const UtcTime from = after ? *after + Micros{1} : utc_from_epoch_us(0);
    return count_pulses(meter_id, from, until + Micros{1});
  };
}

// The energy of a gas meter's pulses in [from, to): the range is cut where a
// new calorific value takes effect, and each piece converted with its own.
// Empty when part of the range has no calorific value in force.
std::optional<double> SqliteStore::gas_energy(std::int64_t meter_id, double pulses_per_unit,
                                              UtcTime from, UtcTime to,
                                              std::span<const CalorificValue> values) {
  if (values.empty() || from < values.front().effective_from) {
    return std::nullopt;
  }
  double kwh = 0.0;
  UtcTime piece_start = from;
  while (piece_start < to) {
    const auto next = std::upper_bound(
        values.begin(), values.end(), piece_start,
        [](UtcTime t, const CalorificValue &value) { return t < value.effective_from; });
    const UtcTime piece_end = next == values.end() ? to : std::min(to, next->effective_from);
    const double cubic_metres =
        energy_of(count_pulses(meter_id, piece_start, piece_end), pulses_per_unit);
    kwh += gas_kwh(values, piece_start, cubic_metres).value();
    piece_start = piece_end;
  }
  return kwh;
}

Result<std::vector<EnergyRow>> SqliteStore::energy(std::int64_t meter_id, UtcTime from, UtcTime to,
                                                   BucketSize size, const Calendar &calendar,
                                                   std::size_t max_buckets) {
  const Meter found = meter(meter_id);
  std::optional<Tariff> tariff;
  if (!found.tariff.empty()) {
    tariff = value_or_throw(parse_tariff(found.tariff));
  }
  const std::vector<CalorificValue> calorific =
      found.kind == MeterKind::gas ? calorific_values(meter_id) : std::vector<CalorificValue>{};
  auto buckets = calendar.buckets(from, to, size, max_buckets);
  if (!buckets) {
    return buckets.error();
  }

  // Without time-of-use periods every bucket is counted at once; with them
  // every 15-minute slot is priced on its own local time.
  const bool priced_per_slot = tariff && tariff->has_periods();
  std::vector<std::int64_t> counts;
  if (!priced_per_slot && !buckets->empty()) {
    std::vector<UtcTime> boundaries{clip(buckets->front(), from, to).from};
    for (const Bucket &bucket : *buckets) {
      boundaries.push_back(clip(bucket, from, to).to);
    }
    counts = count_buckets(meter_id, boundaries);
  }

  std::vector<EnergyRow> rows;
  rows.reserve(buckets->size());
  for (std::size_t i = 0; i < buckets->size(); ++i) {
    const Clipped range = clip((*buckets)[i], from, to);
    EnergyRow row;
    row.bucket = {range.from, range.to};
    if (priced_per_slot) {
      double cost = 0.0;
      for (const RangeRun &run : plan_range(range.from, range.to, std::chrono::seconds{900})) {
        if (run.slot_size.count() == 0) {
          const std::int64_t pulses = count_pulses(meter_id, run.from, run.to);
          row.pulses += pulses;
          cost += energy_of(pulses, found.pulses_per_unit) *
                  tariff->price_at(calendar.zone(), run.from);
          continue;
        }
        auto &slots = statements_->rollup_rows;
        slots.bind(1, meter_id)
            .bind(2, static_cast<std::int64_t>(run.slot_size.count()))
            .bind(3, seconds_since_epoch(run.from))
            .bind(4, seconds_since_epoch(run.to));
        while (slots.step()) {
          const UtcTime slot = UtcTime{std::chrono::seconds{slots.column_int(0)}};
          const std::int64_t pulses = slots.column_int(1);
          row.pulses += pulses;
          cost +=
              energy_of(pulses, found.pulses_per_unit) * tariff->price_at(calendar.zone(), slot);
        }
        slots.reset();
      }
      row.cost = cost;
    } else {
      row.pulses = counts[i];
      if (tariff) {
        row.cost = energy_of(row.pulses, found.pulses_per_unit) * tariff->base_price;
      }
    }
    row.value = energy_of(row.pulses, found.pulses_per_unit);
    if (found.kind == MeterKind::gas) {
      row.kwh = gas_energy(meter_id, found.pulses_per_unit, range.from, range.to, calorific);
    }
    rows.push_back(row);
  }
  return rows;
}

Result<std::vector<PowerRow>> SqliteStore::power(std::int64_t meter_id, UtcTime from, UtcTime to,
                                                 std::chrono::seconds step, std::size_t max_rows) {
  if (step <= std::chrono::seconds{0} || step > max_power_step) {
    return invalid_argument("step: seconds from 1 to " + std::to_string(max_power_step.count()));
  }
  const Meter found = meter(meter_id);
  const RateUnit rate = rate_unit(found.unit);
  std::vector<PowerRow> rows;
  if (to <= from) {
    return rows;
  }
  // Times lie within the years 1 to 9999 and a step within a year, so
  // none of this can overflow; the count is checked before any row is made.
  const Micros step_us = step;
  const Micros span = to - from;
  const std::int64_t steps = span / step_us + (span % step_us != Micros{0} ? 1 : 0);
  if (steps > static_cast<std::int64_t>(max_rows)) {
    return invalid_argument("step: the range holds more than " + std::to_string(max_rows) +
                            " steps; choose a longer step or a shorter range");
  }
  rows.reserve(static_cast<std::size_t>(steps));
  for (std::int64_t i = 0; i < steps; ++i) {
    const UtcTime start = from + i * step_us;
    const UtcTime end = std::min(start + step_us, to);
    PowerRow row{{start, end}, count_pulses(meter_id, start, end), 0.0};
    const double hours = to_seconds(end - start) / 3600.0;
    row.average = energy_of(row.pulses, found.pulses_per_unit) / hours * rate.per_unit_per_hour;
    rows.push_back(row);
  }
  return rows;
}

std::optional<double> SqliteStore::latest_power(std::int64_t meter_id, UtcTime now) {
  const Meter found = meter(meter_id);
  const std::vector<UtcTime> last_two = last_pulses(meter_id, 2);
  return power_after_stored_pulses(power_settings_for(found), last_two, now);
}

std::vector<UtcTime> SqliteStore::last_pulses(std::int64_t meter_id, std::size_t limit) {
  sqlite::Statement select(
      db_, "SELECT ts_us FROM pulses WHERE meter_id = ?1 ORDER BY ts_us DESC LIMIT ?2");
  select.bind(1, meter_id).bind(2, static_cast<std::int64_t>(limit));
  std::vector<UtcTime> newest_first;
  while (select.step()) {
    newest_first.push_back(utc_from_epoch_us(select.column_int(0)));
  }
  return {newest_first.rbegin(), newest_first.rend()};
}

std::vector<UtcTime> SqliteStore::pulses_page(std::int64_t meter_id, UtcTime from, UtcTime to,
                                              std::size_t limit) {
  sqlite::Statement select(db_, "SELECT ts_us FROM pulses WHERE meter_id = ?1 AND ts_us >= ?2 AND "
                                "ts_us < ?3 ORDER BY ts_us LIMIT ?4");
  select.bind(1, meter_id)
      .bind(2, to_epoch_us(from))
      .bind(3, to_epoch_us(to))
      .bind(4, static_cast<std::int64_t>(limit));
  std::vector<UtcTime> page;
  page.reserve(limit);
  while (select.step()) {
    page.push_back(utc_from_epoch_us(select.column_int(0)));
  }
  return page;
}

void SqliteStore::for_each_pulse(std::int64_t meter_id, UtcTime from, UtcTime to,
                                 const std::function<void(UtcTime)> &visit) {
  auto &select = statements_->pulses_in_range;
  select.bind(1, meter_id).bind(2, to_epoch_us(from)).bind(3, to_epoch_us(to));
  while (select.step()) {
    visit(utc_from_epoch_us(select.column_int(0)));
  }
  select.reset();
}

} // namespace pulsemon

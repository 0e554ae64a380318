// Energy and power series over the storage port. Counts come from rollups
// wherever whole slots cover a range (core/rollup_plan.h,
// core/bucket_counts.h); raw pulses only at ragged edges.
#include "domain/series.h"

#include "core/bucket_counts.h"
#include "core/power.h"
#include "core/rollup_plan.h"
#include "core/tariff.h"

#include <algorithm>
#include <string>

namespace pulsemon {

namespace {

struct Clipped {
  UtcTime from;
  UtcTime to;
};

Clipped clip(const Bucket &bucket, UtcTime from, UtcTime to) {
  return {std::max(bucket.start, from), std::min(bucket.end, to)};
}

// The energy of a gas meter's pulses in each row: the row is cut where a
// new calorific value takes effect, and each piece converted with its own
// (the pieces of all rows counted in one call). Empty for a row with part
// of its time under no calorific value.
void add_gas_energy(Store &store, const Meter &meter, std::span<const CalorificValue> values,
                    std::vector<EnergyRow> &rows) {
  struct Piece {
    std::size_t row;
    UtcTime from;
  };
  std::vector<Piece> pieces;
  std::vector<RawRange> ranges;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const UtcTime from = rows[i].bucket.start;
    const UtcTime to = rows[i].bucket.end;
    if (values.empty() || from < values.front().effective_from) {
      continue;
    }
    rows[i].kwh = 0.0;
    for (UtcTime piece_start = from; piece_start < to;) {
      const auto next = std::upper_bound(
          values.begin(), values.end(), piece_start,
          [](UtcTime t, const CalorificValue &value) { return t < value.effective_from; });
      const UtcTime piece_end = next == values.end() ? to : std::min(to, next->effective_from);
      pieces.push_back({i, piece_start});
      ranges.push_back({piece_start, piece_end});
      piece_start = piece_end;
    }
  }
  const std::vector<std::int64_t> counts = store.count_pulses_in(meter.id, ranges);
  for (std::size_t p = 0; p < pieces.size(); ++p) {
    const double cubic_metres = energy_of(counts[p], meter.pulses_per_unit);
    *rows[pieces[p].row].kwh += gas_kwh(values, pieces[p].from, cubic_metres).value();
  }
}

// Time-of-use periods: every 15-minute slot priced at its own local time.
// The slots of all buckets are read at once; raw pulses only at ragged
// edges, priced at the edge's start.
void price_per_slot(Store &store, const Meter &meter, const Tariff &tariff,
                    const date::time_zone &zone, std::vector<EnergyRow> &rows) {
  std::vector<SlotSpan> spans;
  std::vector<RawRange> edges;
  std::vector<std::size_t> edge_rows;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    rows[i].cost = 0.0;
    for (const RangeRun &run :
         plan_range(rows[i].bucket.start, rows[i].bucket.end, std::chrono::seconds{900})) {
      if (run.slot_size.count() > 0) {
        spans.push_back({run.slot_size, run.from, run.to});
      } else {
        edges.push_back({run.from, run.to});
        edge_rows.push_back(i);
      }
    }
  }
  const std::vector<std::int64_t> edge_counts = store.count_pulses_in(meter.id, edges);
  for (std::size_t e = 0; e < edges.size(); ++e) {
    EnergyRow &row = rows[edge_rows[e]];
    row.pulses += edge_counts[e];
    *row.cost +=
        energy_of(edge_counts[e], meter.pulses_per_unit) * tariff.price_at(zone, edges[e].from);
  }
  for (const SlotCount &slot : store.rollups_in(meter.id, spans)) {
    // The bucket holding the slot: the last one starting at or before it.
    const auto after =
        std::upper_bound(rows.begin(), rows.end(), slot.start,
                         [](UtcTime t, const EnergyRow &row) { return t < row.bucket.start; });
    if (after == rows.begin()) {
      continue;
    }
    EnergyRow &row = *std::prev(after);
    row.pulses += slot.pulses;
    *row.cost += energy_of(slot.pulses, meter.pulses_per_unit) * tariff.price_at(zone, slot.start);
  }
}

// A cost worked out at the tariff's prices per unit counted, when the
// tariff prices kWh: an energy meter's unit converts by a factor, a gas
// meter's m³ by the calorific values that converted the row's volume.
std::optional<double> priced_per_kwh(double cost_per_counted_unit, const EnergyRow &row,
                                     const Meter &meter) {
  if (const auto factor = kwh_per_unit(meter.unit)) {
    return cost_per_counted_unit * *factor;
  }
  if (row.value == 0.0) {
    return 0.0;
  }
  if (!row.kwh) {
    return std::nullopt; // no calorific value for part of the row: no price
  }
  return cost_per_counted_unit * *row.kwh / row.value;
}

} // namespace

std::vector<std::int64_t> count_buckets(Store &store, std::int64_t meter_id,
                                        std::span<const UtcTime> boundaries) {
  const BucketCountPlan plan(boundaries);
  return plan.bucket_counts(store.rollups_in(meter_id, plan.rollup_spans()),
                            store.count_pulses_in(meter_id, plan.raw_ranges()));
}

Result<std::vector<EnergyRow>> energy_series(Store &store, std::int64_t meter_id, UtcTime from,
                                             UtcTime to, BucketSize size, const Calendar &calendar,
                                             std::size_t max_buckets) {
  const Meter meter = store.meter(meter_id);
  std::optional<Tariff> tariff;
  if (!meter.tariff.empty()) {
    tariff = value_or_throw(parse_tariff(meter.tariff));
  }
  const std::vector<CalorificValue> calorific = meter.kind == MeterKind::gas
                                                    ? store.calorific_values(meter_id)
                                                    : std::vector<CalorificValue>{};
  auto buckets = calendar.buckets(from, to, size, max_buckets);
  if (!buckets) {
    return buckets.error();
  }
  std::vector<EnergyRow> rows;
  rows.reserve(buckets->size());
  for (const Bucket &bucket : *buckets) {
    const Clipped range = clip(bucket, from, to);
    EnergyRow row;
    row.bucket = {range.from, range.to};
    rows.push_back(row);
  }
  if (tariff && tariff->has_periods()) {
    price_per_slot(store, meter, *tariff, calendar.zone(), rows);
  } else if (!rows.empty()) {
    std::vector<UtcTime> boundaries{rows.front().bucket.start};
    for (const EnergyRow &row : rows) {
      boundaries.push_back(row.bucket.end);
    }
    const std::vector<std::int64_t> counts = count_buckets(store, meter_id, boundaries);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      rows[i].pulses = counts[i];
      if (tariff) {
        rows[i].cost = energy_of(counts[i], meter.pulses_per_unit) * tariff->base_price;
      }
    }
  }
  if (meter.kind == MeterKind::gas) {
    add_gas_energy(store, meter, calorific, rows);
  }
  for (EnergyRow &row : rows) {
    row.value = energy_of(row.pulses, meter.pulses_per_unit);
    if (tariff && row.cost && tariff->per == PricedPer::kwh) {
      row.cost = priced_per_kwh(*row.cost, row, meter);
    }
    if (row.cost) {
      *row.cost += tariff->standing_charge(calendar, row.bucket.start, row.bucket.end);
    }
  }
  return rows;
}

Result<std::vector<PowerRow>> power_series(Store &store, std::int64_t meter_id, UtcTime from,
                                           UtcTime to, std::chrono::seconds step,
                                           std::size_t max_rows) {
  if (step <= std::chrono::seconds{0} || step > max_power_step) {
    return invalid_argument("step: seconds from 1 to " + std::to_string(max_power_step.count()));
  }
  const Meter meter = store.meter(meter_id);
  const RateUnit rate = rate_unit(meter.unit);
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
  std::vector<RawRange> ranges;
  ranges.reserve(static_cast<std::size_t>(steps));
  for (std::int64_t i = 0; i < steps; ++i) {
    const UtcTime start = from + i * step_us;
    ranges.push_back({start, std::min(start + step_us, to)});
  }
  const std::vector<std::int64_t> counts = store.count_pulses_in(meter_id, ranges);
  rows.reserve(ranges.size());
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    PowerRow row{{ranges[i].from, ranges[i].to}, counts[i], 0.0};
    const double hours = to_seconds(ranges[i].to - ranges[i].from) / 3600.0;
    row.average = energy_of(row.pulses, meter.pulses_per_unit) / hours * rate.per_unit_per_hour;
    rows.push_back(row);
  }
  return rows;
}

std::optional<double> latest_power(Store &store, std::int64_t meter_id, UtcTime now) {
  const Meter meter = store.meter(meter_id);
  const std::vector<UtcTime> last_two = store.last_pulses(meter_id, 2);
  return power_after_stored_pulses(power_settings_for(meter), last_two, now);
}

} // namespace pulsemon

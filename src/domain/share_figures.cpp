#include "domain/share_figures.h"

#include "domain/series.h"

#include <date/tz.h>

#include <algorithm>

namespace pulsemon {

namespace {

// A share never holds more periods than ten years of days.
constexpr std::size_t max_periods = static_cast<std::size_t>(max_share_window_days) + 1;

std::string local_date(const Calendar &calendar, UtcTime t) {
  const date::zoned_time<Micros> local{&calendar.zone(), t};
  return date::format("%F", date::floor<date::days>(local.get_local_time()));
}

// Since when the meter counted: it was added, or holds pulses from before
// (an import of its history).
UtcTime counting_since(Store &store, std::int64_t meter_id, UtcTime before) {
  UtcTime since = store.meter_created(meter_id);
  const std::vector<UtcTime> first = store.pulses_page(meter_id, UtcTime{}, before, 1);
  if (!first.empty()) {
    since = std::min(since, first.front());
  }
  return since;
}

} // namespace

ShareFigures share_figures(Store &store, const Link &link, const Calendar &calendar, UtcTime now) {
  const Bucket window = share_window(calendar, now, link.window_days);
  ShareFigures figures;
  figures.first_day = local_date(calendar, window.start);
  figures.last_day = local_date(calendar, window.end - Micros{1});
  const BucketSize size = bucket_size_of(link.granularity);
  const std::vector<Bucket> periods = whole_periods_within(
      value_or_throw(calendar.buckets(window.start, window.end, size, max_periods)), window);

  const auto snapshot = store.read_scope();
  for (const std::int64_t meter_id : link.meters) {
    // A meter deleted or moved to another site since is no longer shared.
    const std::optional<Meter> found = store.find_meter(meter_id);
    if (!found || found->site_id != link.site_id) {
      continue;
    }
    const Meter &meter = *found;
    SharedMeter shared;
    shared.kind = meter.kind;
    shared.unit = meter.unit;
    if (link.show_names) {
      shared.name = meter.name;
      shared.location = meter.location;
    }
    if (!periods.empty()) {
      const UtcTime since = counting_since(store, meter_id, window.end);
      const std::vector<EnergyRow> rows = value_or_throw(energy_series(
          store, meter_id, periods.front().start, periods.back().end, size, calendar, max_periods));
      for (const EnergyRow &row : rows) {
        const auto at =
            std::lower_bound(periods.begin(), periods.end(), row.bucket,
                             [](const Bucket &a, const Bucket &b) { return a.start < b.start; });
        const bool whole = at != periods.end() && *at == row.bucket;
        if (whole && row.bucket.end > since) {
          shared.periods.push_back(SharedPeriod{local_date(calendar, row.bucket.start),
                                                local_date(calendar, row.bucket.end - Micros{1}),
                                                row.value, row.kwh});
        }
      }
    }
    figures.meters.push_back(std::move(shared));
  }
  return figures;
}

} // namespace pulsemon

#include "domain/alerts.h"

#include "domain/series.h"

#include <date/tz.h>

namespace pulsemon {

namespace {

constexpr auto history = date::days{60};
constexpr std::size_t max_hours = std::size_t{60} * 25; // a DST autumn's extra hours included

} // namespace

MeterInsights meter_insights(Store &store, const Meter &meter, const Calendar &calendar,
                             UtcTime now, const AlertSettings &settings) {
  // Complete hours only: up to the start of the current one.
  const UtcTime to = calendar.bucket_containing(now, BucketSize::hour).start;
  auto buckets = calendar.buckets(to - history, to, BucketSize::hour, max_hours);
  if (!buckets.ok() || buckets->empty()) {
    return {};
  }
  std::vector<UtcTime> boundaries;
  boundaries.reserve(buckets->size() + 1);
  for (const Bucket &bucket : *buckets) {
    boundaries.push_back(bucket.start);
  }
  boundaries.push_back(buckets->back().end);
  const std::vector<std::int64_t> counts = count_buckets(store, meter.id, boundaries);

  std::vector<LocalHour> hours;
  hours.reserve(buckets->size());
  for (std::size_t i = 0; i < buckets->size(); ++i) {
    const auto local = calendar.zone().to_local((*buckets)[i].start);
    const auto day = std::chrono::floor<date::days>(local);
    const date::weekday weekday{day};
    hours.push_back({day.time_since_epoch().count(),
                     static_cast<int>(std::chrono::floor<std::chrono::hours>(local - day).count()),
                     static_cast<int>(weekday.iso_encoding()) - 1, counts[i]});
  }
  const std::vector<UtcTime> last = store.last_pulses(meter.id, 1);
  const std::optional<std::int64_t> silent =
      last.empty() ? std::nullopt
                   : std::optional<std::int64_t>(
                         std::chrono::floor<std::chrono::hours>(now - last.back()).count());
  return {find_alerts(meter, hours, silent, settings), base_load_watts(meter, hours)};
}

} // namespace pulsemon

#include "core/calendar.h"

#include "core/quoted_input.h"

#include <array>
#include <chrono>
#include <string>
#include <utility>

#include <date/date.h>
#include <date/iso_week.h>
#include <date/tz.h>

namespace pulsemon {

namespace {

using std::chrono::floor;
using std::chrono::seconds;

constexpr std::array<std::pair<BucketSize, std::string_view>, 8> bucket_names{{
    {BucketSize::minute, "minute"},
    {BucketSize::quarter_hour, "15min"},
    {BucketSize::half_hour, "30min"},
    {BucketSize::hour, "hour"},
    {BucketSize::day, "day"},
    {BucketSize::week, "week"},
    {BucketSize::month, "month"},
    {BucketSize::year, "year"},
}};

Micros clock_length(BucketSize size) {
  switch (size) {
  case BucketSize::minute:
    return std::chrono::minutes{1};
  case BucketSize::quarter_hour:
    return std::chrono::minutes{15};
  case BucketSize::half_hour:
    return std::chrono::minutes{30};
  default:
    return std::chrono::hours{1};
  }
}

// Floor division that rounds towards minus infinity for instants before 1970.
Micros floor_to(Micros value, Micros length) {
  auto quotient = value.count() / length.count();
  if (value.count() % length.count() < 0) {
    --quotient;
  }
  return Micros{quotient * length.count()};
}

date::sys_info info_at(const date::time_zone &zone, UtcTime t) {
  return zone.get_info(floor<seconds>(t));
}

UtcTime local_midnight_to_utc(const date::time_zone &zone, date::local_days day) {
  // A nonexistent midnight (DST starting at 00:00) maps to the transition,
  // which is the first instant of that day; an ambiguous one to its first
  // occurrence.
  return std::chrono::time_point_cast<Micros>(zone.to_sys(day, date::choose::earliest));
}

} // namespace

Result<BucketSize> parse_bucket_size(std::string_view text) {
  for (const auto &[size, name] : bucket_names) {
    if (name == text) {
      return size;
    }
  }
  return invalid_argument("bucket: " + quoted_input(text) +
                          " is not one of minute, 15min, 30min, hour, day, week, month, year");
}

std::string_view to_string(BucketSize size) {
  for (const auto &[s, name] : bucket_names) {
    if (s == size) {
      return name;
    }
  }
  return "unknown";
}

Calendar::Calendar(const date::time_zone &zone, int billing_day)
    : zone_(&zone), billing_day_(billing_day) {}

Bucket Calendar::bucket_containing(UtcTime t, BucketSize size) const {
  switch (size) {
  case BucketSize::minute:
  case BucketSize::quarter_hour:
  case BucketSize::half_hour:
  case BucketSize::hour:
    return clock_bucket(t, clock_length(size));
  default:
    return date_bucket(t, size);
  }
}

// A bucket of the local clock: the instants that share both the floored local
// time and the UTC offset. Where the offset changes inside a bucket, the
// transition splits it.
Bucket Calendar::clock_bucket(UtcTime t, Micros length) const {
  const date::sys_info info = info_at(*zone_, t);
  const Micros offset = info.offset;
  const Micros local_floor = floor_to(t.time_since_epoch() + offset, length);

  UtcTime start{local_floor - offset};
  UtcTime end{local_floor + length - offset};

  // Walk back over neighbouring periods with the same offset (a change of
  // abbreviation alone is no boundary), and stop at a real offset change.
  UtcTime period_begin = info.begin;
  while (start < period_begin) {
    const date::sys_info before = info_at(*zone_, period_begin - Micros{1});
    if (before.offset != info.offset) {
      start = period_begin;
      break;
    }
    period_begin = before.begin;
  }
  UtcTime period_end = info.end;
  while (end > period_end) {
    const date::sys_info after = info_at(*zone_, period_end);
    if (after.offset != info.offset) {
      end = period_end;
      break;
    }
    period_end = after.end;
  }
  return {start, end};
}

Bucket Calendar::date_bucket(UtcTime t, BucketSize size) const {
  const auto local = zone_->to_local(t);
  const date::local_days today = floor<date::days>(local);
  date::local_days first = today;
  date::local_days next = today + date::days{1};

  switch (size) {
  case BucketSize::week: {
    const iso_week::year_weeknum_weekday iso{today};
    first =
        date::local_days{iso_week::year_weeknum_weekday{iso.year(), iso.weeknum(), iso_week::mon}};
    next = first + date::days{7};
    break;
  }
  case BucketSize::month: {
    const date::year_month_day ymd{today};
    date::year_month month = ymd.year() / ymd.month();
    if (static_cast<unsigned>(ymd.day()) < static_cast<unsigned>(billing_day_)) {
      month -= date::months{1};
    }
    const auto billing = date::day{static_cast<unsigned>(billing_day_)};
    first = date::local_days{month / billing};
    next = date::local_days{(month + date::months{1}) / billing};
    break;
  }
  case BucketSize::year: {
    const date::year_month_day ymd{today};
    first = date::local_days{ymd.year() / date::January / 1};
    next = date::local_days{(ymd.year() + date::years{1}) / date::January / 1};
    break;
  }
  default:
    break;
  }
  return {local_midnight_to_utc(*zone_, first), local_midnight_to_utc(*zone_, next)};
}

Result<std::vector<Bucket>> Calendar::buckets(UtcTime from, UtcTime to, BucketSize size,
                                              std::size_t max_buckets) const {
  std::vector<Bucket> result;
  if (to <= from) {
    return result;
  }
  UtcTime cursor = from;
  while (cursor < to) {
    if (result.size() == max_buckets) {
      return invalid_argument("bucket: the range holds more than " + std::to_string(max_buckets) +
                              " " + std::string(to_string(size)) +
                              " buckets; choose a larger bucket or a shorter range");
    }
    const Bucket bucket = bucket_containing(cursor, size);
    result.push_back(bucket);
    cursor = bucket.end;
  }
  return result;
}

} // namespace pulsemon

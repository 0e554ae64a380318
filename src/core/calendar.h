#pragma once
// Calendar buckets in an IANA time zone, correct across DST changes.
//
// Sub-day buckets (minute, 15 and 30 min, hour) follow the local clock and
// its UTC offset: a repeated local hour (DST ends) gives two buckets, a
// skipped one gives none, and a 30-minute DST shift (Lord Howe) gives a
// short bucket. Day and longer buckets follow the local date: a day is 23,
// 24 or 25 hours long. See calendar.md.

#include "core/result.h"
#include "core/time.h"

#include <cstddef>
#include <string_view>
#include <vector>

namespace date {
class time_zone;
}

namespace pulsemon {

enum class BucketSize { minute, quarter_hour, half_hour, hour, day, week, month, year };

[[nodiscard]] Result<BucketSize> parse_bucket_size(std::string_view text);
[[nodiscard]] std::string_view to_string(BucketSize size);

struct Bucket {
  UtcTime start; // inclusive
  UtcTime end;   // exclusive
  friend bool operator==(const Bucket &, const Bucket &) = default;
};

class Calendar {
public:
  // `zone` must outlive the calendar (date's zones live for the program).
  // billing_day (1–28) is the day of the month on which a month bucket starts.
  explicit Calendar(const date::time_zone &zone, int billing_day = 1);

  [[nodiscard]] Bucket bucket_containing(UtcTime t, BucketSize size) const;

  // The buckets that overlap [from, to), in order; the first and last may
  // reach outside the range. Fails when there would be more than max_buckets.
  [[nodiscard]] Result<std::vector<Bucket>> buckets(UtcTime from, UtcTime to, BucketSize size,
                                                    std::size_t max_buckets) const;

  [[nodiscard]] const date::time_zone &zone() const { return *zone_; }

private:
  [[nodiscard]] Bucket clock_bucket(UtcTime t, Micros length) const;
  [[nodiscard]] Bucket date_bucket(UtcTime t, BucketSize size) const;

  const date::time_zone *zone_;
  int billing_day_;
};

} // namespace pulsemon

#include "core/calendar.h"

#include "support/utc.h"
#include <date/date.h>
#include <date/tz.h>
#include <gtest/gtest.h>

#include <random>

namespace pulsemon {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

using testing::utc;

const date::time_zone &zone(const char *name) {
  return *date::locate_zone(name);
}

Micros length(const Bucket &bucket) {
  return bucket.end - bucket.start;
}

TEST(Calendar, AmsterdamSpringForwardDayHas23Hours) {
  const Calendar calendar(zone("Europe/Amsterdam"));
  const Bucket day = calendar.bucket_containing(utc(2026, 3, 29, 12), BucketSize::day);
  EXPECT_EQ(day.start, utc(2026, 3, 28, 23));
  EXPECT_EQ(day.end, utc(2026, 3, 29, 22));
  EXPECT_EQ(length(day), hours{23});

  const auto hourly = calendar.buckets(day.start, day.end, BucketSize::hour, 100);
  ASSERT_TRUE(hourly.ok());
  EXPECT_EQ(hourly->size(), 23U);
  for (const Bucket &hour : *hourly) {
    EXPECT_EQ(length(hour), hours{1});
  }
}

TEST(Calendar, AmsterdamFallBackDayHas25HoursAndTheRepeatedHourTwoBuckets) {
  const Calendar calendar(zone("Europe/Amsterdam"));
  const Bucket day = calendar.bucket_containing(utc(2026, 10, 25, 12), BucketSize::day);
  EXPECT_EQ(day.start, utc(2026, 10, 24, 22));
  EXPECT_EQ(day.end, utc(2026, 10, 25, 23));
  EXPECT_EQ(length(day), hours{25});

  const auto hourly = calendar.buckets(day.start, day.end, BucketSize::hour, 100);
  ASSERT_TRUE(hourly.ok());
  EXPECT_EQ(hourly->size(), 25U);
  // 02:00–03:00 local happens twice: at 00:00 UTC (CEST) and at 01:00 UTC (CET).
  EXPECT_EQ(calendar.bucket_containing(utc(2026, 10, 25, 0, 30), BucketSize::hour).start,
            utc(2026, 10, 25, 0));
  EXPECT_EQ(calendar.bucket_containing(utc(2026, 10, 25, 1, 30), BucketSize::hour).start,
            utc(2026, 10, 25, 1));
}

TEST(Calendar, KolkataBucketsSitOnTheHalfHour) {
  const Calendar calendar(zone("Asia/Kolkata"));
  const Bucket hour = calendar.bucket_containing(utc(2026, 1, 15, 10), BucketSize::hour);
  EXPECT_EQ(hour.start, utc(2026, 1, 15, 9, 30));
  EXPECT_EQ(hour.end, utc(2026, 1, 15, 10, 30));
  const Bucket day = calendar.bucket_containing(utc(2026, 1, 15, 10), BucketSize::day);
  EXPECT_EQ(day.start, utc(2026, 1, 14, 18, 30));
  EXPECT_EQ(length(day), hours{24});
}

TEST(Calendar, KathmanduBucketsSitOnTheQuarterHour) {
  const Calendar calendar(zone("Asia/Kathmandu"));
  EXPECT_EQ(calendar.bucket_containing(utc(2026, 1, 15, 10), BucketSize::hour),
            (Bucket{utc(2026, 1, 15, 9, 15), utc(2026, 1, 15, 10, 15)}));
  EXPECT_EQ(calendar.bucket_containing(utc(2026, 1, 15, 10, 5), BucketSize::quarter_hour),
            (Bucket{utc(2026, 1, 15, 10), utc(2026, 1, 15, 10, 15)}));
  EXPECT_EQ(calendar.bucket_containing(utc(2026, 1, 15, 10, 5), BucketSize::half_hour),
            (Bucket{utc(2026, 1, 15, 9, 45), utc(2026, 1, 15, 10, 15)}));
  EXPECT_EQ(calendar.bucket_containing(utc(2026, 1, 15, 10), BucketSize::day).start,
            utc(2026, 1, 14, 18, 15));
}

TEST(Calendar, LordHoweThirtyMinuteShiftMakesShortAndLongDays) {
  const Calendar calendar(zone("Australia/Lord_Howe"));
  // DST starts on Sunday 4 October 2026 at 02:00 local: the clock jumps to 02:30.
  const Bucket spring = calendar.bucket_containing(utc(2026, 10, 4, 0), BucketSize::day);
  EXPECT_EQ(length(spring), hours{23} + minutes{30});
  const auto spring_hours = calendar.buckets(spring.start, spring.end, BucketSize::hour, 100);
  ASSERT_TRUE(spring_hours.ok());
  EXPECT_EQ(spring_hours->size(), 24U);
  EXPECT_EQ(calendar.bucket_containing(utc(2026, 10, 3, 15, 40), BucketSize::hour),
            (Bucket{utc(2026, 10, 3, 15, 30), utc(2026, 10, 3, 16)}))
      << "the 02:30–03:00 hour is half an hour long";

  // DST ends on Sunday 5 April 2026 at 02:00 local: the clock goes back to 01:30.
  const Bucket autumn = calendar.bucket_containing(utc(2026, 4, 5, 0), BucketSize::day);
  EXPECT_EQ(length(autumn), hours{24} + minutes{30});
  const auto autumn_hours = calendar.buckets(autumn.start, autumn.end, BucketSize::hour, 100);
  ASSERT_TRUE(autumn_hours.ok());
  EXPECT_EQ(autumn_hours->size(), 25U);
  EXPECT_EQ(calendar.bucket_containing(utc(2026, 4, 4, 15, 10), BucketSize::hour),
            (Bucket{utc(2026, 4, 4, 15), utc(2026, 4, 4, 15, 30)}))
      << "the repeated 01:30–02:00 is its own bucket";
}

TEST(Calendar, IsoWeeksStartOnMonday) {
  const Calendar calendar(zone("Europe/Amsterdam"));
  const Bucket week = calendar.bucket_containing(utc(2026, 3, 29, 12), BucketSize::week);
  EXPECT_EQ(week.start, utc(2026, 3, 22, 23)); // Monday 23 March, 00:00 CET
  EXPECT_EQ(week.end, utc(2026, 3, 29, 22));   // Monday 30 March, 00:00 CEST
  EXPECT_EQ(length(week), hours{7 * 24 - 1});
}

TEST(Calendar, MonthsStartOnTheBillingDay) {
  const Calendar calendar(zone("Europe/Amsterdam"), 15);
  const Bucket early = calendar.bucket_containing(utc(2026, 3, 10), BucketSize::month);
  EXPECT_EQ(early.start, utc(2026, 2, 14, 23));
  EXPECT_EQ(early.end, utc(2026, 3, 14, 23));
  const Bucket late = calendar.bucket_containing(utc(2026, 3, 20), BucketSize::month);
  EXPECT_EQ(late.start, utc(2026, 3, 14, 23));
  EXPECT_EQ(late.end, utc(2026, 4, 14, 22)) << "CEST by mid-April";

  const Calendar plain(zone("UTC"));
  EXPECT_EQ(plain.bucket_containing(utc(2026, 12, 31, 23), BucketSize::month),
            (Bucket{utc(2026, 12, 1), utc(2027, 1, 1)}));
}

TEST(Calendar, YearsFollowTheLocalNewYear) {
  const Calendar calendar(zone("Europe/Amsterdam"));
  EXPECT_EQ(calendar.bucket_containing(utc(2026, 6, 1), BucketSize::year),
            (Bucket{utc(2025, 12, 31, 23), utc(2026, 12, 31, 23)}));
}

TEST(Calendar, BucketsOfEverySizeTileTheYearInEveryZone) {
  std::mt19937_64 random(7);
  for (const char *name : {"Europe/Amsterdam", "Asia/Kolkata", "Asia/Kathmandu",
                           "Australia/Lord_Howe", "America/Santiago", "UTC"}) {
    const Calendar calendar(zone(name), 1);
    for (BucketSize size :
         {BucketSize::minute, BucketSize::quarter_hour, BucketSize::half_hour, BucketSize::hour,
          BucketSize::day, BucketSize::week, BucketSize::month, BucketSize::year}) {
      for (int i = 0; i < 200; ++i) {
        const UtcTime t =
            utc(2026, 1, 1) +
            Micros{static_cast<std::int64_t>(random() % (366ULL * 24 * 3600 * 1000000))};
        const Bucket bucket = calendar.bucket_containing(t, size);
        ASSERT_LE(bucket.start, t) << name << " " << to_string(size);
        ASSERT_LT(t, bucket.end) << name << " " << to_string(size);
        // Neighbours touch: no gap and no overlap.
        EXPECT_EQ(calendar.bucket_containing(bucket.end, size).start, bucket.end)
            << name << " " << to_string(size);
        EXPECT_EQ(calendar.bucket_containing(bucket.start - Micros{1}, size).end, bucket.start)
            << name << " " << to_string(size);
      }
    }
  }
}

TEST(Calendar, RefusesMoreBucketsThanTheLimitAndNamesIt) {
  const Calendar calendar(zone("UTC"));
  const auto result = calendar.buckets(utc(2026, 1, 1), utc(2026, 1, 2), BucketSize::minute, 100);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(result.error().message.find("100"), std::string::npos);
}

TEST(Calendar, ParsesBucketNames) {
  EXPECT_EQ(*parse_bucket_size("15min"), BucketSize::quarter_hour);
  EXPECT_EQ(*parse_bucket_size("month"), BucketSize::month);
  EXPECT_FALSE(parse_bucket_size("fortnight").ok());
}

} // namespace
} // namespace pulsemon

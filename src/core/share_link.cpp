#include "core/share_link.h"

#include "core/quoted_input.h"

#include <algorithm>

namespace pulsemon {

std::string_view to_string(LinkKind kind) {
  return kind == LinkKind::share ? "share" : "display";
}

Result<LinkKind> parse_link_kind(std::string_view text) {
  if (text == "share") {
    return LinkKind::share;
  }
  if (text == "display") {
    return LinkKind::display;
  }
  return invalid_argument("kind: " + quoted_input(text) + " is not share or display");
}

std::string_view to_string(ShareGranularity granularity) {
  switch (granularity) {
  case ShareGranularity::day:
    return "day";
  case ShareGranularity::week:
    return "week";
  case ShareGranularity::month:
    return "month";
  }
  return "day";
}

Result<ShareGranularity> parse_share_granularity(std::string_view text) {
  for (const ShareGranularity granularity :
       {ShareGranularity::day, ShareGranularity::week, ShareGranularity::month}) {
    if (text == to_string(granularity)) {
      return granularity;
    }
  }
  return invalid_argument("granularity: " + quoted_input(text) +
                          " is not day, week or month (a share is never finer than a day)");
}

BucketSize bucket_size_of(ShareGranularity granularity) {
  switch (granularity) {
  case ShareGranularity::day:
    return BucketSize::day;
  case ShareGranularity::week:
    return BucketSize::week;
  case ShareGranularity::month:
    return BucketSize::month;
  }
  return BucketSize::day;
}

std::optional<Error> link_error(const Link &link, UtcTime now) {
  if (link.label.empty() || link.label.size() > max_link_label_bytes ||
      std::any_of(link.label.begin(), link.label.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return invalid_argument("label: 1 to " + std::to_string(max_link_label_bytes) +
                            " bytes of text without control characters");
  }
  if (link.meters.empty() || link.meters.size() > max_link_meters) {
    return invalid_argument("meters: 1 to " + std::to_string(max_link_meters) + " meter ids");
  }
  if (!std::is_sorted(link.meters.begin(), link.meters.end()) ||
      std::adjacent_find(link.meters.begin(), link.meters.end()) != link.meters.end()) {
    return invalid_argument("meters: each meter once");
  }
  if (link.window_days < 1 || link.window_days > max_share_window_days) {
    return invalid_argument("window_days: a whole number of days from 1 to " +
                            std::to_string(max_share_window_days));
  }
  if (link.expires && *link.expires <= now) {
    return invalid_argument("expires: must be in the future");
  }
  if (auto error = validate_household(link.normalisers)) {
    return error;
  }
  return std::nullopt;
}

bool link_open(const Link &link, UtcTime now) {
  return !link.revoked && (!link.expires || now < *link.expires);
}

Bucket share_window(const Calendar &calendar, UtcTime now, int window_days) {
  const UtcTime today = calendar.bucket_containing(now, BucketSize::day).start;
  UtcTime start = today;
  for (int day = 0; day < window_days; ++day) {
    start = calendar.bucket_containing(start - Micros{1}, BucketSize::day).start;
  }
  return Bucket{start, today};
}

std::vector<Bucket> whole_periods_within(const std::vector<Bucket> &buckets, const Bucket &window) {
  std::vector<Bucket> inside;
  for (const Bucket &bucket : buckets) {
    if (bucket.start >= window.start && bucket.end <= window.end) {
      inside.push_back(bucket);
    }
  }
  return inside;
}

} // namespace pulsemon

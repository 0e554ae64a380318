#pragma once
// Links a household gives away (docs/sharing.md): a share link opens its
// chosen meters' energy per day, week or month over a window of past days,
// for friends to compare with; a display link opens the dashboard's Home
// (live power included) of chosen meters for the household's own wall
// screen. Either works without a sign-in, through a token that only its
// hash is kept of, until it expires or is revoked.
//
// Why never finer than a day, and only whole periods that have ended:
// per-minute power shows which appliances run and half-hourly energy when
// a home is occupied, and a figure for a period still running grows with
// every fetch, so polling today's total would give away the hours the
// owner did not share.

#include "core/calendar.h"
#include "core/household.h"
#include "core/result.h"
#include "core/time.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pulsemon {

enum class LinkKind { share, display };
[[nodiscard]] std::string_view to_string(LinkKind kind);
[[nodiscard]] Result<LinkKind> parse_link_kind(std::string_view text);

// The finest period a share link shows.
enum class ShareGranularity { day, week, month };
[[nodiscard]] std::string_view to_string(ShareGranularity granularity);
[[nodiscard]] Result<ShareGranularity> parse_share_granularity(std::string_view text);
[[nodiscard]] BucketSize bucket_size_of(ShareGranularity granularity);

inline constexpr int max_share_window_days = 3660; // ten years
inline constexpr std::size_t max_link_meters = 50;
inline constexpr std::size_t max_link_label_bytes = 100;
inline constexpr std::size_t max_links_per_site = 100;

struct Link {
  std::int64_t id = 0;
  std::int64_t site_id = 0;
  LinkKind kind = LinkKind::share;
  std::string label;
  std::vector<std::int64_t> meters; // ascending, no repeats
  // Share links only: the finest period, how many days back from
  // yesterday, what the household says about itself, and whether the
  // meters' names and locations are shown.
  ShareGranularity granularity = ShareGranularity::day;
  int window_days = 365;
  HouseholdProfile normalisers{};
  bool show_names = false;
  std::optional<UtcTime> expires;
  std::string created_by;
  UtcTime created{};
  std::optional<UtcTime> revoked;
  std::optional<UtcTime> last_used;
  std::int64_t uses = 0;
  std::string token_hash; // hex SHA-256 of the token: the token itself is never kept
  friend bool operator==(const Link &, const Link &) = default;
};

// Checks what a household chose (label, meters, window, expiry after
// `now`, normalisers); the error names the bad field.
[[nodiscard]] std::optional<Error> link_error(const Link &link, UtcTime now);

// Whether the link opens anything at `now`: not revoked, not expired.
[[nodiscard]] bool link_open(const Link &link, UtcTime now);

// The days a share link covers at `now` in `calendar`'s zone: from the
// start of the day `window_days` before today to the start of today
// (today, still running, is never shown).
[[nodiscard]] Bucket share_window(const Calendar &calendar, UtcTime now, int window_days);

// Of `buckets` (a calendar's, in order), those wholly inside `window`: a
// week or month that began before the window or has not ended is left out
// rather than shown in part.
[[nodiscard]] std::vector<Bucket> whole_periods_within(const std::vector<Bucket> &buckets,
                                                       const Bucket &window);

} // namespace pulsemon

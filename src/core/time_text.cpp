#include "core/time_text.h"

#include "core/quoted_input.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>

#include <date/date.h>
#include <date/tz.h>

namespace pulsemon {

namespace {

Error time_error(std::string_view text) {
  return invalid_argument("time: " + quoted_input(text) +
                          " is not a time (use 2026-03-29, 2026-03-29T14:05:00Z, "
                          "2026-03-29T14:05+02:00 or seconds since 1970)");
}

// Reads exactly `digits` digits from the front of `text`.
bool take_number(std::string_view &text, std::size_t digits, int &value) {
  if (text.size() < digits) {
    return false;
  }
  for (std::size_t i = 0; i < digits; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return false;
    }
  }
  std::from_chars(text.data(), text.data() + digits, value);
  text.remove_prefix(digits);
  return true;
}

bool take_char(std::string_view &text, char c) {
  if (!text.empty() && text.front() == c) {
    text.remove_prefix(1);
    return true;
  }
  return false;
}

std::optional<UtcTime> parse_epoch_seconds(std::string_view text) {
  double seconds = 0.0;
  const auto *end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, seconds);
  if (ec != std::errc{} || ptr != end || !std::isfinite(seconds) || std::abs(seconds) > 1e11) {
    return std::nullopt;
  }
  return utc_from_epoch_us(std::llround(seconds * 1e6));
}

Result<UtcTime> parse_time_in_any_year(std::string_view text, const date::time_zone &zone) {
  if (text.find('-', 1) == std::string_view::npos) {
    if (auto epoch = parse_epoch_seconds(text)) {
      return *epoch;
    }
    return time_error(text);
  }
  std::string_view rest = text;
  int year = 0;
  int month = 0;
  int day = 0;
  if (!take_number(rest, 4, year) || !take_char(rest, '-') || !take_number(rest, 2, month) ||
      !take_char(rest, '-') || !take_number(rest, 2, day)) {
    return time_error(text);
  }
  const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                                 date::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) {
    return invalid_argument("time: " + quoted_input(text) + " is not a date in the calendar");
  }
  int hour = 0;
  int minute = 0;
  int second = 0;
  Micros fraction{0};
  if (take_char(rest, 'T') || take_char(rest, ' ')) {
    if (!take_number(rest, 2, hour) || !take_char(rest, ':') || !take_number(rest, 2, minute)) {
      return time_error(text);
    }
    if (take_char(rest, ':')) {
      if (!take_number(rest, 2, second)) {
        return time_error(text);
      }
      if (take_char(rest, '.')) {
        std::int64_t scale = 100'000;
        std::size_t digits = 0;
        while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
          fraction += Micros{(rest.front() - '0') * scale};
          scale /= 10;
          rest.remove_prefix(1);
          ++digits;
        }
        if (digits == 0 || digits > 6) {
          return time_error(text);
        }
      }
    }
    if (hour > 23 || minute > 59 || second > 59) {
      return time_error(text);
    }
  }
  const auto clock = std::chrono::hours{hour} + std::chrono::minutes{minute} +
                     std::chrono::seconds{second} + fraction;

  if (rest.empty()) {
    const auto local = date::local_days{ymd} + clock;
    const auto info = zone.get_info(local);
    if (info.result == date::local_info::nonexistent) {
      return invalid_argument("time: " + quoted_input(text) + " does not exist in " + zone.name() +
                              " (the clock skips it)");
    }
    return UtcTime{local.time_since_epoch() - Micros{info.first.offset}};
  }
  const UtcTime as_utc{(date::sys_days{ymd} + clock).time_since_epoch()};
  if (rest == "Z") {
    return as_utc;
  }
  const bool negative = rest.front() == '-';
  if (!take_char(rest, '+') && !take_char(rest, '-')) {
    return time_error(text);
  }
  int offset_hours = 0;
  int offset_minutes = 0;
  if (!take_number(rest, 2, offset_hours)) {
    return time_error(text);
  }
  take_char(rest, ':');
  if (!rest.empty() && (!take_number(rest, 2, offset_minutes) || !rest.empty())) {
    return time_error(text);
  }
  // Real offsets run from -12:00 to +14:00; "+60" is a typo, not 60 hours.
  if (offset_hours > 14 || offset_minutes > 59) {
    return invalid_argument("time: " + quoted_input(text) +
                            " has an offset beyond ±14:00 (write it as +02:00)");
  }
  const auto offset = std::chrono::hours{offset_hours} + std::chrono::minutes{offset_minutes};
  return negative ? as_utc + offset : as_utc - offset;
}

} // namespace

bool in_supported_years(UtcTime t) {
  constexpr auto first = date::sys_days{date::year{1} / 1 / 1};
  constexpr auto after_last = date::sys_days{date::year{10000} / 1 / 1};
  return t >= first && t < after_last;
}

Result<UtcTime> parse_time(std::string_view text, const date::time_zone &zone) {
  auto parsed = parse_time_in_any_year(text, zone);
  if (!parsed.ok()) {
    return parsed;
  }
  if (!in_supported_years(*parsed)) {
    // Within the years 1 to 9999 as written, a local time can still fall
    // outside them in UTC ('0001-01-01' in Amsterdam is 0000-12-31T23:40Z).
    const bool early = *parsed < UtcTime{date::sys_days{date::year{1} / 1 / 1}.time_since_epoch()};
    return invalid_argument(
        "time: " + quoted_input(text) +
        (early ? " is before 0001-01-01T00:00:00Z, the earliest time pulsemon takes"
               : " is not before 10000-01-01T00:00:00Z, the latest time pulsemon takes") +
        " (a date is read in the time zone " + zone.name() + "; give a later or earlier one)");
  }
  return parsed;
}

// Written out by hand rather than with date::format, whose stream and
// locale set-up made it a third of the time of an API answer with a year of
// daily rows (measured with perf; docs/benchmarks.md).
std::string format_utc(UtcTime t) {
  const auto day = std::chrono::floor<date::days>(t);
  const date::year_month_day ymd(day);
  const date::hh_mm_ss<Micros> time(t - day);
  std::array<char, 40> text{};
  int length = std::snprintf(
      text.data(), text.size(), "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
      static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
      static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
      static_cast<int>(time.seconds().count()));
  const auto fraction = time.subseconds().count();
  if (fraction != 0) {
    length += std::snprintf(text.data() + length, text.size() - static_cast<std::size_t>(length),
                            ".%06lld", static_cast<long long>(fraction));
  }
  std::string result(text.data(), static_cast<std::size_t>(length));
  result += 'Z';
  return result;
}

std::string duration_text(Micros span) {
  const double seconds = to_seconds(span);
  std::array<char, 32> text{};
  if (seconds < 90.0) {
    std::snprintf(text.data(), text.size(), "%.0f s", seconds);
  } else if (seconds < 90.0 * 60.0) {
    std::snprintf(text.data(), text.size(), "%.0f min", seconds / 60.0);
  } else if (seconds < 48.0 * 3600.0) {
    std::snprintf(text.data(), text.size(), "%.1f hours", seconds / 3600.0);
  } else {
    std::snprintf(text.data(), text.size(), "%.1f days", seconds / 86400.0);
  }
  return text.data();
}

} // namespace pulsemon

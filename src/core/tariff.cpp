#include "core/tariff.h"

#include "core/calendar.h"
#include "core/quoted_input.h"

#include <array>
#include <charconv>
#include <chrono>
#include <cmath>

#include <date/date.h>
#include <date/tz.h>

namespace pulsemon {

namespace {

constexpr std::array<std::string_view, 7> day_names{"Mon", "Tue", "Wed", "Thu",
                                                    "Fri", "Sat", "Sun"};
constexpr int minutes_per_day = 24 * 60;
// Far above any real price, low enough that ten thousand years of costs
// stay finite and exact to the cent in a double.
constexpr double max_price = 1'000'000.0;

std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') {
    text.remove_prefix(1);
  }
  while (!text.empty() && text.back() == ' ') {
    text.remove_suffix(1);
  }
  return text;
}

Error tariff_error(std::string_view part, const std::string &why) {
  return invalid_argument("tariff: " + quoted_input(part) + " " + why);
}

Result<double> parse_price(std::string_view text) {
  text = trim(text);
  double price = 0.0;
  const auto *end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, price);
  if (ec != std::errc{} || ptr != end || !std::isfinite(price) || price < 0) {
    return tariff_error(text, "is not a price (a number of at least 0)");
  }
  if (price > max_price) {
    return tariff_error(text, "is more than any tariff charges (at most 1000000 a unit or a day)");
  }
  return price;
}

Result<int> parse_day(std::string_view text) {
  for (std::size_t i = 0; i < day_names.size(); ++i) {
    if (day_names[i] == text) {
      return static_cast<int>(i);
    }
  }
  return tariff_error(text, "is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)");
}

// "all", "Mon-Fri", "Sat,Sun", "Mon,Wed-Fri"
Result<std::uint8_t> parse_days(std::string_view text) {
  if (text == "all") {
    return std::uint8_t{0x7f};
  }
  std::uint8_t mask = 0;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const auto dash = item.find('-');
    auto first = parse_day(item.substr(0, dash));
    if (!first) {
      return first.error();
    }
    int last = *first;
    if (dash != std::string_view::npos) {
      auto parsed_last = parse_day(item.substr(dash + 1));
      if (!parsed_last) {
        return parsed_last.error();
      }
      last = *parsed_last;
    }
    for (int day = *first;; day = (day + 1) % 7) {
      mask = static_cast<std::uint8_t>(mask | (1U << day));
      if (day == last) {
        break;
      }
    }
  }
  if (mask == 0) {
    return tariff_error(text, "names no day");
  }
  return mask;
}

// "07:00" → 420; "24:00" is allowed as the end of a day.
Result<int> parse_clock(std::string_view text) {
  int hours = 0;
  int minutes = 0;
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    return tariff_error(text, "is not a time of day HH:MM");
  }
  const auto h = std::from_chars(text.data(), text.data() + colon, hours);
  const auto m = std::from_chars(text.data() + colon + 1, text.data() + text.size(), minutes);
  if (h.ec != std::errc{} || m.ec != std::errc{} || h.ptr != text.data() + colon ||
      m.ptr != text.data() + text.size() || hours < 0 || minutes < 0 || minutes > 59 ||
      hours * 60 + minutes > minutes_per_day) {
    return tariff_error(text, "is not a time of day HH:MM");
  }
  const int minute = hours * 60 + minutes;
  if (minute % 15 != 0) {
    return tariff_error(text, "must be a multiple of 15 minutes");
  }
  return minute;
}

// "peak=0.35@Mon-Fri 07:00-23:00"
Result<TouPeriod> parse_period(std::string_view text) {
  const auto equals = text.find('=');
  const auto at = text.find('@');
  if (equals == std::string_view::npos || at == std::string_view::npos || at < equals) {
    return tariff_error(text, "is not a period NAME=PRICE@DAYS HH:MM-HH:MM");
  }
  TouPeriod period;
  period.name = std::string(trim(text.substr(0, equals)));
  if (period.name.empty()) {
    return tariff_error(text, "has a period without a name");
  }
  auto price = parse_price(text.substr(equals + 1, at - equals - 1));
  if (!price) {
    return price.error();
  }
  period.price = *price;
  const std::string_view when = trim(text.substr(at + 1));
  const auto space = when.find(' ');
  if (space == std::string_view::npos) {
    return tariff_error(text, "needs days and a time range, e.g. Mon-Fri 07:00-23:00");
  }
  auto days = parse_days(when.substr(0, space));
  if (!days) {
    return days.error();
  }
  period.weekdays = *days;
  const std::string_view range = trim(when.substr(space + 1));
  const auto dash = range.find('-');
  if (dash == std::string_view::npos) {
    return tariff_error(range, "is not a time range HH:MM-HH:MM");
  }
  auto start = parse_clock(range.substr(0, dash));
  auto end = parse_clock(range.substr(dash + 1));
  if (!start) {
    return start.error();
  }
  if (!end) {
    return end.error();
  }
  if (*start == *end || *start == minutes_per_day) {
    return tariff_error(range, "is an empty time range");
  }
  period.start_minute = *start;
  period.end_minute = *end;
  return period;
}

bool on_day(std::uint8_t mask, int weekday) {
  return ((mask >> weekday) & 1U) != 0;
}

} // namespace

double Tariff::price_at(int weekday, int minute_of_day) const {
  for (const TouPeriod &period : periods) {
    if (period.start_minute < period.end_minute) {
      if (on_day(period.weekdays, weekday) && minute_of_day >= period.start_minute &&
          minute_of_day < period.end_minute) {
        return period.price;
      }
      continue;
    }
    const int previous_day = (weekday + 6) % 7;
    if ((on_day(period.weekdays, weekday) && minute_of_day >= period.start_minute) ||
        (on_day(period.weekdays, previous_day) && minute_of_day < period.end_minute)) {
      return period.price;
    }
  }
  return base_price;
}

double Tariff::price_at(const date::time_zone &zone, UtcTime t) const {
  if (periods.empty()) {
    return base_price;
  }
  const auto local = zone.to_local(std::chrono::floor<std::chrono::minutes>(t));
  const auto day = std::chrono::floor<date::days>(local);
  const date::weekday weekday{day};
  const int monday_based = static_cast<int>((weekday.c_encoding() + 6) % 7);
  const auto minute = std::chrono::duration_cast<std::chrono::minutes>(local - day).count();
  return price_at(monday_based, static_cast<int>(minute));
}

double Tariff::average_price() const {
  if (periods.empty()) {
    return base_price;
  }
  constexpr int quarter = 15;
  double sum = 0.0;
  int slots = 0;
  for (int weekday = 0; weekday < 7; ++weekday) {
    for (int minute = 0; minute < minutes_per_day; minute += quarter) {
      sum += price_at(weekday, minute);
      ++slots;
    }
  }
  return sum / slots;
}

double Tariff::standing_charge(const Calendar &calendar, UtcTime from, UtcTime to) const {
  if (standing_per_day == 0.0 || to <= from) {
    return 0.0;
  }
  const auto share_of = [](const Bucket &day, UtcTime start, UtcTime end) {
    return to_seconds(end - start) / to_seconds(day.end - day.start);
  };
  const Bucket first = calendar.bucket_containing(from, BucketSize::day);
  if (to <= first.end) {
    return standing_per_day * share_of(first, from, to);
  }
  const Bucket last = calendar.bucket_containing(to, BucketSize::day);
  // Whole local days between the two: 23, 24 or 25 hours each, so the
  // elapsed time rounds to their number (a day a zone skipped has none).
  const double whole_days = std::round(to_seconds(last.start - first.end) / 86400.0);
  return standing_per_day * (share_of(first, from, first.end) + whole_days +
                             (to == last.start ? 0.0 : share_of(last, last.start, to)));
}

namespace {

constexpr std::string_view per_kwh_suffix = "/kWh";
constexpr std::string_view standing_name = "standing";

// "standing=0.29": a term without "@".
Result<double> parse_standing(std::string_view term) {
  const auto equals = term.find('=');
  if (equals == std::string_view::npos || trim(term.substr(0, equals)) != standing_name) {
    return tariff_error(term, "is neither a period NAME=PRICE@DAYS HH:MM-HH:MM nor a standing "
                              "charge per day standing=PRICE");
  }
  return parse_price(term.substr(equals + 1));
}

} // namespace

Result<Tariff> parse_tariff(std::string_view text) {
  Tariff tariff;
  const auto semicolon = text.find(';');
  std::string_view base_text = trim(text.substr(0, semicolon));
  if (base_text.ends_with(per_kwh_suffix)) {
    tariff.per = PricedPer::kwh;
    base_text.remove_suffix(per_kwh_suffix.size());
  }
  auto base = parse_price(base_text);
  if (!base) {
    return base.error();
  }
  tariff.base_price = *base;
  std::string_view rest =
      semicolon == std::string_view::npos ? std::string_view{} : text.substr(semicolon + 1);
  bool has_standing = false;
  while (!rest.empty()) {
    const auto next = rest.find(';');
    const std::string_view term = trim(rest.substr(0, next));
    rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
    if (term.find('@') == std::string_view::npos) {
      auto standing = parse_standing(term);
      if (!standing) {
        return standing.error();
      }
      if (has_standing) {
        return tariff_error(term, "is a second standing charge; give one");
      }
      has_standing = true;
      tariff.standing_per_day = *standing;
      continue;
    }
    auto period = parse_period(term);
    if (!period) {
      return period.error();
    }
    tariff.periods.push_back(std::move(period).value());
  }
  return tariff;
}

} // namespace pulsemon

#include "core/alerts.h"

#include "core/tariff.h"

#include <date/date.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>

namespace pulsemon {

namespace {

constexpr int weeks_of_history = 4;
constexpr int same_weekdays = 8;
constexpr int night_from = 1; // a leak's night: 01:00 …
constexpr int night_to = 5;   // … to 05:00
constexpr int base_from = 0;  // the base load's night: 00:00 …
constexpr int base_to = 5;    // … to 05:00

std::string number(double value, int digits) {
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%.*f", digits, value);
  return text.data();
}

std::string_view weekday_name(int weekday) {
  constexpr std::array<std::string_view, 7> names{"Mondays", "Tuesdays",  "Wednesdays", "Thursdays",
                                                  "Fridays", "Saturdays", "Sundays"};
  return names.at(static_cast<std::size_t>(weekday % 7));
}

// A local day's hours by their clock hour (a fall-back day's two 02:00 add).
struct Day {
  std::int64_t day = 0;
  int weekday = 0;
  std::map<int, std::int64_t> pulses_by_hour;
  std::int64_t total = 0;
  [[nodiscard]] bool has_hours(int from, int to) const {
    for (int h = from; h < to; ++h) {
      if (!pulses_by_hour.contains(h)) {
        return false;
      }
    }
    return true;
  }
  // All its hours (23 on a spring-forward day, which has no 02:00).
  [[nodiscard]] bool complete() const {
    return pulses_by_hour.contains(0) && pulses_by_hour.contains(23) && pulses_by_hour.size() >= 23;
  }
};

// The days from the first with a pulse on: the days before a meter was
// counting say nothing about its household.
std::vector<Day> days_of(std::span<const LocalHour> hours) {
  std::vector<Day> days;
  for (const LocalHour &hour : hours) {
    if (days.empty() || days.back().day != hour.day) {
      days.push_back(Day{hour.day, hour.weekday, {}, 0});
    }
    days.back().pulses_by_hour[hour.hour] += hour.pulses;
    days.back().total += hour.pulses;
  }
  const auto first_counted =
      std::find_if(days.begin(), days.end(), [](const Day &day) { return day.total > 0; });
  days.erase(days.begin(), first_counted);
  if (!days.empty()) {
    days.erase(days.begin()); // its first day began before it was counting
  }
  return days;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

std::optional<Alert> leak(const Meter &meter, const std::vector<Day> &days,
                          const AlertSettings &settings) {
  if (meter.kind != MeterKind::water || settings.leak_nights <= 0) {
    return std::nullopt;
  }
  std::vector<const Day *> nights;
  for (auto it = days.rbegin();
       it != days.rend() && nights.size() < static_cast<std::size_t>(settings.leak_nights); ++it) {
    if (it->has_hours(night_from, night_to)) {
      nights.push_back(&*it);
    }
  }
  if (nights.size() < static_cast<std::size_t>(settings.leak_nights)) {
    return std::nullopt;
  }
  std::int64_t least = -1;
  for (const Day *night : nights) {
    for (int h = night_from; h < night_to; ++h) {
      const std::int64_t pulses = night->pulses_by_hour.at(h);
      if (pulses == 0) {
        return std::nullopt; // the water stopped that night
      }
      least = least < 0 ? pulses : std::min(least, pulses);
    }
  }
  const double per_hour = static_cast<double>(least) / meter.pulses_per_unit;
  const bool litres = meter.unit == "m³";
  return Alert{
      AlertKind::leak, nights.back()->day,
      "water flowed in every hour of the last " + std::to_string(nights.size()) +
          " nights (at least " +
          (litres ? number(per_hour * 1000.0, 0) + " L" : number(per_hour, 3) + " " + meter.unit) +
          " an hour, 01:00 to 05:00): a running cistern, a dripping tap or a leak?"};
}

std::optional<Alert> silent(std::span<const LocalHour> hours,
                            std::optional<std::int64_t> silent_hours_now,
                            const AlertSettings &settings) {
  if (!silent_hours_now || *silent_hours_now < settings.silent_hours ||
      static_cast<std::size_t>(*silent_hours_now) >= hours.size()) {
    return std::nullopt;
  }
  // The four weeks before the silence began.
  const std::size_t began = hours.size() - static_cast<std::size_t>(*silent_hours_now);
  const std::size_t window = static_cast<std::size_t>(weeks_of_history) * 7 * 24;
  const std::size_t from = began > window ? began - window : 0;
  std::int64_t longest = 0;
  std::int64_t run = 0;
  std::map<std::int64_t, bool> days_with_pulses;
  for (std::size_t i = from; i < began; ++i) {
    run = hours[i].pulses == 0 ? run + 1 : 0;
    longest = std::max(longest, run);
    days_with_pulses[hours[i].day] = days_with_pulses[hours[i].day] || hours[i].pulses > 0;
  }
  const auto pulsing_days = std::count_if(days_with_pulses.begin(), days_with_pulses.end(),
                                          [](const auto &day) { return day.second; });
  // Half as long again as the longest quiet spell: a gas meter whose
  // heating stops in spring has a new longest spell now and then.
  if (pulsing_days < 14 ||
      static_cast<double>(*silent_hours_now) <= 1.5 * static_cast<double>(longest)) {
    return std::nullopt; // it does not usually pulse, or has been quiet this long before
  }
  return Alert{AlertKind::silent, hours[began].day,
               "no pulse for " + std::to_string(*silent_hours_now) +
                   " hours, half as long again as any quiet spell in the four weeks before (" +
                   (longest == 0 ? std::string("none reached an hour")
                                 : "at most " + std::to_string(longest) +
                                       (longest == 1 ? " hour" : " hours")) +
                   "): has the sensor come off the meter, or lost its power or network?"};
}

// The lowest hour of each night (00:00 to 05:00) with all its hours, in W;
// empty for a meter whose flow is not a power.
std::vector<double> night_lows(const Meter &meter, const std::vector<Day> &days) {
  const RateUnit rate = rate_unit(meter.unit);
  if (meter.kind != MeterKind::electricity || rate.name != "W") {
    return {};
  }
  std::vector<double> nights;
  for (const Day &day : days) {
    if (!day.has_hours(base_from, base_to)) {
      continue;
    }
    std::int64_t lowest = -1;
    for (int h = base_from; h < base_to; ++h) {
      const std::int64_t pulses = day.pulses_by_hour.at(h);
      lowest = lowest < 0 ? pulses : std::min(lowest, pulses);
    }
    nights.push_back(static_cast<double>(lowest) / meter.pulses_per_unit * rate.per_unit_per_hour);
  }
  return nights;
}

constexpr std::size_t recent_nights = 7;

std::optional<Alert> base_load(const Meter &meter, const std::vector<Day> &days,
                               const AlertSettings &settings) {
  const std::vector<double> nights = night_lows(meter, days);
  const auto last_night = std::find_if(
      days.rbegin(), days.rend(), [](const Day &day) { return day.has_hours(base_from, base_to); });
  const std::int64_t last_night_day = last_night == days.rend() ? 0 : last_night->day;
  constexpr std::size_t earlier_nights = static_cast<std::size_t>(weeks_of_history) * 7;
  if (nights.size() < recent_nights + earlier_nights / 2) {
    return std::nullopt;
  }
  const auto recent_from = nights.end() - recent_nights;
  const auto earlier_from =
      recent_from - std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(earlier_nights),
                                             recent_from - nights.begin());
  const double recent = median({recent_from, nights.end()});
  const double earlier = median({earlier_from, recent_from});
  if (recent < earlier * (1.0 + settings.base_load_rise) ||
      recent - earlier < settings.base_load_min_rise_w) {
    return std::nullopt;
  }
  return Alert{AlertKind::base_load, last_night_day - static_cast<std::int64_t>(recent_nights) + 1,
               "base load " + number(recent, 0) + " W over the last week, up from " +
                   number(earlier, 0) + " W in the four weeks before (+" +
                   number((recent / earlier - 1.0) * 100.0, 0) +
                   " %): something new is always on, or left on"};
}

std::optional<Alert> unusual_day(const Meter &meter, const std::vector<Day> &days,
                                 const AlertSettings &settings) {
  // Yesterday: the last complete day.
  auto last =
      std::find_if(days.rbegin(), days.rend(), [](const Day &day) { return day.complete(); });
  // Gas and heat follow the weather, which makes a cold snap or the first
  // warm week look unusual; their days would need degree days to judge.
  if (meter.kind == MeterKind::gas || meter.kind == MeterKind::heat || last == days.rend() ||
      settings.unusual_day_factor <= 1.0) {
    return std::nullopt;
  }
  std::vector<std::int64_t> same;
  for (const Day &day : days) {
    const std::int64_t weeks_back = (last->day - day.day) / 7;
    if (day.day < last->day && (last->day - day.day) % 7 == 0 && weeks_back <= same_weekdays &&
        day.complete()) {
      same.push_back(day.total);
    }
  }
  if (same.size() < 4) {
    return std::nullopt;
  }
  const auto [least, most] = std::minmax_element(same.begin(), same.end());
  const auto amount = [&](std::int64_t pulses) {
    return number(static_cast<double>(pulses) / meter.pulses_per_unit, 2) + " " + meter.unit;
  };
  const std::string weekdays(weekday_name(last->weekday));
  if (static_cast<double>(last->total) > static_cast<double>(*most) * settings.unusual_day_factor) {
    return Alert{AlertKind::unusual_day, last->day,
                 "yesterday used " + amount(last->total) + ", more than " +
                     number(settings.unusual_day_factor, 0) + " times the most of the last " +
                     std::to_string(same.size()) + " " + weekdays + " (" + amount(*most) + ")"};
  }
  if (*least > 0 && static_cast<double>(last->total) * settings.unusual_day_factor <
                        static_cast<double>(*least)) {
    return Alert{AlertKind::unusual_day, last->day,
                 "yesterday used " + amount(last->total) + ", less than 1/" +
                     number(settings.unusual_day_factor, 0) + " of the least of the last " +
                     std::to_string(same.size()) + " " + weekdays + " (" + amount(*least) + ")"};
  }
  return std::nullopt;
}

} // namespace

std::optional<double> base_load_watts(const Meter &meter, std::span<const LocalHour> hours) {
  const std::vector<double> nights = night_lows(meter, days_of(hours));
  if (nights.empty()) {
    return std::nullopt;
  }
  const auto from = nights.end() - std::min<std::ptrdiff_t>(recent_nights, std::ssize(nights));
  return median({from, nights.end()});
}

std::optional<double> yearly_cost_of_load(const Meter &meter, double watts) {
  if (meter.tariff.empty()) {
    return std::nullopt;
  }
  const auto tariff = parse_tariff(meter.tariff);
  if (!tariff) {
    return std::nullopt; // stored tariffs were checked; nothing to price with
  }
  constexpr double hours_per_year = 365.25 * 24.0;
  const double units = watts / rate_unit(meter.unit).per_unit_per_hour * hours_per_year;
  const double per_kwh =
      tariff->per == PricedPer::kwh ? kwh_per_unit(meter.unit).value_or(1.0) : 1.0;
  return units * per_kwh * tariff->average_price();
}

std::string since_text(const Alert &alert) {
  const date::year_month_day day{date::sys_days{date::days{alert.since_day}}};
  std::array<char, 16> text{};
  std::snprintf(text.data(), text.size(), "%04d-%02u-%02u", static_cast<int>(day.year()),
                static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
  return text.data();
}

std::string_view to_string(AlertKind kind) {
  switch (kind) {
  case AlertKind::leak:
    return "leak";
  case AlertKind::silent:
    return "silent";
  case AlertKind::base_load:
    return "base_load";
  case AlertKind::unusual_day:
    return "unusual_day";
  }
  return "unknown";
}

std::vector<Alert> find_alerts(const Meter &meter, std::span<const LocalHour> hours,
                               std::optional<std::int64_t> silent_hours_now,
                               const AlertSettings &settings) {
  const std::vector<Day> days = days_of(hours);
  std::vector<Alert> alerts;
  for (auto found : {leak(meter, days, settings), silent(hours, silent_hours_now, settings),
                     base_load(meter, days, settings), unusual_day(meter, days, settings)}) {
    if (found) {
      alerts.push_back(std::move(*found));
    }
  }
  return alerts;
}

} // namespace pulsemon

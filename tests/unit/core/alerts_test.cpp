// The insights (core/alerts.h) on a simulated household's pulses: a year
// of ordinary days raises nothing; a leak, a sensor that falls off, a new
// always-on load and a day of heavy use each raise their alert in time and
// not before. The household's zone is UTC here, so its hours are UTC's.
#include "core/alerts.h"
#include "sources/simulator/household.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>

namespace pulsemon {
namespace {

constexpr std::int64_t hour_us = 3'600'000'000;
constexpr std::int64_t day_us = 24 * hour_us;
// 2025-01-06, a Monday.
constexpr std::int64_t first_day = 20'094;

Meter meter_of(MeterKind kind) {
  Meter meter;
  meter.id = 1;
  meter.kind = kind;
  meter.unit = kind == MeterKind::electricity ? "kWh" : "m³";
  meter.pulses_per_unit = kind == MeterKind::electricity ? 1000.0 : 1000.0;
  return meter;
}

// A year of a simulated household's pulses; `extra_rate(day, hour)` adds a
// load (kW, or m³/h) on top, `cut_at` stops every pulse from then on.
std::vector<UtcTime> year_of(simulator::Profile profile, std::uint64_t seed,
                             const std::function<double(std::int64_t, int)> &extra_rate = {},
                             std::optional<std::int64_t> cut_at_us = std::nullopt) {
  simulator::Household household(profile, seed, std::chrono::minutes{0});
  simulator::PulseTrain train(1000.0);
  std::vector<UtcTime> pulses;
  for (std::int64_t day = first_day; day < first_day + 365; ++day) {
    const UtcTime start = utc_from_epoch_us(day * day_us);
    std::vector<simulator::RateStep> steps = household.day(start);
    // Split at every hour so an extra load can change by the hour.
    for (int hour = 0; hour < 24; ++hour) {
      const UtcTime from = start + Micros{hour * hour_us};
      const UtcTime to = from + Micros{hour_us};
      for (std::size_t i = 0; i < steps.size(); ++i) {
        const UtcTime step_end = i + 1 < steps.size() ? steps[i + 1].from : start + Micros{day_us};
        const UtcTime a = std::max(from, steps[i].from);
        const UtcTime b = std::min(to, step_end);
        if (a < b) {
          const double extra = extra_rate ? extra_rate(day, hour) : 0.0;
          train.run(a, b, steps[i].rate + extra, pulses);
        }
      }
    }
  }
  if (cut_at_us) {
    std::erase_if(pulses, [&](UtcTime t) { return to_epoch_us(t) >= *cut_at_us; });
  }
  return pulses;
}

// A year's pulses counted by the hour once, so that each morning's check
// reads only its 60 days.
struct CountedYear {
  std::vector<std::int64_t> per_hour;   // from first_day's midnight
  std::vector<std::int64_t> last_pulse; // per hour: the last pulse before its end, or -1
};

CountedYear count(const std::vector<UtcTime> &pulses) {
  CountedYear year{std::vector<std::int64_t>(365 * 24), std::vector<std::int64_t>(365 * 24, -1)};
  for (const UtcTime t : pulses) {
    const std::int64_t h = to_epoch_us(t) / hour_us - first_day * 24;
    if (h >= 0 && h < 365 * 24) {
      ++year.per_hour[static_cast<std::size_t>(h)];
      year.last_pulse[static_cast<std::size_t>(h)] = to_epoch_us(t);
    }
  }
  for (std::size_t h = 1; h < year.last_pulse.size(); ++h) {
    year.last_pulse[h] = std::max(year.last_pulse[h], year.last_pulse[h - 1]);
  }
  return year;
}

// The alerts as they would be found at `now_us` (a whole hour), from the
// 60 days of hours before it.
std::vector<Alert> alerts_at(const Meter &meter, const CountedYear &year, std::int64_t now_us,
                             const AlertSettings &settings = {}) {
  const std::int64_t now_hour = now_us / hour_us - first_day * 24;
  std::vector<LocalHour> hours;
  for (std::int64_t h = std::max<std::int64_t>(0, now_hour - 60 * 24); h < now_hour; ++h) {
    const std::int64_t day = first_day + h / 24;
    hours.push_back({day, static_cast<int>(h % 24), static_cast<int>((day + 3) % 7),
                     year.per_hour[static_cast<std::size_t>(h)]});
  }
  const std::int64_t last = year.last_pulse[static_cast<std::size_t>(now_hour - 1)];
  const std::optional<std::int64_t> silent =
      last >= 0 ? std::optional<std::int64_t>((now_us - last) / hour_us) : std::nullopt;
  return find_alerts(meter, hours, silent, settings);
}

std::vector<Alert> alerts_at(const Meter &meter, const std::vector<UtcTime> &pulses,
                             std::int64_t now_us) {
  return alerts_at(meter, count(pulses), now_us);
}

std::map<AlertKind, int> alerts_over_the_year(const Meter &meter,
                                              const std::vector<UtcTime> &pulses) {
  const CountedYear year = count(pulses);
  std::map<AlertKind, int> raised;
  for (std::int64_t day = first_day + 40; day < first_day + 365; ++day) {
    for (const Alert &alert : alerts_at(meter, year, (day * 24 + 8) * hour_us)) {
      ++raised[alert.kind];
    }
  }
  return raised;
}

bool has(const std::vector<Alert> &alerts, AlertKind kind) {
  return std::any_of(alerts.begin(), alerts.end(),
                     [&](const Alert &alert) { return alert.kind == kind; });
}

TEST(Alerts, AnOrdinaryYearRaisesNothing) {
  // Checked every morning at 08:00, three households of each kind.
  for (const std::uint64_t seed : {1U, 2U, 3U}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    EXPECT_EQ(alerts_over_the_year(meter_of(MeterKind::electricity),
                                   year_of(simulator::Profile::electricity, seed)),
              (std::map<AlertKind, int>{}));
    EXPECT_EQ(
        alerts_over_the_year(meter_of(MeterKind::gas), year_of(simulator::Profile::gas, seed)),
        (std::map<AlertKind, int>{}));
    EXPECT_EQ(
        alerts_over_the_year(meter_of(MeterKind::water), year_of(simulator::Profile::water, seed)),
        (std::map<AlertKind, int>{}));
  }
}

TEST(Alerts, AWaterLeakIsToldAfterItsThirdNight) {
  const std::int64_t leak_day = first_day + 100;
  // 12 L an hour from noon on the leak's day.
  const auto pulses = year_of(simulator::Profile::water, 1, [&](std::int64_t day, int hour) {
    return day > leak_day || (day == leak_day && hour >= 12) ? 0.012 : 0.0;
  });
  const Meter water = meter_of(MeterKind::water);
  EXPECT_FALSE(
      has(alerts_at(water, pulses, (leak_day + 2) * day_us + 8 * hour_us), AlertKind::leak))
      << "two nights are not yet three";
  const auto alerts = alerts_at(water, pulses, (leak_day + 3) * day_us + 8 * hour_us);
  ASSERT_TRUE(has(alerts, AlertKind::leak));
  EXPECT_NE(alerts.front().message.find("at least 12 L an hour"), std::string::npos)
      << alerts.front().message;
  EXPECT_EQ(alerts.front().since_day, leak_day + 1);
}

TEST(Alerts, ASensorThatFellOffIsToldOnceItIsQuieterThanEverBefore) {
  const std::int64_t cut_us = (first_day + 200) * day_us + 12 * hour_us;
  const auto pulses = year_of(simulator::Profile::electricity, 2, {}, cut_us);
  const Meter meter = meter_of(MeterKind::electricity);
  EXPECT_FALSE(has(alerts_at(meter, pulses, cut_us + 2 * hour_us), AlertKind::silent));
  const auto alerts = alerts_at(meter, pulses, cut_us + 4 * hour_us);
  ASSERT_TRUE(has(alerts, AlertKind::silent));
  EXPECT_NE(alerts.front().message.find("no pulse for 4 hours"), std::string::npos)
      << alerts.front().message;
  // A gas meter is quiet for most of a summer's day: only longer than that is news.
  const auto gas = year_of(simulator::Profile::gas, 2, {}, cut_us);
  EXPECT_FALSE(
      has(alerts_at(meter_of(MeterKind::gas), gas, cut_us + 4 * hour_us), AlertKind::silent));
  EXPECT_TRUE(
      has(alerts_at(meter_of(MeterKind::gas), gas, cut_us + 3 * day_us), AlertKind::silent));
}

TEST(Alerts, ANewAlwaysOnLoadIsToldWithinAWeek) {
  const std::int64_t step_day = first_day + 150;
  const auto pulses = year_of(simulator::Profile::electricity, 3, [&](std::int64_t day, int) {
    return day >= step_day ? 0.15 : 0.0; // a 150 W heater left on
  });
  const Meter meter = meter_of(MeterKind::electricity);
  EXPECT_FALSE(
      has(alerts_at(meter, pulses, step_day * day_us + 8 * hour_us), AlertKind::base_load));
  const auto alerts = alerts_at(meter, pulses, (step_day + 7) * day_us + 8 * hour_us);
  ASSERT_TRUE(has(alerts, AlertKind::base_load));
  EXPECT_NE(alerts.front().message.find("something new is always on"), std::string::npos)
      << alerts.front().message;
}

TEST(Alerts, ADayOfHeavyUseIsToldTheMorningAfter) {
  const std::int64_t heavy_day = first_day + 250;
  const auto pulses = year_of(simulator::Profile::electricity, 1, [&](std::int64_t day, int) {
    return day == heavy_day ? 2.0 : 0.0; // a 2 kW heater all day
  });
  const Meter meter = meter_of(MeterKind::electricity);
  EXPECT_FALSE(
      has(alerts_at(meter, pulses, heavy_day * day_us + 8 * hour_us), AlertKind::unusual_day));
  const auto alerts = alerts_at(meter, pulses, (heavy_day + 1) * day_us + 8 * hour_us);
  ASSERT_TRUE(has(alerts, AlertKind::unusual_day));
  EXPECT_NE(alerts.back().message.find("yesterday used"), std::string::npos)
      << alerts.back().message;
}

TEST(Alerts, ANewMetersFirstWeeksRaiseNothing) {
  // Simulated from day 30 only: the quiet days before were not its household's.
  const auto pulses = year_of(simulator::Profile::electricity, 1, {});
  std::vector<UtcTime> late;
  std::copy_if(pulses.begin(), pulses.end(), std::back_inserter(late),
               [](UtcTime t) { return to_epoch_us(t) >= (first_day + 30) * day_us + 9 * hour_us; });
  const CountedYear year = count(late);
  const Meter meter = meter_of(MeterKind::electricity);
  for (std::int64_t day = first_day + 31; day < first_day + 80; ++day) {
    const auto alerts = alerts_at(meter, year, (day * 24 + 8) * hour_us);
    EXPECT_TRUE(alerts.empty()) << "day " << day - first_day << ": " << alerts.front().message;
  }
}

TEST(Alerts, AMeterThatNeverPulsedRaisesNothing) {
  EXPECT_TRUE(find_alerts(meter_of(MeterKind::water), {}, std::nullopt, {}).empty());
}

} // namespace
} // namespace pulsemon

namespace pulsemon {
namespace {

// Hours of `days` days from first_day, `watts(day, hour)` each, on a
// 1000 imp/kWh meter.
std::vector<LocalHour> hours_of(int days, const std::function<double(int, int)> &watts) {
  std::vector<LocalHour> hours;
  for (int day = 0; day < days; ++day) {
    for (int hour = 0; hour < 24; ++hour) {
      hours.push_back({first_day + day, hour, day % 7,
                       static_cast<std::int64_t>(std::lround(watts(day, hour)))});
    }
  }
  return hours;
}

TEST(BaseLoad, IsTheMedianOfTheLastWeeksLowestNightHours) {
  // Nights at 150 W with one busy hour; days at 900 W; one night of a week
  // ago at 40 W, and this week's nights at 200 W from the fourth on.
  const auto hours = hours_of(14, [](int day, int hour) {
    if (hour >= 5) {
      return 900.0;
    }
    if (hour == 2) {
      return 600.0;
    }
    if (day == 6) {
      return 40.0;
    }
    return day >= 10 ? 200.0 : 150.0;
  });
  const auto watts = base_load_watts(meter_of(MeterKind::electricity), hours);
  ASSERT_TRUE(watts.has_value());
  EXPECT_DOUBLE_EQ(*watts, 200.0) << "four of the last seven nights at 200 W";
  EXPECT_FALSE(base_load_watts(meter_of(MeterKind::water), hours).has_value());
  EXPECT_FALSE(base_load_watts(meter_of(MeterKind::electricity), {}).has_value());
}

TEST(BaseLoad, CostsItsWattsAroundTheClockAtTheTariffsAveragePrice) {
  Meter meter = meter_of(MeterKind::electricity);
  EXPECT_FALSE(yearly_cost_of_load(meter, 100.0).has_value()) << "no tariff, no cost";
  meter.tariff = "0.30;standing=0.50";
  // 0.1 kW for 8766 hours at 0.30: the standing charge is not the load's.
  EXPECT_NEAR(*yearly_cost_of_load(meter, 100.0), 0.1 * 8766 * 0.30, 1e-9);
  // Nights (8 of 24 hours) at 0.15, the rest at 0.30: an average of 0.25.
  meter.tariff = "0.30;night=0.15@all 23:00-07:00";
  EXPECT_NEAR(*yearly_cost_of_load(meter, 100.0), 0.1 * 8766 * 0.25, 1e-9);
  meter.unit = "Wh";
  meter.tariff = "0.30/kWh";
  EXPECT_NEAR(*yearly_cost_of_load(meter, 100.0), 0.1 * 8766 * 0.30, 1e-9);
}

} // namespace
} // namespace pulsemon

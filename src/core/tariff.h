#pragma once
// Prices per unit of a meter, optionally by time of use.
//
// A tariff is written as one line of text, so that it fits a CLI argument,
// a TOML value and a database column alike:
//
//   0.28                                           flat price per unit
//   0.22;peak=0.35@Mon-Fri 07:00-23:00             a base price and periods
//   0.22;night=0.15@all 23:00-07:00;weekend=0.18@Sat,Sun 00:00-24:00
//   0.07/kWh;standing=0.29                         gas priced per kWh, a standing charge
//
// A base price followed by "/kWh" prices every period per kWh: a gas
// meter's volume is then converted with its calorific values (core/gas.h),
// as UK suppliers bill it. "standing=PRICE" is a charge per local day,
// spread evenly over the day's length, so an hour carries 1/24 of it (1/23
// on a spring-forward day) and a day so far the share that has passed.
//
// The first period that matches a local time wins, otherwise the base price
// applies. A period that ends before it starts runs past midnight into the
// next day; its days name the day it starts on. Period times are multiples
// of 15 minutes, so a quarter-hour rollup prices energy exactly.

#include "core/result.h"
#include "core/time.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace date {
class time_zone;
}

namespace pulsemon {

struct TouPeriod {
  std::string name;
  std::uint8_t weekdays = 0; // bit 0 = Monday … bit 6 = Sunday
  int start_minute = 0;      // minute of the local day, inclusive
  int end_minute = 0;        // exclusive; may be ≤ start (runs past midnight)
  double price = 0.0;
};

class Calendar;

enum class PricedPer { meter_unit, kwh };

struct Tariff {
  double base_price = 0.0;
  std::vector<TouPeriod> periods;
  PricedPer per = PricedPer::meter_unit;
  double standing_per_day = 0.0;

  // weekday: 0 = Monday … 6 = Sunday; minute_of_day: 0 … 1439.
  [[nodiscard]] double price_at(int weekday, int minute_of_day) const;
  // The price in force at a UTC instant, read on the zone's local clock.
  [[nodiscard]] double price_at(const date::time_zone &zone, UtcTime t) const;
  [[nodiscard]] bool has_periods() const { return !periods.empty(); }
  // The price of use spread evenly over every quarter hour of a week: what
  // a unit of an always-on load costs.
  [[nodiscard]] double average_price() const;
  // The standing charge that falls in [from, to): each local day of the
  // calendar's zone carries standing_per_day, spread evenly over its length.
  [[nodiscard]] double standing_charge(const Calendar &calendar, UtcTime from, UtcTime to) const;
};

[[nodiscard]] Result<Tariff> parse_tariff(std::string_view text);

} // namespace pulsemon

#include "friends/share_document.h"

#include "core/household.h"
#include "core/meter.h"
#include "core/share_link.h"
#include "core/time_text.h"
#include "core/untrusted_json.h"

#include <date/tz.h>

#include <cmath>

namespace pulsemon {

namespace {

// Ten years of days and a little: more periods than any share holds.
constexpr std::size_t max_periods = static_cast<std::size_t>(max_share_window_days) + 1;
constexpr double max_period_value = 1e9;
constexpr std::size_t max_text_bytes = 200;

Error refused(const std::string &why) {
  return invalid_argument("the share " + why);
}

// A YYYY-MM-DD date that exists, as the same text; read digit by digit
// (date::parse trips g++'s maybe-uninitialized warning at -O2).
std::optional<std::string> day_text(const nlohmann::json &value) {
  if (!value.is_string() || value.get_ref<const std::string &>().size() != 10) {
    return std::nullopt;
  }
  const std::string &text = value.get_ref<const std::string &>();
  int number[3] = {0, 0, 0};
  int part = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == 4 || i == 7) {
      if (text[i] != '-') {
        return std::nullopt;
      }
      ++part;
    } else if (text[i] >= '0' && text[i] <= '9') {
      number[part] = number[part] * 10 + (text[i] - '0');
    } else {
      return std::nullopt;
    }
  }
  const date::year_month_day day{date::year{number[0]},
                                 date::month{static_cast<unsigned>(number[1])},
                                 date::day{static_cast<unsigned>(number[2])}};
  if (!day.ok()) {
    return std::nullopt;
  }
  return text;
}

std::optional<std::string> short_text(const nlohmann::json &value) {
  if (!value.is_string() || value.get_ref<const std::string &>().size() > max_text_bytes) {
    return std::nullopt;
  }
  return value.get<std::string>();
}

Result<nlohmann::json> checked_household(const nlohmann::json &given) {
  HouseholdProfile profile;
  nlohmann::json kept{{"people", nullptr}, {"floor_area_m2", nullptr}, {"heating", nullptr}};
  if (!given.is_object()) {
    return given.is_null() ? Result<nlohmann::json>(kept)
                           : Result<nlohmann::json>(refused("household is not an object"));
  }
  if (const auto people = given.find("people"); people != given.end() && !people->is_null()) {
    const auto value = json_integer_in(*people, 1, max_people);
    if (!value) {
      return refused("household's people is not a whole number from 1 to 50");
    }
    kept["people"] = *value;
  }
  if (const auto area = given.find("floor_area_m2"); area != given.end() && !area->is_null()) {
    if (!area->is_number() || !std::isfinite(area->get<double>()) ||
        area->get<double>() < min_floor_area_m2 || area->get<double>() > max_floor_area_m2) {
      return refused("household's floor area is not a number of m² from 5 to 10000");
    }
    kept["floor_area_m2"] = area->get<double>();
  }
  if (const auto heating = given.find("heating"); heating != given.end() && !heating->is_null()) {
    profile.heating = heating->is_string() ? heating->get<std::string>() : "?";
    if (validate_household(profile)) {
      return refused("household's heating is not one pulsemon knows");
    }
    kept["heating"] = profile.heating;
  }
  return kept;
}

Result<nlohmann::json> checked_meter(const nlohmann::json &given, const std::string &first_day,
                                     const std::string &last_day, int ref) {
  const std::string which = "meter " + std::to_string(ref);
  if (!given.is_object()) {
    return refused("'s " + which + " is not an object");
  }
  const auto kind = given.find("kind");
  const auto unit = given.find("unit");
  const auto periods = given.find("periods");
  if (kind == given.end() ||
      !parse_meter_kind(kind->is_string() ? kind->get<std::string>() : "").ok()) {
    return refused("'s " + which + " has no kind pulsemon knows");
  }
  if (unit == given.end() || !short_text(*unit) ||
      unit->get_ref<const std::string &>().size() > 16) {
    return refused("'s " + which + " has no unit");
  }
  if (periods == given.end() || !periods->is_array() || periods->size() > max_periods) {
    return refused("'s " + which + " has no list of periods, or more than a share holds");
  }
  nlohmann::json kept{{"ref", ref}, {"kind", *kind}, {"unit", *unit}};
  for (const char *field : {"name", "location"}) {
    if (const auto text = given.find(field); text != given.end()) {
      if (!short_text(*text)) {
        return refused("'s " + which + " has a " + field + " that is not a short text");
      }
      kept[field] = *text;
    }
  }
  nlohmann::json kept_periods = nlohmann::json::array();
  std::string previous_last;
  for (const nlohmann::json &period : *periods) {
    if (!period.is_object()) {
      return refused("'s " + which + " has a period that is not an object");
    }
    const auto first = day_text(period.value("first_day", nlohmann::json()));
    const auto last = day_text(period.value("last_day", nlohmann::json()));
    if (!first || !last || *last < *first) {
      return refused("'s " + which + " has a period without two days in order");
    }
    if (*first < first_day || *last > last_day) {
      return refused("'s " + which + " has a period (" + *first + " to " + *last +
                     ") outside its window");
    }
    if (*first <= previous_last) {
      return refused("'s " + which + " has periods out of order or overlapping");
    }
    previous_last = *last;
    const nlohmann::json value = period.value("value", nlohmann::json());
    if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() < 0.0 ||
        value.get<double>() > max_period_value) {
      return refused("'s " + which + " has, for " + *first + ", " +
                     (value.is_number() && value.get<double>() < 0.0
                          ? std::string("a negative value")
                          : "no value that is a number from 0 to 10^9"));
    }
    nlohmann::json item{{"first_day", *first}, {"last_day", *last}, {"value", value}};
    if (const auto kwh = period.find("kwh"); kwh != period.end()) {
      if (!kwh->is_number() || !std::isfinite(kwh->get<double>()) || kwh->get<double>() < 0.0 ||
          kwh->get<double>() > max_period_value) {
        return refused("'s " + which + " has, for " + *first + ", a kWh figure out of range");
      }
      item["kwh"] = *kwh;
    }
    kept_periods.push_back(std::move(item));
  }
  kept["periods"] = std::move(kept_periods);
  return kept;
}

} // namespace

Result<CheckedShare> check_share_document(std::string_view body, std::string_view today) {
  auto parsed = parse_untrusted_json(body, "share", 5);
  if (!parsed.ok()) {
    return refused("is not JSON (or is nested too deep)");
  }
  const nlohmann::json &given = *parsed;
  if (!given.is_object() || given.value("pulsemon_share", nlohmann::json()) != 1) {
    return refused("is not a pulsemon share (no \"pulsemon_share\": 1)");
  }
  const auto granularity = given.value("granularity", nlohmann::json());
  if (!granularity.is_string() || !parse_share_granularity(granularity.get<std::string>()).ok()) {
    return refused("has no granularity of day, week or month");
  }
  const auto first_day = day_text(given.value("first_day", nlohmann::json()));
  const auto last_day = day_text(given.value("last_day", nlohmann::json()));
  if (!first_day || !last_day || *last_day < *first_day) {
    return refused("has no window of two days in order");
  }
  if (*last_day > today) {
    return refused("has days in the future (to " + *last_day + ")");
  }
  const auto label = short_text(given.value("label", nlohmann::json("")));
  if (!label) {
    return refused("has a label that is not a short text");
  }
  auto household = checked_household(given.value("household", nlohmann::json()));
  if (!household.ok()) {
    return household.error();
  }
  const auto meters = given.find("meters");
  if (meters == given.end() || !meters->is_array() || meters->size() > max_link_meters) {
    return refused("has no list of at most " + std::to_string(max_link_meters) + " meters");
  }
  CheckedShare checked;
  checked.figures = {{"pulsemon_share", 1},
                     {"label", *label},
                     {"granularity", granularity},
                     {"first_day", *first_day},
                     {"last_day", *last_day},
                     {"household", *household},
                     {"meters", nlohmann::json::array()}};
  int ref = 0;
  for (const nlohmann::json &meter : *meters) {
    auto kept = checked_meter(meter, *first_day, *last_day, ++ref);
    if (!kept.ok()) {
      return kept.error();
    }
    checked.figures["meters"].push_back(*kept);
  }
  if (const auto expires = given.find("expires"); expires != given.end() && !expires->is_null()) {
    auto when = expires->is_string()
                    ? parse_time(expires->get<std::string>(), *date::locate_zone("UTC"))
                    : Result<UtcTime>(invalid_argument(""));
    if (!when.ok()) {
      return refused("has an expiry that is not a time");
    }
    checked.expires = *when;
    checked.figures["expires"] = *expires;
  }
  return checked;
}

} // namespace pulsemon

// pulsemon meter add | list | set | reading | calorific
#include "api/meter_view.h"
#include "app/cli_context.h"
#include "app/site_argument.h"
#include "core/quoted_input.h"
#include "core/tariff.h"
#include "core/time_text.h"

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <iomanip>
#include <iostream>

namespace pulsemon {

namespace {

struct AddOptions {
  Meter meter;
  std::string kind;
  std::string unit;
  double min_interval_ms = to_seconds(FilterSettings{}.min_interval) * 1000.0;
  double min_width_ms = to_seconds(FilterSettings{}.min_width) * 1000.0;
  std::int64_t power_timeout_s = 600;
  std::string site; // id or name; empty: the home site
};

Result<double> parse_number(std::string_view key, std::string_view text) {
  double value = 0.0;
  const auto *end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || !std::isfinite(value)) {
    return invalid_argument(std::string(key) + ": " + quoted_input(text) + " is not a number");
  }
  return value;
}

void run_add(CliContext &context, AddOptions options) {
  Meter &meter = options.meter;
  meter.kind = value_or_throw(parse_meter_kind(options.kind));
  meter.unit = options.unit.empty() ? std::string(default_unit(meter.kind)) : options.unit;
  meter.filter.min_interval =
      value_or_throw(filter_milliseconds("--min-interval-ms", options.min_interval_ms));
  meter.filter.min_width =
      value_or_throw(filter_milliseconds("--min-width-ms", options.min_width_ms));
  meter.power_timeout = value_or_throw(
      power_timeout_seconds("--power-timeout-s", static_cast<double>(options.power_timeout_s)));
  if (auto error = validate_meter(meter)) {
    throw Failure(*error);
  }
  if (!meter.tariff.empty()) {
    (void)value_or_throw(parse_tariff(meter.tariff));
  }
  auto store = context.open_store();
  meter.site_id = options.site.empty() ? home_site_id : site_argument(*store, options.site).id;
  store->add_meter(meter, wall_now());
  std::cout << "Added meter " << meter.id << " '" << meter.name << "' (" << to_string(meter.kind)
            << ", " << meter.pulses_per_unit << " pulses per " << meter.unit << ")\n"
            << "A running 'pulsemon serve' takes its pulses within a second; a GPIO line or "
               "simulator for it needs a section in the config and a restart\n";
}

void run_list(CliContext &context, bool as_json) {
  auto store = context.open_store();
  const UtcTime now = wall_now();
  nlohmann::json all = nlohmann::json::array();
  for (const Meter &meter : store->meters()) {
    all.push_back(meter_view(*store, meter, now));
  }
  if (as_json) {
    std::cout << all.dump(2) << '\n';
    return;
  }
  if (all.empty()) {
    std::cout << "No meters yet. Add one with 'pulsemon meter add --id 1 --name House --kind "
                 "electricity --ppu 1000'.\n";
    return;
  }
  std::cout << std::left << std::setw(5) << "ID" << std::setw(24) << "NAME" << std::setw(13)
            << "KIND" << std::setw(10) << "PPU" << std::setw(12) << "PULSES"
            << "TOTAL\n";
  for (const auto &m : all) {
    std::ostringstream total;
    total << std::fixed << std::setprecision(3) << m["total"].get<double>() << ' '
          << m["unit"].get<std::string>();
    std::cout << std::left << std::setw(5) << m["id"].get<std::int64_t>() << std::setw(24)
              << m["name"].get<std::string>() << std::setw(13) << m["kind"].get<std::string>()
              << std::setw(10) << m["ppu"].get<double>() << std::setw(12)
              << m["pulses"].get<std::int64_t>() << total.str() << '\n';
  }
}

// Applies one KEY=VALUE to a meter; names the key when it or the value is bad.
void apply_setting(Meter &meter, const std::string &assignment) {
  const auto equals = assignment.find('=');
  if (equals == std::string::npos) {
    throw Failure(invalid_argument("'" + assignment + "' is not KEY=VALUE"));
  }
  const std::string key = assignment.substr(0, equals);
  const std::string value = assignment.substr(equals + 1);
  if (key == "name") {
    meter.name = value;
  } else if (key == "location") {
    meter.location = value;
  } else if (key == "kind") {
    meter.kind = value_or_throw(parse_meter_kind(value));
  } else if (key == "unit") {
    meter.unit = value;
  } else if (key == "ppu") {
    meter.pulses_per_unit = value_or_throw(parse_number(key, value));
  } else if (key == "tariff") {
    if (!value.empty()) {
      (void)value_or_throw(parse_tariff(value));
    }
    meter.tariff = value;
  } else if (key == "min_interval_ms") {
    meter.filter.min_interval =
        value_or_throw(filter_milliseconds(key, value_or_throw(parse_number(key, value))));
  } else if (key == "min_width_ms") {
    meter.filter.min_width =
        value_or_throw(filter_milliseconds(key, value_or_throw(parse_number(key, value))));
  } else if (key == "power_timeout_s") {
    meter.power_timeout =
        value_or_throw(power_timeout_seconds(key, value_or_throw(parse_number(key, value))));
  } else {
    throw Failure(invalid_argument(quoted_input(key) +
                                   " is not a meter setting (name, location, kind, unit, ppu, "
                                   "tariff, min_interval_ms, min_width_ms, power_timeout_s)"));
  }
}

void run_set(CliContext &context, std::int64_t id, const std::vector<std::string> &assignments) {
  auto store = context.open_store();
  Meter meter = store->meter(id);
  for (const std::string &assignment : assignments) {
    apply_setting(meter, assignment);
  }
  store->update_meter(meter);
  std::cout << "Updated meter " << id
            << "; a running 'pulsemon serve' applies it within a second\n";
}

UtcTime time_option(CliContext &context, const std::string &text, UtcTime fallback) {
  if (text.empty()) {
    return fallback;
  }
  return value_or_throw(parse_time(text, *date::locate_zone(context.config().zone)));
}

} // namespace

void add_meter_command(CLI::App &app, CliContext &context) {
  CLI::App *meter = app.add_subcommand("meter", "Add, list and change meters; record readings");
  meter->require_subcommand(1);

  auto add = std::make_shared<AddOptions>();
  CLI::App *add_cmd = meter->add_subcommand("add", "Add a meter");
  add_cmd->add_option("--id", add->meter.id, "meter id, a positive whole number")->required();
  add_cmd->add_option("--name", add->meter.name, "a name people recognise")->required();
  add_cmd->add_option("--kind", add->kind, "electricity | gas | water | heat")->required();
  add_cmd
      ->add_option("--ppu", add->meter.pulses_per_unit,
                   "pulses per unit, as printed on the meter (e.g. 1000 imp/kWh)")
      ->required();
  add_cmd->add_option("--unit", add->unit,
                      "unit of the register (default: kWh, or m³ for gas and water)");
  add_cmd->add_option("--location", add->meter.location, "where the meter is");
  add_cmd->add_option("--site", add->site, "the site (id or name) that owns it (default: home)");
  add_cmd->add_option("--tariff", add->meter.tariff,
                      "price per unit, e.g. 0.28, '0.22;standing=0.45;peak=0.35@Mon-Fri "
                      "07:00-23:00' or, for gas per kWh, '0.06/kWh;standing=0.31'");
  add_cmd
      ->add_option("--min-interval-ms", add->min_interval_ms,
                   "edges closer than this to the last pulse are bounces")
      ->capture_default_str();
  add_cmd
      ->add_option("--min-width-ms", add->min_width_ms,
                   "pulses narrower than this are glitches (when both edges are seen)")
      ->capture_default_str();
  add_cmd
      ->add_option("--power-timeout-s", add->power_timeout_s,
                   "power falls to 0 after this long without a pulse")
      ->capture_default_str();
  add_cmd->callback([&context, add] { run_add(context, *add); });

  auto json = std::make_shared<bool>(false);
  CLI::App *list = meter->add_subcommand("list", "List meters with their pulse counts and totals");
  list->add_flag("--json", *json, "print a JSON array (stable for scripts)");
  list->callback([&context, json] { run_list(context, *json); });

  auto set_id = std::make_shared<std::int64_t>(0);
  auto assignments = std::make_shared<std::vector<std::string>>();
  CLI::App *set = meter->add_subcommand("set", "Change a meter's settings: ID KEY=VALUE…");
  set->add_option("id", *set_id, "meter id")->required();
  set->add_option("settings", *assignments,
                  "name, location, kind, unit, ppu, tariff, min_interval_ms, min_width_ms, "
                  "power_timeout_s")
      ->required();
  set->callback([&context, set_id, assignments] { run_set(context, *set_id, *assignments); });

  struct ReadingOptions {
    std::int64_t id = 0;
    double value = 0.0;
    std::string at;
    bool replacement = false;
  };
  auto reading = std::make_shared<ReadingOptions>();
  CLI::App *reading_cmd = meter->add_subcommand(
      "reading", "Record what the meter's register showed (or a new meter's start value)");
  reading_cmd->add_option("id", reading->id, "meter id")->required();
  reading_cmd->add_option("value", reading->value, "the register value, in the meter's unit")
      ->required();
  reading_cmd->add_option("--at", reading->at, "when it showed that (default: now)");
  reading_cmd->add_flag("--replacement", reading->replacement,
                        "the meter was replaced; the new one starts at VALUE");
  reading_cmd->callback([&context, reading] {
    auto store = context.open_store();
    const UtcTime at = time_option(context, reading->at, wall_now());
    store->add_register_record(reading->id, {at, reading->value, reading->replacement});
    const RegisterState state = store->register_state(reading->id, wall_now());
    std::cout << "Recorded; meter " << reading->id << " now shows " << std::fixed
              << std::setprecision(3) << state.register_value << " (total " << state.total << ")\n";
  });

  struct CalorificOptions {
    std::int64_t id = 0;
    double value = 0.0;
    std::string from;
    double correction = 1.02264;
  };
  auto calorific = std::make_shared<CalorificOptions>();
  CLI::App *cv =
      meter->add_subcommand("calorific", "Record a gas calorific value (MJ/m³) from a date on");
  cv->add_option("id", calorific->id, "gas meter id")->required();
  cv->add_option("value", calorific->value, "calorific value in MJ/m³, from the gas bill")
      ->required();
  cv->add_option("--from", calorific->from, "effective from (default: now)");
  cv->add_option("--correction", calorific->correction, "volume correction factor")
      ->capture_default_str();
  cv->callback([&context, calorific] {
    auto store = context.open_store();
    const UtcTime from = time_option(context, calorific->from, wall_now());
    store->add_calorific_value(calorific->id, {from, calorific->value, calorific->correction});
    std::cout << "Recorded calorific value " << calorific->value << " MJ/m³ for meter "
              << calorific->id << '\n';
  });
}

} // namespace pulsemon

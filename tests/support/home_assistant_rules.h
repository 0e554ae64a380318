#pragma once
// Home Assistant's rules for MQTT discovery configs of sensors, written down
// from HA's own tables so that a test can hold pulsemon's discovery
// payloads against them: homeassistant/components/sensor/const.py
// (DEVICE_CLASS_UNITS, DEVICE_CLASS_STATE_CLASSES; only the device classes
// pulsemon uses), homeassistant/components/energy/validate.py (which units
// and state classes the energy dashboard takes for electricity, gas and
// water), and MQTT device discovery's required keys (device identifiers,
// origin name, each component's platform).
//
// problems(payload) lists every rule a config breaks; empty means HA takes it.

#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace pulsemon::testing {

inline const std::map<std::string, std::set<std::string>> &ha_device_class_units() {
  static const std::map<std::string, std::set<std::string>> units{
      {"power", {"W", "kW", "MW", "GW", "TW", "BTU/h"}},
      {"volume_flow_rate", {"m³/h", "ft³/min", "L/min", "gal/min"}}, // HA 2024.1 and later
      {"energy", {"Wh", "kWh", "MWh", "GWh", "TWh", "MJ", "GJ", "cal", "kcal", "Mcal", "Gcal"}},
      {"gas", {"m³", "ft³", "CCF"}},
      {"water", {"L", "m³", "ft³", "CCF", "gal"}},
  };
  return units;
}

inline const std::map<std::string, std::set<std::string>> &ha_device_class_state_classes() {
  static const std::map<std::string, std::set<std::string>> classes{
      {"power", {"measurement"}},
      {"volume_flow_rate", {"measurement"}},
      {"energy", {"total", "total_increasing"}},
      {"gas", {"total", "total_increasing"}},
      {"water", {"total", "total_increasing"}},
      {"monetary", {"total"}},
  };
  return classes;
}

// What the energy dashboard offers as a consumption source, by device class.
inline const std::map<std::string, std::set<std::string>> &ha_energy_dashboard_units() {
  static const std::map<std::string, std::set<std::string>> units{
      {"energy", {"Wh", "kWh", "MWh", "MJ", "GJ"}},
      {"gas", {"m³", "ft³", "CCF"}},
      {"water", {"L", "m³", "ft³", "CCF", "gal"}},
  };
  return units;
}

inline std::vector<std::string> ha_sensor_problems(const std::string &name,
                                                   const nlohmann::json &sensor) {
  std::vector<std::string> problems;
  auto problem = [&](const std::string &text) { problems.push_back(name + ": " + text); };
  for (const char *key : {"platform", "unique_id", "name", "state_topic"}) {
    if (!sensor.contains(key) || !sensor[key].is_string() ||
        sensor[key].get<std::string>().empty()) {
      problem(std::string("no ") + key);
    }
  }
  const std::string state_class = sensor.value("state_class", "");
  const std::string unit = sensor.value("unit_of_measurement", "");
  if (!state_class.empty() && state_class != "measurement" && state_class != "total" &&
      state_class != "total_increasing") {
    problem("unknown state class " + state_class);
  }
  if (sensor.contains("last_reset_value_template") && state_class != "total") {
    problem("a last reset is only for state class total");
  }
  if (!sensor.contains("device_class")) {
    return problems;
  }
  const std::string device_class = sensor["device_class"];
  if (device_class == "monetary") {
    const bool iso_4217 = unit.size() == 3 && std::all_of(unit.begin(), unit.end(), [](char c) {
                            return c >= 'A' && c <= 'Z';
                          });
    if (!iso_4217) {
      problem("monetary needs an ISO 4217 currency, not '" + unit + "'");
    }
  } else if (const auto units = ha_device_class_units().find(device_class);
             units == ha_device_class_units().end()) {
    problem("a device class this check does not know: " + device_class);
  } else if (!units->second.contains(unit)) {
    problem("HA does not take '" + unit + "' for device class " + device_class);
  }
  if (const auto classes = ha_device_class_state_classes().find(device_class);
      classes != ha_device_class_state_classes().end() && !classes->second.contains(state_class)) {
    problem("HA does not take state class '" + state_class + "' for device class " + device_class);
  }
  if (device_class == "monetary" && state_class == "total" &&
      !sensor.contains("last_reset_value_template")) {
    problem("a daily cost with state class total needs a last reset");
  }
  return problems;
}

// Every rule a device-discovery config breaks.
inline std::vector<std::string> ha_discovery_problems(const nlohmann::json &config) {
  std::vector<std::string> problems;
  if (!config.contains("device") || !config["device"].contains("identifiers") ||
      config["device"]["identifiers"].empty()) {
    problems.emplace_back("device discovery needs device.identifiers");
  }
  if (!config.contains("origin") || !config["origin"].contains("name")) {
    problems.emplace_back("device discovery needs origin.name");
  }
  if (!config.contains("components") || !config["components"].is_object() ||
      config["components"].empty()) {
    problems.emplace_back("device discovery needs components");
    return problems;
  }
  std::set<std::string> unique_ids;
  for (const auto &[name, component] : config["components"].items()) {
    const std::string platform = component.value("platform", "");
    if (platform == "sensor") {
      for (std::string &problem : ha_sensor_problems(name, component)) {
        problems.push_back(std::move(problem));
      }
    } else if (platform != "binary_sensor") {
      problems.push_back(name + ": platform '" + platform + "' is not one pulsemon should send");
    }
    if (!unique_ids.insert(component.value("unique_id", "")).second) {
      problems.push_back(name + ": unique_id used twice");
    }
  }
  return problems;
}

// Whether the energy dashboard would offer `sensor` as a consumption source.
inline bool ha_energy_dashboard_takes(const nlohmann::json &sensor) {
  const std::string device_class = sensor.value("device_class", "");
  const std::string state_class = sensor.value("state_class", "");
  const auto units = ha_energy_dashboard_units().find(device_class);
  return units != ha_energy_dashboard_units().end() &&
         units->second.contains(sensor.value("unit_of_measurement", "")) &&
         (state_class == "total" || state_class == "total_increasing");
}

} // namespace pulsemon::testing

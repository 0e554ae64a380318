#include "publish/ha_discovery.h"

#include <array>
#include <charconv>
#include <string_view>

namespace pulsemon::publish {

namespace {

template <std::size_t N>
bool one_of(const std::array<std::string_view, N> &units, std::string_view unit) {
  for (const std::string_view candidate : units) {
    if (candidate == unit) {
      return true;
    }
  }
  return false;
}

// The units HA's sensor platform and energy dashboard accept for each
// device class pulsemon uses (see the header).
constexpr std::array<std::string_view, 5> energy_units{"Wh", "kWh", "MWh", "MJ", "GJ"};
constexpr std::array<std::string_view, 3> gas_units{"m³", "ft³", "CCF"};
constexpr std::array<std::string_view, 5> water_units{"L", "m³", "ft³", "CCF", "gal"};

std::string meter_device_id(const DiscoveryNames &names, std::int64_t meter_id) {
  return discovery_id(names) + "_meter_" + std::to_string(meter_id);
}

// The meter id that `topic` holds between `head` and `tail` (a whole
// number above 0, nothing else), or nothing for another topic.
std::optional<std::int64_t> meter_id_between(const std::string &topic, const std::string &head,
                                             std::string_view tail) {
  if (topic.size() <= head.size() + tail.size() || !topic.starts_with(head) ||
      !topic.ends_with(tail)) {
    return std::nullopt;
  }
  const std::string_view digits(topic.data() + head.size(),
                                topic.size() - head.size() - tail.size());
  std::int64_t id = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (error != std::errc{} || end != digits.data() + digits.size() || id <= 0) {
    return std::nullopt;
  }
  return id;
}

nlohmann::json origin(const DiscoveryNames &names) {
  return {{"name", "pulsemon"}, {"sw_version", names.version}};
}

} // namespace

std::string discovery_id(const DiscoveryNames &names) {
  std::string id = names.topic_prefix;
  for (char &c : id) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!allowed) {
      c = '_';
    }
  }
  return id;
}

MeterTopics meter_topics(const DiscoveryNames &names, std::int64_t meter_id) {
  const std::string base = names.topic_prefix + "/meter/" + std::to_string(meter_id) + "/";
  return {base + "power", base + "total", base + "today", base + "availability", base + "problem"};
}

std::string status_topic(const DiscoveryNames &names) {
  return names.bridge_status.empty() ? names.topic_prefix + "/status" : names.bridge_status;
}

std::optional<std::int64_t> meter_of_total_topic(const DiscoveryNames &names,
                                                 const std::string &topic) {
  return meter_id_between(topic, names.topic_prefix + "/meter/", "/total");
}

std::string total_topics(const DiscoveryNames &names) {
  return names.topic_prefix + "/meter/+/total";
}

std::string sync_topic(const DiscoveryNames &names) {
  return names.topic_prefix + "/sync";
}

std::string ha_status_topic(const DiscoveryNames &names) {
  return names.discovery_prefix + "/status";
}

std::string discovery_topic(const DiscoveryNames &names, std::int64_t meter_id) {
  return names.discovery_prefix + "/device/" + meter_device_id(names, meter_id) + "/config";
}

std::string bridge_discovery_topic(const DiscoveryNames &names) {
  return names.discovery_prefix + "/device/" + discovery_id(names) + "/config";
}

std::optional<std::int64_t> meter_of_discovery_topic(const DiscoveryNames &names,
                                                     const std::string &topic) {
  return meter_id_between(
      topic, names.discovery_prefix + "/device/" + discovery_id(names) + "_meter_", "/config");
}

FlowUnit flow_unit(const Meter &meter) {
  const RateUnit rate = rate_unit(meter.unit);
  if (rate.name == "W") {
    return {"power", "W", 1.0};
  }
  if (meter.unit == "m³") {
    return {"volume_flow_rate", "m³/h", 1.0};
  }
  // HA's flow units other than m³/h are per minute (L/h only since 2024).
  if (meter.unit == "L") {
    return {"volume_flow_rate", "L/min", 1.0 / 60.0};
  }
  if (meter.unit == "ft³") {
    return {"volume_flow_rate", "ft³/min", 1.0 / 60.0};
  }
  if (meter.unit == "CCF") {
    return {"volume_flow_rate", "ft³/min", 100.0 / 60.0};
  }
  if (meter.unit == "gal") {
    return {"volume_flow_rate", "gal/min", 1.0 / 60.0};
  }
  return {"", rate.name, 1.0};
}

std::string total_device_class(const Meter &meter) {
  switch (meter.kind) {
  case MeterKind::electricity:
  case MeterKind::heat:
    return one_of(energy_units, meter.unit) ? "energy" : "";
  case MeterKind::gas:
    if (one_of(gas_units, meter.unit)) {
      return "gas";
    }
    return one_of(energy_units, meter.unit) ? "energy" : "";
  case MeterKind::water:
    return one_of(water_units, meter.unit) ? "water" : "";
  }
  return "";
}

std::optional<std::string> unit_warning(const Meter &meter) {
  if (!total_device_class(meter).empty()) {
    return std::nullopt;
  }
  std::string accepted;
  switch (meter.kind) {
  case MeterKind::electricity:
  case MeterKind::heat:
    accepted = "Wh, kWh, MWh, MJ or GJ";
    break;
  case MeterKind::gas:
    accepted = "m³, ft³, CCF or kWh";
    break;
  case MeterKind::water:
    accepted = "L, m³, ft³, CCF or gal";
    break;
  }
  return "meter " + std::to_string(meter.id) + " '" + meter.name + "' counts in '" + meter.unit +
         "', which Home Assistant does not take for a " + std::string(to_string(meter.kind)) +
         " meter; its sensors have no device class and its energy dashboard will not offer "
         "them (count in " +
         accepted + ": pulsemon meter set " + std::to_string(meter.id) + " unit=…)";
}

nlohmann::json meter_discovery(const Meter &meter, const MeterExtras &extras,
                               const DiscoveryNames &names) {
  const MeterTopics topics = meter_topics(names, meter.id);
  const std::string id = meter_device_id(names, meter.id);
  const FlowUnit flow = flow_unit(meter);
  const std::string total_class = total_device_class(meter);

  auto sensor = [](std::string name, std::string unique_id) {
    return nlohmann::json{{"platform", "sensor"}, {"name", name}, {"unique_id", unique_id}};
  };
  auto with_class = [](nlohmann::json &component, const std::string &device_class) {
    if (!device_class.empty()) {
      component["device_class"] = device_class;
    }
  };
  auto daily = [&topics](nlohmann::json &component, const std::string &field) {
    component["state_topic"] = topics.today;
    component["value_template"] = "{{ value_json." + field + " }}";
    component["last_reset_value_template"] = "{{ value_json.since }}";
    component["state_class"] = "total";
  };

  nlohmann::json components = nlohmann::json::object();
  nlohmann::json power = sensor(flow.device_class == "power" ? "Power" : "Flow", id + "_power");
  with_class(power, flow.device_class);
  power["state_class"] = "measurement";
  power["unit_of_measurement"] = flow.unit;
  power["state_topic"] = topics.power;
  components[id + "_power"] = power;

  nlohmann::json total = sensor("Total", id + "_total");
  with_class(total, total_class);
  total["state_class"] = "total_increasing";
  total["unit_of_measurement"] = meter.unit;
  total["state_topic"] = topics.total;
  components[id + "_total"] = total;

  nlohmann::json today = sensor("Today", id + "_today");
  with_class(today, total_class);
  today["unit_of_measurement"] = meter.unit;
  daily(today, "energy");
  components[id + "_today"] = today;

  if (extras.priced) {
    nlohmann::json cost = sensor("Cost today", id + "_cost_today");
    cost["device_class"] = "monetary";
    cost["unit_of_measurement"] = names.currency;
    daily(cost, "cost");
    components[id + "_cost_today"] = cost;
  }
  if (extras.has_calorific) {
    nlohmann::json kwh = sensor("Energy today", id + "_kwh_today");
    kwh["device_class"] = "energy";
    kwh["unit_of_measurement"] = "kWh";
    daily(kwh, "kwh");
    components[id + "_kwh_today"] = kwh;
  }

  // On while pulsemon sees something worth a look (a leak, a silent meter,
  // a higher base load, an unusual day); the messages are its attributes.
  components[id + "_problem"] = {
      {"platform", "binary_sensor"},
      {"name", "Problem"},
      {"unique_id", id + "_problem"},
      {"device_class", "problem"},
      {"state_topic", topics.problem},
      {"value_template", "{{ value_json.state }}"},
      {"json_attributes_topic", topics.problem},
      {"json_attributes_template", "{{ {'alerts': value_json.alerts} | tojson }}"}};

  nlohmann::json device{
      {"identifiers", {id}},         {"name", meter.name},
      {"manufacturer", "pulsemon"},  {"model", std::string(to_string(meter.kind)) + " meter"},
      {"sw_version", names.version}, {"via_device", discovery_id(names)}};
  if (!meter.location.empty()) {
    device["suggested_area"] = meter.location;
  }
  return {{"device", device},
          {"origin", origin(names)},
          {"availability", {{{"topic", status_topic(names)}}, {{"topic", topics.availability}}}},
          {"availability_mode", "all"},
          {"components", components}};
}

nlohmann::json bridge_discovery(const DiscoveryNames &names) {
  const std::string id = discovery_id(names);
  return {{"device",
           {{"identifiers", {id}},
            {"name", "pulsemon (" + id + ")"},
            {"manufacturer", "pulsemon"},
            {"model", "pulsemon"},
            {"sw_version", names.version}}},
          {"origin", origin(names)},
          {"components",
           {{id + "_running",
             {{"platform", "binary_sensor"},
              {"name", "Running"},
              {"unique_id", id + "_running"},
              {"device_class", "running"},
              {"state_topic", status_topic(names)},
              {"payload_on", "online"},
              {"payload_off", "offline"}}}}}};
}

} // namespace pulsemon::publish

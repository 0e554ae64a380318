#pragma once
// Home Assistant's MQTT discovery for pulsemon's meters: which sensors a
// meter gets, with the device class, state class and unit HA's sensor
// platform and energy dashboard accept, and the retained config message
// that announces them.
//
// Device-based discovery (one message per meter on
// <discovery_prefix>/device/<id>/config, with `components` and the required
// `origin`; HA 2024.11 and later) rather than one message per sensor: a
// meter's sensors appear, change and go away together, in one retained
// message that cannot be half-delivered. HA older than 2024.11 ignores it;
// docs/integrations.md says so.
//
// The mapping follows HA's own tables (homeassistant/components/sensor/
// const.py: DEVICE_CLASS_UNITS, DEVICE_CLASS_STATE_CLASSES; energy/
// validate.py): power only in W/kW, flow as volume_flow_rate in m³/h,
// L/min, ft³/min or gal/min; energy totals in Wh/kWh/MWh/MJ/GJ, gas in
// m³/ft³/CCF, water in L/m³/ft³/CCF/gal, all total_increasing; cost as
// monetary with state class total and a last reset (HA allows no other
// state class for money). A meter whose unit HA does not know for its kind
// gets sensors without a device class (HA shows them; its energy dashboard
// will not offer them), and `unit_warning` says why.

#include "core/meter.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace pulsemon::publish {

struct DiscoveryNames {
  std::string topic_prefix = "pulsemon";          // states: <prefix>/meter/<id>/…
  std::string discovery_prefix = "homeassistant"; // configs: <prefix>/device/…/config
  std::string version;                            // pulsemon's, as sw_version
  std::string currency = "EUR";                   // ISO 4217, the cost sensors' unit
  // pulsemon's own availability topic when not <topic_prefix>/status: a
  // site's names (core/site.h) share the one the last will sets.
  std::string bridge_status;
};

// The prefix as HA's ids and discovery topics take it: HA's grammar is
// <discovery_prefix>/<component>/[<node_id>/]<object_id>/config with ids of
// letters, digits, '_' and '-' only, so every other character of the topic
// prefix ('/' in "home/pulsemon") becomes '_'.
[[nodiscard]] std::string discovery_id(const DiscoveryNames &names);

// The meter whose retained total `topic` is (<prefix>/meter/<id>/total),
// or nothing for another topic.
[[nodiscard]] std::optional<std::int64_t> meter_of_total_topic(const DiscoveryNames &names,
                                                               const std::string &topic);

// The filter of every meter's total topic (<prefix>/meter/+/total).
[[nodiscard]] std::string total_topics(const DiscoveryNames &names);

// Where the publisher checks that the broker has handed back its retained
// totals: a message it sends there comes back after them.
[[nodiscard]] std::string sync_topic(const DiscoveryNames &names);

// Where a meter's states go. `today` carries JSON: {"energy", "cost",
// "kwh", "since"} (since: the local midnight the day's figures count from).
struct MeterTopics {
  std::string power;        // a number in `flow_unit` (W for electricity)
  std::string total;        // a number in the meter's unit, never decreasing
  std::string today;        // JSON, see above
  std::string availability; // "online" once its total is known, else "offline"
  std::string problem;      // JSON {"state":"ON"|"OFF","alerts":[…]} (core/alerts.h)
};
[[nodiscard]] MeterTopics meter_topics(const DiscoveryNames &names, std::int64_t meter_id);
// pulsemon's own availability ("online", the last will says "offline").
[[nodiscard]] std::string status_topic(const DiscoveryNames &names);
// HA says "online" here when it (re)starts: discovery is sent again.
[[nodiscard]] std::string ha_status_topic(const DiscoveryNames &names);
[[nodiscard]] std::string discovery_topic(const DiscoveryNames &names, std::int64_t meter_id);
// The pulsemon instance's own device (the meters are "via" it).
[[nodiscard]] std::string bridge_discovery_topic(const DiscoveryNames &names);
// The meter id of one of our discovery topics; nullopt for anything else.
[[nodiscard]] std::optional<std::int64_t> meter_of_discovery_topic(const DiscoveryNames &names,
                                                                   const std::string &topic);

// How a meter's flow is published: HA's unit and the factor from the
// meter's rate (its unit per hour, or W).
struct FlowUnit {
  std::string device_class; // "power", "volume_flow_rate", or "" (none HA knows)
  std::string unit;         // "W", "m³/h", "L/min", …
  double per_rate = 1.0;    // HA's value = pulsemon's rate × per_rate
};
[[nodiscard]] FlowUnit flow_unit(const Meter &meter);

// The device class of a meter's totals, or "" when HA accepts no device
// class for its kind and unit.
[[nodiscard]] std::string total_device_class(const Meter &meter);
// A sentence for the log when a meter's unit keeps it from HA's energy
// dashboard; nullopt when all is well.
[[nodiscard]] std::optional<std::string> unit_warning(const Meter &meter);

struct MeterExtras {
  bool priced = false;        // it has a tariff: a cost sensor
  bool has_calorific = false; // gas with calorific values: today's kWh too
};
[[nodiscard]] nlohmann::json meter_discovery(const Meter &meter, const MeterExtras &extras,
                                             const DiscoveryNames &names);
[[nodiscard]] nlohmann::json bridge_discovery(const DiscoveryNames &names);

} // namespace pulsemon::publish

// Home Assistant discovery for every kind of meter and every unit pulsemon
// users count in, held against HA's own rules (support/home_assistant_rules.h).
#include "publish/ha_discovery.h"
#include "support/home_assistant_rules.h"

#include <gtest/gtest.h>

#include <regex>

namespace pulsemon::publish {
namespace {

Meter meter_of(MeterKind kind, const std::string &unit, const std::string &tariff = "") {
  Meter meter;
  meter.id = 7;
  meter.name = "Meter";
  meter.kind = kind;
  meter.unit = unit;
  meter.tariff = tariff;
  return meter;
}

DiscoveryNames names() {
  DiscoveryNames names;
  names.version = "1.2.3";
  return names;
}

struct Case {
  MeterKind kind;
  std::string unit;
  std::string total_class;
  std::string flow_class;
  std::string flow_unit;
};

TEST(HaDiscovery, EveryKindAndUnitIsTakenByHomeAssistantAndItsEnergyDashboard) {
  const std::vector<Case> cases{
      {MeterKind::electricity, "kWh", "energy", "power", "W"},
      {MeterKind::electricity, "Wh", "energy", "power", "W"},
      {MeterKind::electricity, "MWh", "energy", "power", "W"},
      {MeterKind::heat, "kWh", "energy", "power", "W"},
      {MeterKind::heat, "GJ", "energy", "", "GJ/h"},
      {MeterKind::gas, "m³", "gas", "volume_flow_rate", "m³/h"},
      {MeterKind::gas, "ft³", "gas", "volume_flow_rate", "ft³/min"},
      {MeterKind::gas, "CCF", "gas", "volume_flow_rate", "ft³/min"},
      {MeterKind::gas, "kWh", "energy", "power", "W"},
      {MeterKind::water, "L", "water", "volume_flow_rate", "L/min"},
      {MeterKind::water, "m³", "water", "volume_flow_rate", "m³/h"},
      {MeterKind::water, "gal", "water", "volume_flow_rate", "gal/min"},
  };
  for (const Case &c : cases) {
    for (const bool priced : {false, true}) {
      SCOPED_TRACE(std::string(to_string(c.kind)) + " in " + c.unit + (priced ? ", priced" : ""));
      const Meter meter = meter_of(c.kind, c.unit, priced ? "0.30" : "");
      const nlohmann::json config =
          meter_discovery(meter, MeterExtras{priced, c.kind == MeterKind::gas}, names());
      const auto problems = testing::ha_discovery_problems(config);
      EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems) << config.dump(2);

      const auto &components = config["components"];
      const auto &total = components["pulsemon_meter_7_total"];
      EXPECT_EQ(total["device_class"], c.total_class);
      EXPECT_EQ(total["state_class"], "total_increasing");
      EXPECT_EQ(total["unit_of_measurement"], c.unit);
      EXPECT_TRUE(testing::ha_energy_dashboard_takes(total)) << total.dump();
      EXPECT_TRUE(testing::ha_energy_dashboard_takes(components["pulsemon_meter_7_today"]));

      const auto &power = components["pulsemon_meter_7_power"];
      EXPECT_EQ(power.value("device_class", ""), c.flow_class);
      EXPECT_EQ(power["unit_of_measurement"], c.flow_unit);
      EXPECT_EQ(power["state_class"], "measurement");
      EXPECT_EQ(components.contains("pulsemon_meter_7_cost_today"), priced);
      EXPECT_EQ(components.contains("pulsemon_meter_7_kwh_today"), c.kind == MeterKind::gas);
      EXPECT_FALSE(unit_warning(meter).has_value());
    }
  }
}

TEST(HaDiscovery, ADailyCostIsMoneyWithALastResetAtLocalMidnight) {
  const nlohmann::json config =
      meter_discovery(meter_of(MeterKind::electricity, "kWh", "0.30"), {true, false}, names());
  const auto &cost = config["components"]["pulsemon_meter_7_cost_today"];
  EXPECT_EQ(cost["device_class"], "monetary");
  EXPECT_EQ(cost["state_class"], "total");
  EXPECT_EQ(cost["unit_of_measurement"], "EUR");
  EXPECT_EQ(cost["state_topic"], "pulsemon/meter/7/today");
  EXPECT_EQ(cost["value_template"], "{{ value_json.cost }}");
  EXPECT_EQ(cost["last_reset_value_template"], "{{ value_json.since }}");
}

TEST(HaDiscovery, TheDeviceTheOriginAndAvailabilityAreThere) {
  Meter meter = meter_of(MeterKind::gas, "m³");
  meter.name = "Gas";
  meter.location = "Cellar";
  const nlohmann::json config = meter_discovery(meter, {}, names());
  EXPECT_EQ(config["device"]["identifiers"], nlohmann::json::array({"pulsemon_meter_7"}));
  EXPECT_EQ(config["device"]["name"], "Gas");
  EXPECT_EQ(config["device"]["manufacturer"], "pulsemon");
  EXPECT_EQ(config["device"]["model"], "gas meter");
  EXPECT_EQ(config["device"]["sw_version"], "1.2.3");
  EXPECT_EQ(config["device"]["via_device"], "pulsemon");
  EXPECT_EQ(config["device"]["suggested_area"], "Cellar");
  EXPECT_EQ(config["origin"]["name"], "pulsemon");
  EXPECT_EQ(config["availability_mode"], "all");
  EXPECT_EQ(config["availability"][0]["topic"], "pulsemon/status");
  EXPECT_EQ(config["availability"][1]["topic"], "pulsemon/meter/7/availability");

  const nlohmann::json bridge = bridge_discovery(names());
  EXPECT_TRUE(testing::ha_discovery_problems(bridge).empty()) << bridge.dump(2);
  EXPECT_EQ(bridge["device"]["identifiers"][0], "pulsemon");
}

TEST(HaDiscovery, AUnitHomeAssistantDoesNotKnowGetsNoDeviceClassAndAWarning) {
  const Meter meter = meter_of(MeterKind::gas, "m3");
  const nlohmann::json config = meter_discovery(meter, {}, names());
  EXPECT_TRUE(testing::ha_discovery_problems(config).empty()) << config.dump(2);
  EXPECT_FALSE(config["components"]["pulsemon_meter_7_total"].contains("device_class"));
  const auto warning = unit_warning(meter);
  ASSERT_TRUE(warning.has_value());
  EXPECT_NE(warning->find("'m3'"), std::string::npos) << *warning;
  EXPECT_NE(warning->find("m³"), std::string::npos) << *warning;
}

TEST(HaDiscovery, TopicsFollowThePrefixesAndOnlyOurConfigsAreRecognised) {
  DiscoveryNames custom = names();
  custom.topic_prefix = "home/pulsemon";
  custom.discovery_prefix = "ha";
  EXPECT_EQ(meter_topics(custom, 3).total, "home/pulsemon/meter/3/total");
  EXPECT_EQ(status_topic(custom), "home/pulsemon/status");
  EXPECT_EQ(ha_status_topic(custom), "ha/status");
  // HA's grammar: <prefix>/<component>/[<node_id>/]<object_id>/config, ids of
  // [a-zA-Z0-9_-] only: the '/' of the topic prefix cannot be in them.
  EXPECT_EQ(discovery_topic(custom, 3), "ha/device/home_pulsemon_meter_3/config");
  EXPECT_EQ(bridge_discovery_topic(custom), "ha/device/home_pulsemon/config");
  EXPECT_EQ(meter_of_discovery_topic(custom, discovery_topic(custom, 3)), 3);
  const std::regex ha_grammar("[^/+#]+/[a-z_]+/([a-zA-Z0-9_-]+/)?[a-zA-Z0-9_-]+/config");
  for (const std::string prefix : {"pulsemon", "home/pulsemon", "a.b/c d/e-f_g"}) {
    DiscoveryNames any = names();
    any.topic_prefix = prefix;
    EXPECT_TRUE(std::regex_match(discovery_topic(any, 12), ha_grammar)) << discovery_topic(any, 12);
    EXPECT_TRUE(std::regex_match(bridge_discovery_topic(any), ha_grammar))
        << bridge_discovery_topic(any);
    const Meter meter = meter_of(MeterKind::electricity, "kWh");
    const nlohmann::json config = meter_discovery(meter, {}, any);
    EXPECT_TRUE(testing::ha_discovery_problems(config).empty()) << prefix << config.dump(2);
    for (const auto &[object_id, component] : config["components"].items()) {
      EXPECT_TRUE(std::regex_match(object_id, std::regex("[a-zA-Z0-9_-]+"))) << object_id;
    }
  }
  EXPECT_EQ(meter_of_discovery_topic(names(), "homeassistant/device/pulsemon_meter_12/config"), 12);
  for (const char *other :
       {"homeassistant/device/pulsemon_meter_/config",
        "homeassistant/device/pulsemon_meter_x1/config",
        "homeassistant/device/pulsemon_meter_-1/config",
        "homeassistant/device/pulsemon_meter_0/config", "homeassistant/device/other_meter_1/config",
        "homeassistant/device/pulsemon/config", "homeassistant/sensor/pulsemon_meter_1/config"}) {
    EXPECT_FALSE(meter_of_discovery_topic(names(), other).has_value()) << other;
  }
}

} // namespace
} // namespace pulsemon::publish

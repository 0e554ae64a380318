#pragma once
// [mqtt_out] in the config: where pulsemon publishes its meters' states and
// Home Assistant's discovery.

#include "core/alerts.h"
#include "mqtt/broker_client.h"

#include <chrono>
#include <string>

namespace pulsemon::publish {

struct MqttOutSettings {
  mqtt::Broker broker; // where, who, and TLS when broker.ca_file is set
  std::string client_id = "pulsemon-out";
  std::string topic_prefix = "pulsemon";
  std::string discovery_prefix = "homeassistant"; // "" turns discovery off
  // The prefixes of every site but the home site (core/site.h), "{site}"
  // standing for its id: each household's Home Assistant reads its own,
  // and a broker ACL per household keeps it there (docs/integrations.md).
  std::string site_topic_prefix = "pulsemon-sites/{site}";
  std::string site_discovery_prefix = "homeassistant-sites/{site}";
  int qos = 1;
  std::chrono::milliseconds min_interval{1000};   // power at most this often while pulses flow
  std::chrono::milliseconds max_interval{60'000}; // and at least this often (its decay, its 0)
  std::string currency = "EUR";                   // the cost sensors' unit (ISO 4217)
  AlertSettings alerts{};                         // what the problem sensors judge by ([alerts])
};

} // namespace pulsemon::publish

#pragma once
// [mqtt_out] in the config: where pulsemon publishes its meters' states and
// Home Assistant's discovery.

#include "core/alerts.h"

#include <chrono>
#include <string>

namespace pulsemon::publish {

struct MqttOutSettings {
  std::string host = "127.0.0.1";
  unsigned short port = 1883;
  std::string client_id = "pulsemon-out";
  std::string username; // empty: anonymous
  std::string password;
  std::string ca_file; // TLS to the broker, trusting these CAs, when set
  std::string topic_prefix = "pulsemon";
  std::string discovery_prefix = "homeassistant"; // "" turns discovery off
  int qos = 1;
  std::chrono::milliseconds min_interval{1000};   // power at most this often while pulses flow
  std::chrono::milliseconds max_interval{60'000}; // and at least this often (its decay, its 0)
  std::string currency = "EUR";                   // the cost sensors' unit (ISO 4217)
  AlertSettings alerts{};                         // what the problem sensors judge by ([alerts])
};

} // namespace pulsemon::publish

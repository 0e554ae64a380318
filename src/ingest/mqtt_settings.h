#pragma once
// Where the MQTT subscriber connects and what it takes (config [mqtt]).

#include <cstdint>
#include <string>
#include <vector>

namespace pulsemon {

struct PowerTopic {
  std::string topic;
  std::int64_t meter_id = 0;
};

struct MqttSettings {
  std::string host = "127.0.0.1";
  unsigned short port = 1883;
  std::string client_id = "pulsemon";
  std::string username; // empty: anonymous
  std::string password;
  std::vector<PowerTopic> power_topics;
};

} // namespace pulsemon

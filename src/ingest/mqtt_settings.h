#pragma once
// Where the MQTT subscriber connects and what it takes (config [mqtt]).

#include "mqtt/broker_client.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pulsemon {

struct PowerTopic {
  std::string topic;
  std::int64_t meter_id = 0;
};

struct MqttSettings {
  // Where, who, and TLS when broker.ca_file is set: the device keys travel
  // in the batches' payloads.
  mqtt::Broker broker;
  std::string client_id = "pulsemon";
  std::vector<PowerTopic> power_topics;
  // Several instances on one store (the daemon sets it on PostgreSQL): the
  // node batches are a shared subscription ($share/pulsemon/pulsemon/+/pulses),
  // which the broker hands to one of the instances per message, and the
  // session is clean, since client_id is then this instance's own
  // (client_id-INSTANCE) and no broker should keep a session for an
  // instance that is gone. Power topics stay plain subscriptions: one
  // instance owns each (store/source_claims.h).
  bool shared_among_instances = false;
};

// The shared subscription's group: one per pulsemon installation.
inline constexpr const char *shared_batches_topic = "$share/pulsemon/pulsemon/+/pulses";

} // namespace pulsemon

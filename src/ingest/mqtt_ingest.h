#pragma once
// MQTT in: sensor nodes' batches on pulsemon/<node>/pulses (the same JSON as
// POST /api/ingest, with the device key in a "key" field), acknowledged on
// pulsemon/<node>/ack only after the batch has committed, and the old
// firmware's power reports (a kW float every 30 s on a topic such as
// power_consumed) for power-report meters.
//
// libmosquitto (mqtt/broker_client.h) runs its own network thread with a
// persistent session
// (clean_session = false, QoS 1 subscriptions; a clean session and a shared
// subscription when several instances share the store: mqtt_settings.h),
// reconnecting with backoff;
// every message is handled on that thread with this object's own database
// connection. MQTT's QoS is not what makes delivery safe: a node keeps a
// batch until it sees the application-level acknowledgement.

#include "clock/time_source.h"
#include "core/power_report.h"
#include "ingest/mqtt_settings.h"
#include "mqtt/broker_client.h"
#include "store/recorder.h"
#include "store/store.h"

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace pulsemon {

struct MqttStats {
  std::uint64_t batches = 0;       // stored or recognised as resent
  std::uint64_t refused = 0;       // invalid JSON, bad field, bad key
  std::uint64_t power_reports = 0; // legacy kW values taken
  bool connected = false;
};

class MqttIngest {
public:
  // Takes the pulses a power report stands for and stores them, retrying
  // while the store fails (in the daemon, the writer's queue): the report's
  // energy is then never lost to a failed commit.
  using KeepPulses = std::function<void(PulseBatch)>;

  // `store` is the subscriber's own handle (used on the MQTT thread only);
  // the batches it stores are published on `bus` (may be null); power
  // reports' pulses go to `keep_power_pulses`; reports and batches are
  // stamped with `time`'s wall clock.
  MqttIngest(MqttSettings settings, std::unique_ptr<Store> store, PulseBus *bus,
             KeepPulses keep_power_pulses, TimeSource &time = real_time());
  ~MqttIngest();
  MqttIngest(const MqttIngest &) = delete;
  MqttIngest &operator=(const MqttIngest &) = delete;

  void start(); // connects in the background; retries until stop()
  void stop();
  [[nodiscard]] MqttStats stats() const;

private:
  void on_connect();
  void on_subscribe(const std::vector<int> &granted) const;
  void on_message(std::string_view topic, std::string_view payload);
  void handle(const std::string &topic, const std::string &payload);
  void handle_batch(const std::string &node, const std::string &payload);
  void handle_power(const PowerTopic &topic, const std::string &payload);

  MqttSettings settings_;
  std::unique_ptr<Store> store_;
  Recorder recorder_;
  KeepPulses keep_power_pulses_;
  TimeSource &time_;
  std::map<std::string, PowerReportIntegrator> integrators_;
  std::atomic<std::uint64_t> batches_{0};
  std::atomic<std::uint64_t> refused_{0};
  std::atomic<std::uint64_t> power_reports_{0};
  std::atomic<bool> connected_{false};
  // Last, so that its network thread, which calls into the members above,
  // ends first.
  std::unique_ptr<mqtt::BrokerClient> client_;
};

} // namespace pulsemon

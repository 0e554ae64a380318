#pragma once
// MQTT out: each meter's power, total (never decreasing), today's energy
// and cost as retained messages, and Home Assistant's discovery
// (publish/ha_discovery.h), on a broker of the household's.
//
// - A subscriber of the pulse bus: committed pulses only mark their meter;
//   a thread of the publisher's own reads the figures from its own store
//   handle and publishes, so neither the writer nor the API ever waits for
//   the broker. Power goes out at most every min_interval while pulses
//   come, and every meter's states at least every max_interval, so the
//   decay between pulses and the drop to 0 reach Home Assistant. The power
//   is the running pipeline's figure (`power_now`), the one every other
//   surface shows, and is published only once it is known.
// - A total is published only once it has been read from the store, and
//   never below one published before, by this process or an earlier one:
//   at every connect the publisher first takes back its retained totals
//   from the broker (it subscribes to them, then waits for a message of its
//   own on <prefix>/sync, which the broker delivers after them; at most
//   5 s), and a store that is behind them (a restored backup) has its total
//   held there (store/published_totals.h) until it catches up. Until a
//   total is published the meter's availability topic says "offline", so
//   HA shows "unavailable", never a 0 that its long-term statistics would
//   take for a meter reset.
//   The store's total already carries on through a meter replacement
//   (core/register.h), which is how HA wants a replaced meter.
// - The last will sets <prefix>/status to "offline"; on connecting it is
//   set to "online". Discovery is sent on every connect and whenever HA
//   says "online" on <discovery_prefix>/status; a meter that is gone has
//   its retained config cleared (also one removed while pulsemon was down:
//   our retained configs come back on subscribing, and those of unknown
//   meters are cleared), a renamed one is sent again.
// - libmosquitto's own thread handles the network, reconnecting with
//   backoff (mqtt/broker_client.h).

#include "clock/time_source.h"
#include "core/time.h"
#include "mqtt/broker_client.h"
#include "publish/ha_discovery.h"
#include "publish/mqtt_out_settings.h"
#include "store/published_totals.h"
#include "store/pulse_bus.h"
#include "store/store.h"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>

namespace date {
class time_zone;
}

namespace pulsemon::publish {

struct PublisherStats {
  bool connected = false;
  std::uint64_t messages = 0; // states and configs handed to the broker
};

// A meter's power now, from the running pipeline (empty until known).
using PowerNow = std::function<std::optional<double>(std::int64_t meter_id)>;

class MqttPublisher {
public:
  // `store` is the publisher's own handle (used on its thread only).
  MqttPublisher(MqttOutSettings settings, std::unique_ptr<Store> store, PulseBus &bus,
                const date::time_zone &zone, int billing_day, std::string version, TimeSource &time,
                PowerNow power_now, PublishedTotals &totals);
  ~MqttPublisher();
  MqttPublisher(const MqttPublisher &) = delete;
  MqttPublisher &operator=(const MqttPublisher &) = delete;
  MqttPublisher(MqttPublisher &&) = delete;
  MqttPublisher &operator=(MqttPublisher &&) = delete;

  void start(); // connects in the background; retries until stop()
  // Says "offline" on the status topic, disconnects, ends the thread.
  void stop();
  [[nodiscard]] PublisherStats stats() const;

private:
  struct Published {
    bool total_sent = false; // by this process
    MonoTime at{};
    bool announced = false;              // its states were sent since the last connect
    std::string config;                  // the discovery config last sent ("" none)
    std::int64_t alerts_hour = -1;       // the hour whose alerts were sent (they judge whole hours)
    bool silent_sent = false;            // they said the meter is silent, which its next pulse ends
    std::int64_t site_id = home_site_id; // whose topics it was published on
  };

  void on_connect();
  void on_message(const std::string &topic, const std::string &payload);
  void on_published(int message_id);

  // The topics of a site's meters: the configured prefixes for the home
  // site, the site prefixes with its id for any other.
  [[nodiscard]] DiscoveryNames names_of(std::int64_t site_id) const;
  // Subscribes to the retained totals, Home Assistant's status and our
  // retained configs of `sites`, and asks the broker for the sync message
  // that comes after them (states wait for it).
  void subscribe_and_sync(const std::set<std::int64_t> &sites);

  void run();
  void refresh_meters();
  void send_discovery();
  void publish_meter(const Meter &meter, UtcTime now);
  void send(const std::string &topic, const std::string &payload, bool retain = true);

  MqttOutSettings settings_;
  DiscoveryNames names_;
  std::unique_ptr<Store> store_;
  const date::time_zone &zone_;
  int billing_day_;
  TimeSource &time_;
  PowerNow power_now_;
  PublishedTotals &totals_;

  // Shared with the bus's and libmosquitto's threads.
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::set<std::int64_t> dirty_; // meters with new pulses
  // Our retained configs the broker sent back: (site, meter).
  std::set<std::pair<std::int64_t, std::int64_t>> retained_configs_;
  bool reconnected_ = false; // connected, or HA came back: everything again
  // Since the last connect: whether the broker has handed back the retained
  // totals (the sync message came back), and when the connect was.
  bool totals_synced_ = false;
  bool sync_missed_logged_ = false;
  std::string sync_token_;
  std::uint64_t connects_ = 0;
  MonoTime connected_at_{};
  bool woken_ = false;
  bool stopping_ = false;
  int last_acknowledged_ = 0; // the broker's last acknowledged message id
  // The sites of the meters last read; those subscribed to since connecting.
  std::set<std::int64_t> sites_{home_site_id};
  std::set<std::int64_t> subscribed_sites_;

  // The publisher's thread only.
  std::vector<Meter> meters_;
  std::optional<MonoTime> meters_read_at_; // none before the first read
  std::map<std::int64_t, Published> published_;
  std::set<std::pair<std::int64_t, std::string>> unit_warned_; // (meter, unit) said in the log
  std::set<std::int64_t> bridge_sent_; // the sites whose bridge device was announced

  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> messages_{0};
  PulseBus::Subscription subscription_;
  std::thread thread_;
  bool started_ = false;
  // Last, so that its network thread, which calls into the members above,
  // ends first.
  std::unique_ptr<mqtt::BrokerClient> client_;
};

} // namespace pulsemon::publish

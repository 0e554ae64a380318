#include "publish/mqtt_publisher.h"

#include "core/calendar.h"
#include "core/time_text.h"
#include "domain/alerts.h"
#include "domain/series.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

namespace pulsemon::publish {

namespace {

// Renamed, added and removed meters are noticed within this time.
constexpr std::chrono::seconds meters_read_every{5};
constexpr std::chrono::seconds offline_flush_wait{2};
// How long states wait at a connect for the broker to hand back the
// retained totals (a broker whose ACL forbids reading them never does).
constexpr std::chrono::seconds totals_sync_wait{5};
// A retained total longer than this is not one of ours.
constexpr std::size_t max_total_payload = 64;
// A store that cannot be read (a locked or damaged file) is tried this often.
constexpr std::chrono::seconds retry_after_failure{5};

// Enough decimals to show one pulse (3 for 1000 imp/kWh), no float noise.
std::string format_amount(double value, double pulses_per_unit) {
  const int decimals =
      std::clamp(static_cast<int>(std::ceil(std::log10(std::max(pulses_per_unit, 1.0)))), 0, 6);
  return fmt::format("{:.{}f}", value, decimals);
}

std::string with_site(std::string text, std::int64_t site_id) {
  const std::string id = std::to_string(site_id);
  for (auto at = text.find("{site}"); at != std::string::npos; at = text.find("{site}", at)) {
    text.replace(at, 6, id);
    at += id.size();
  }
  return text;
}

} // namespace

MqttPublisher::MqttPublisher(MqttOutSettings settings, std::unique_ptr<Store> store, PulseBus &bus,
                             const date::time_zone &zone, int billing_day, std::string version,
                             TimeSource &time, PowerNow power_now, PublishedTotals &totals)
    : settings_(std::move(settings)), store_(std::move(store)), zone_(zone),
      billing_day_(billing_day), time_(time), power_now_(std::move(power_now)), totals_(totals) {
  names_.topic_prefix = settings_.topic_prefix;
  names_.discovery_prefix = settings_.discovery_prefix;
  names_.version = std::move(version);
  names_.currency = settings_.currency;
  client_ = std::make_unique<mqtt::BrokerClient>(
      settings_.broker,
      mqtt::ClientOptions{.section = "mqtt_out",
                          .client_id = settings_.client_id,
                          .clean_session = true,
                          .will = mqtt::Will{status_topic(names_), "offline", settings_.qos, true}},
      mqtt::ClientEvents{.connected = [this] { on_connect(); },
                         .disconnected = [this](bool /*expected*/) { connected_ = false; },
                         .message =
                             [this](std::string_view topic, std::string_view payload) {
                               on_message(std::string(topic), std::string(payload));
                             },
                         .subscribed = {},
                         .published = [this](int message_id) { on_published(message_id); }});
  subscription_ = bus.subscribe([this](const CommittedPulses &committed) {
    const std::lock_guard lock(mutex_);
    dirty_.insert(committed.meter_id);
    woken_ = true;
    wake_.notify_all();
  });
}

MqttPublisher::~MqttPublisher() {
  stop();
}

void MqttPublisher::start() {
  client_->start();
  started_ = true;
  thread_ = std::thread([this] { run(); });
}

void MqttPublisher::stop() {
  if (!started_) {
    return;
  }
  started_ = false;
  subscription_.reset();
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
  }
  thread_.join();
  if (connected_) {
    // A clean disconnect sends no will: say "offline" ourselves, and wait
    // (briefly) until the broker has it.
    if (const auto message_id = client_->publish(status_topic(names_), "offline", 1, true)) {
      std::unique_lock lock(mutex_);
      (void)time_.wait_for(wake_, lock, offline_flush_wait,
                           [&] { return last_acknowledged_ >= *message_id; });
    }
  }
  // Connected, the network thread ends by itself once the DISCONNECT is
  // out; stopped by force it could close the socket first, and the broker
  // would then send the will: a second "offline".
  client_->stop(connected_);
}

PublisherStats MqttPublisher::stats() const {
  return {connected_.load(), messages_.load()};
}

void MqttPublisher::on_published(int message_id) {
  const std::lock_guard lock(mutex_);
  last_acknowledged_ = std::max(last_acknowledged_, message_id);
  wake_.notify_all();
}

void MqttPublisher::on_connect() {
  spdlog::info("mqtt_out: connected to {}:{}; publishing under {}/", settings_.broker.host,
               settings_.broker.port, settings_.topic_prefix);
  (void)client_->publish(status_topic(names_), "online", settings_.qos, true);
  std::set<std::int64_t> sites;
  {
    const std::lock_guard lock(mutex_);
    subscribed_sites_.clear();
    sites = sites_;
  }
  subscribe_and_sync(sites);
  const std::lock_guard lock(mutex_);
  connected_ = true; // with reconnected_, under the lock, for run() to see both
  reconnected_ = true;
  woken_ = true;
  wake_.notify_all();
}

DiscoveryNames MqttPublisher::names_of(std::int64_t site_id) const {
  if (site_id == home_site_id) {
    return names_;
  }
  DiscoveryNames names = names_;
  names.topic_prefix = with_site(settings_.site_topic_prefix, site_id);
  names.discovery_prefix = settings_.discovery_prefix.empty()
                               ? std::string()
                               : with_site(settings_.site_discovery_prefix, site_id);
  names.bridge_status = status_topic(names_);
  return names;
}

void MqttPublisher::subscribe_and_sync(const std::set<std::int64_t> &sites) {
  // The retained totals first, then a message of our own that the broker
  // delivers after them.
  for (const std::int64_t site : sites) {
    client_->subscribe({total_topics(names_of(site))}, 1);
  }
  const std::string sync = sync_topic(names_);
  client_->subscribe({sync}, 1);
  std::string token;
  {
    const std::lock_guard lock(mutex_);
    subscribed_sites_.insert(sites.begin(), sites.end());
    totals_synced_ = false;
    sync_missed_logged_ = false;
    connected_at_ = time_.monotonic_now();
    sync_token_ = settings_.client_id + " " + std::to_string(++connects_);
    token = sync_token_;
  }
  (void)client_->publish(sync, token, 1, false);
  if (!settings_.discovery_prefix.empty()) {
    for (const std::int64_t site : sites) {
      const DiscoveryNames names = names_of(site);
      client_->subscribe({ha_status_topic(names)}, 1);
      client_->subscribe({names.discovery_prefix + "/device/+/config"}, 1);
    }
  }
}

void MqttPublisher::on_message(const std::string &topic, const std::string &payload) {
  std::set<std::int64_t> sites;
  {
    const std::lock_guard lock(mutex_);
    sites = subscribed_sites_;
  }
  for (const std::int64_t site : sites) {
    if (const auto meter_id = meter_of_total_topic(names_of(site), topic)) {
      // A total a client may have: none published later is lower.
      if (!payload.empty() && payload.size() <= max_total_payload) {
        try {
          std::size_t used = 0;
          const double total = std::stod(payload, &used);
          if (used == payload.size()) {
            totals_.raise(*meter_id, MarkedFigure::total, total);
          }
        } catch (const std::exception &) {
          // not a number: not one of ours
        }
      }
      return;
    }
  }
  const std::lock_guard lock(mutex_);
  if (topic == sync_topic(names_)) {
    if (payload == sync_token_) {
      // The retained totals are in; our own totals need not come back.
      for (const std::int64_t site : sites) {
        client_->unsubscribe(total_topics(names_of(site)));
      }
      totals_synced_ = true;
      woken_ = true;
      wake_.notify_all();
    }
    return;
  }
  bool ours = false;
  for (const std::int64_t site : sites) {
    const DiscoveryNames names = names_of(site);
    if (topic == ha_status_topic(names)) {
      ours = true;
      if (payload == "online") {
        spdlog::info("mqtt_out: Home Assistant is online (on {}); sending discovery again", topic);
        reconnected_ = true;
      }
    } else if (const auto meter_id = meter_of_discovery_topic(names, topic);
               meter_id && !payload.empty()) {
      ours = true;
      retained_configs_.insert({site, *meter_id});
    }
  }
  if (!ours) {
    return;
  }
  woken_ = true;
  wake_.notify_all();
}

void MqttPublisher::run() {
  std::set<std::int64_t> pending; // meters with pulses not yet published
  while (true) {
    bool reconnected = false;
    bool totals_known = false;
    // Read once: a connect that lands during this round is this round's
    // news only through reconnected_ (read with it), or the round would send
    // the discovery and the next one, for the connect, again.
    bool connected = false;
    std::set<std::pair<std::int64_t, std::int64_t>> retained; // (site, meter)
    {
      std::unique_lock lock(mutex_);
      if (stopping_) {
        return;
      }
      connected = connected_;
      const bool wait_over = time_.monotonic_now() - connected_at_ >= totals_sync_wait;
      totals_known = !connected || totals_synced_ || wait_over;
      if (connected && !totals_synced_ && wait_over && !sync_missed_logged_) {
        sync_missed_logged_ = true;
        spdlog::warn("mqtt_out: the broker did not hand back pulsemon's retained totals within "
                     "{} s (may this client read {}/meter/+/total?); publishing without them",
                     totals_sync_wait.count(), settings_.topic_prefix);
      }
      pending.insert(dirty_.begin(), dirty_.end());
      dirty_.clear();
      if (totals_known) { // else what the connect asked for waits too
        std::swap(reconnected, reconnected_);
        retained.swap(retained_configs_);
      }
      woken_ = false;
    }
    const MonoTime steady = time_.monotonic_now();
    bool failed = false;
    try {
      const bool refreshed = !meters_read_at_ || steady - *meters_read_at_ >= meters_read_every;
      if (refreshed) {
        refresh_meters();
        meters_read_at_ = steady;
      }
      if (connected && !totals_known) {
        // States wait until the retained totals are back (or the wait ran out).
      } else if (connected) {
        if (reconnected) {
          // Everything again: the broker may have lost retained messages,
          // HA may have restarted.
          for (auto &[id, published] : published_) {
            published.config.clear();
            published.announced = false;
          }
        }
        // Configs change only with the meters (read every few seconds) or a
        // new connection; not with every commit that wakes this thread.
        if (refreshed || reconnected) {
          send_discovery();
        }
        for (const auto &[site, id] : retained) {
          const bool known =
              std::any_of(meters_.begin(), meters_.end(), [site = site, id = id](const Meter &m) {
                return m.id == id && m.site_id == site;
              });
          if (!known) {
            spdlog::info("mqtt_out: clearing Home Assistant's config of meter {} on {}, where it "
                         "is no more",
                         id, names_of(site).discovery_prefix);
            send(discovery_topic(names_of(site), id), "");
          }
        }
        const UtcTime now = time_.wall_now();
        for (const Meter &meter : meters_) {
          Published &published = published_[meter.id];
          const auto since = steady - published.at;
          const bool due = !published.announced || since >= settings_.max_interval ||
                           (pending.contains(meter.id) && since >= settings_.min_interval);
          if (due) {
            publish_meter(meter, now);
            pending.erase(meter.id);
          }
        }
      }
    } catch (const std::exception &failure) {
      spdlog::warn("mqtt_out: cannot read the figures to publish: {}; trying again in {} s",
                   failure.what(), retry_after_failure.count());
      failed = true;
    }

    // Sleep until the next meter is due, or something happens (a commit, a
    // connection: both wake this thread).
    const MonoTime now = time_.monotonic_now();
    MonoTime next = now + settings_.max_interval;
    if (failed) {
      next = now + retry_after_failure;
    } else if (connected && !totals_known) {
      next = now + std::chrono::milliseconds{100};
    } else if (connected) {
      for (const auto &[id, published] : published_) {
        next = std::min(next, published.at + (pending.contains(id) ? settings_.min_interval
                                                                   : settings_.max_interval));
      }
    }
    std::unique_lock lock(mutex_);
    (void)time_.wait_until(wake_, lock, std::max(next, now + std::chrono::milliseconds{10}),
                           [this, failed] { return stopping_ || (woken_ && !failed); });
  }
}

void MqttPublisher::refresh_meters() {
  std::vector<Meter> meters = store_->meters();
  // A meter gone, or moved to another site, leaves nothing on the topics
  // that household's Home Assistant reads.
  const auto still_there = [&meters](std::int64_t id, std::int64_t site) {
    return std::any_of(meters.begin(), meters.end(),
                       [&](const Meter &m) { return m.id == id && m.site_id == site; });
  };
  for (const auto &[id, published] : published_) {
    if (!still_there(id, published.site_id) && connected_) {
      spdlog::info("mqtt_out: meter {} is gone from site {}; clearing its config and states", id,
                   published.site_id);
      const DiscoveryNames names = names_of(published.site_id);
      const MeterTopics topics = meter_topics(names, id);
      send(discovery_topic(names, id), "");
      for (const std::string &topic : {topics.power, topics.total, topics.today}) {
        send(topic, "");
      }
      send(topics.availability, "offline");
    }
  }
  std::erase_if(published_,
                [&](const auto &entry) { return !still_there(entry.first, entry.second.site_id); });
  meters_ = std::move(meters);

  std::set<std::int64_t> sites{home_site_id};
  for (const Meter &meter : meters_) {
    sites.insert(meter.site_id);
  }
  std::set<std::int64_t> unsubscribed;
  {
    const std::lock_guard lock(mutex_);
    sites_ = sites;
    std::set_difference(sites.begin(), sites.end(), subscribed_sites_.begin(),
                        subscribed_sites_.end(), std::inserter(unsubscribed, unsubscribed.end()));
  }
  if (connected_ && !unsubscribed.empty()) {
    subscribe_and_sync(unsubscribed); // a new household: its retained totals first
  }
}

void MqttPublisher::send_discovery() {
  if (settings_.discovery_prefix.empty()) {
    return;
  }
  if (published_.empty()) {
    bridge_sent_.clear();
  }
  for (const Meter &meter : meters_) {
    if (bridge_sent_.insert(meter.site_id).second) {
      const DiscoveryNames names = names_of(meter.site_id);
      send(bridge_discovery_topic(names), bridge_discovery(names).dump());
    }
  }
  for (const Meter &meter : meters_) {
    MeterExtras extras;
    extras.priced = !meter.tariff.empty();
    extras.has_calorific =
        meter.kind == MeterKind::gas && !store_->calorific_values(meter.id).empty();
    const DiscoveryNames names = names_of(meter.site_id);
    const std::string config = meter_discovery(meter, extras, names).dump();
    Published &published = published_[meter.id];
    published.site_id = meter.site_id;
    if (config == published.config) {
      continue;
    }
    // Once per meter and unit, not at every send of the discovery.
    if (const auto warning = unit_warning(meter);
        warning && unit_warned_.insert({meter.id, meter.unit}).second) {
      spdlog::warn("mqtt_out: {}", *warning);
    }
    send(discovery_topic(names, meter.id), config);
    published.config = config;
  }
}

void MqttPublisher::publish_meter(const Meter &meter, UtcTime now) {
  Published &published = published_[meter.id];
  published.site_id = meter.site_id;
  const MeterTopics topics = meter_topics(names_of(meter.site_id), meter.id);
  if (!published.announced && !published.total_sent) {
    // Not known yet in this process: HA shows the meter unavailable
    // until its total has been read, never a 0.
    send(topics.availability, "offline");
  }
  // Never below a total published before (a restored database, a reading
  // corrected downwards): held there until the store catches up.
  const double total =
      totals_.publish(meter.id, MarkedFigure::total, store_->register_state(meter.id, now).total,
                      now, false, half_a_pulse(meter));
  send(topics.total, format_amount(total, meter.pulses_per_unit));
  published.total_sent = true;

  if (const std::optional<double> power = power_now_(meter.id)) {
    const FlowUnit flow = flow_unit(meter);
    send(topics.power, fmt::format("{:.{}f}", *power * flow.per_rate, flow.unit == "W" ? 1 : 4));
  }

  const Calendar calendar(zone_, billing_day_);
  const Bucket day = calendar.bucket_containing(now, BucketSize::day);
  const auto rows =
      energy_series(*store_, meter.id, day.start, now + Micros{1}, BucketSize::day, calendar, 2);
  // Today's figures only when they could be worked out: a 0 in their
  // place would read to HA as a drop within the day, not a new day.
  if (rows.ok()) {
    nlohmann::json today{{"since", format_utc(day.start)}};
    double energy = 0.0;
    std::optional<double> cost;
    std::optional<double> kwh;
    for (const EnergyRow &row : *rows) {
      energy += row.value;
      if (row.cost) {
        cost = cost.value_or(0.0) + *row.cost;
      }
      if (row.kwh) {
        kwh = kwh.value_or(0.0) + *row.kwh;
      }
    }
    today["energy"] = std::stod(format_amount(energy, meter.pulses_per_unit));
    if (cost) {
      today["cost"] = std::round(*cost * 10000.0) / 10000.0;
    }
    if (kwh) {
      today["kwh"] = std::round(*kwh * 1000.0) / 1000.0;
    }
    send(topics.today, today.dump());
  } else {
    spdlog::warn("mqtt_out: meter {}: today's figures not published: {}", meter.id,
                 rows.error().message);
  }
  // The alerts judge whole hours: worked out once an hour, after a
  // reconnect (the broker may have lost them), and while they say the
  // meter is silent (its next pulse ends that at once, as in /api/alerts).
  const std::int64_t hour = to_epoch_us(now) / 3'600'000'000;
  if (hour != published.alerts_hour || !published.announced || published.silent_sent) {
    nlohmann::json alerts = nlohmann::json::array();
    published.silent_sent = false;
    for (const Alert &alert : meter_alerts(*store_, meter, calendar, now, settings_.alerts)) {
      published.silent_sent = published.silent_sent || alert.kind == AlertKind::silent;
      alerts.push_back({{"kind", to_string(alert.kind)},
                        {"since", since_text(alert)},
                        {"message", alert.message}});
    }
    send(topics.problem,
         nlohmann::json{{"state", alerts.empty() ? "OFF" : "ON"}, {"alerts", alerts}}.dump());
    published.alerts_hour = hour;
  }
  if (!published.announced) {
    send(topics.availability, "online");
    published.announced = true;
  }
  published.at = time_.monotonic_now();
}

void MqttPublisher::send(const std::string &topic, const std::string &payload, bool retain) {
  if (client_->publish(topic, payload, settings_.qos, retain)) {
    messages_ += 1;
  }
}

} // namespace pulsemon::publish

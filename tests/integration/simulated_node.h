#pragma once
// A sensor node for tests on the build machine: the node's code
// (firmware/pulse_node/src/pulsenode) wired as the sketch wires it, with
// POSIX transports in place of ESP8266HTTPClient and PubSubClient, and a
// pulse train in place of the meter. Used by node_e2e_test.cpp and
// broker_acl_test.cpp.
#include "pulsenode/ack_check.h"
#include "pulsenode/node_core.h"
#include "pulsenode/uploader.h"

#include "support/http_client.h"

#include <mosquitto.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace pulsemon::testing {

using NodeClock = std::chrono::steady_clock;

constexpr uint32_t outbox_pulses = 2000;
using NodeUploader = pulsenode::Uploader<outbox_pulses>;

// How batches leave a node: send() hands one over (false: it did not go
// out); poll() lets acknowledgements come in, as loop() does on the chip.
class Transport {
public:
  virtual ~Transport() = default;
  virtual bool send(const std::string &batch, NodeUploader &uploader, uint32_t now_ms) = 0;
  virtual void poll(NodeUploader &uploader, uint32_t now_ms) = 0;
};

// As the sketch with NODE_USE_MQTT 0: a 200 is the acknowledgement. Given
// several ports (instances behind a load balancer), an upload that fails
// makes the next one go to the next instance, as a balancer takes a dead
// backend out of rotation.
class HttpTransport : public Transport {
public:
  HttpTransport(unsigned short port, std::string key) : HttpTransport(std::vector{port}, key) {}
  HttpTransport(std::vector<unsigned short> ports, std::string key)
      : ports_(std::move(ports)), key_(std::move(key)) {}

  bool send(const std::string &batch, NodeUploader &uploader, uint32_t now_ms) override {
    try {
      const auto answer =
          http_request(ports_[next_], "POST", "/api/ingest", batch,
                       {{"Authorization", "Bearer " + key_}, {"Content-Type", "application/json"}});
      if (answer.status == 200) {
        (void)uploader.acknowledged(uploader.boot(), uploader.seq(), now_ms);
        return true;
      }
    } catch (const std::exception &) {
      // refused or cut off: this pulsemon is down
    }
    next_ = (next_ + 1) % ports_.size();
    return false;
  }
  void poll(NodeUploader & /*uploader*/, uint32_t /*now_ms*/) override {}

private:
  std::vector<unsigned short> ports_;
  std::size_t next_ = 0;
  std::string key_;
};

// As the sketch with NODE_USE_MQTT 1 (PubSubClient): a clean session,
// batches published at QoS 0, acknowledgements read from pulsemon/<node>/ack.
class MqttTransport : public Transport {
public:
  // `password`, when given, logs in as the user named after the node.
  MqttTransport(unsigned short port, const std::string &node, const std::string &device_key,
                const std::string &password = "")
      : port_(port), node_(node), batches_("pulsemon/" + node + "/pulses"),
        acks_("pulsemon/" + node + "/ack"),
        ack_key_(pulsenode::derive_ack_key(device_key.c_str())) {
    mosquitto_lib_init();
    client_ = mosquitto_new(node.c_str(), true, this);
    if (!password.empty()) {
      mosquitto_username_pw_set(client_, node.c_str(), password.c_str());
    }
    mosquitto_message_callback_set(client_, &MqttTransport::on_message);
  }
  ~MqttTransport() override { mosquitto_destroy(client_); }
  MqttTransport(const MqttTransport &) = delete;
  // Messages on the ack topic without pulsemon's signature, ignored.
  [[nodiscard]] int unsigned_acks() const { return unsigned_acks_; }
  MqttTransport &operator=(const MqttTransport &) = delete;

  bool send(const std::string &batch, NodeUploader &uploader, uint32_t now_ms) override {
    if (!connected_ && !connect(now_ms)) {
      return false;
    }
    keep_subscribed(uploader, now_ms);
    return subscription_.active() &&
           mosquitto_publish(client_, nullptr, batches_.c_str(), static_cast<int>(batch.size()),
                             batch.data(), 0, false) == MOSQ_ERR_SUCCESS;
  }

  void poll(NodeUploader &uploader, uint32_t now_ms) override {
    uploader_ = &uploader;
    ack_time_ms_ = now_ms;
    if (!connected_ && !connect(now_ms)) {
      return;
    }
    keep_subscribed(uploader, now_ms);
    if (mosquitto_loop(client_, 0, 1) != MOSQ_ERR_SUCCESS) {
      connected_ = false; // the broker went away
    }
  }

private:
  bool connect(uint32_t now_ms) {
    if (now_ms - last_attempt_ms_ < 200) {
      return false;
    }
    last_attempt_ms_ = now_ms;
    if (mosquitto_connect(client_, "127.0.0.1", port_, 5) != MOSQ_ERR_SUCCESS) {
      return false;
    }
    connected_ = true;
    return true;
  }

  // As the sketch's keep_subscribed(). The ack is retained: one published
  // while this node was away arrives when it subscribes.
  void keep_subscribed(const NodeUploader &uploader, uint32_t now_ms) {
    if (subscription_.due(connected_, uploader.ack_timeouts(), now_ms)) {
      subscription_.subscribed(
          mosquitto_subscribe(client_, nullptr, acks_.c_str(), 1) == MOSQ_ERR_SUCCESS, now_ms);
    }
  }

  static void on_message(mosquitto * /*client*/, void *self, const mosquitto_message *message) {
    auto &me = *static_cast<MqttTransport *>(self);
    uint32_t boot = 0;
    uint32_t seq = 0;
    if (me.uploader_ != nullptr &&
        pulsenode::read_signed_ack(static_cast<const char *>(message->payload),
                                   static_cast<std::size_t>(message->payloadlen), me.node_.c_str(),
                                   me.ack_key_, boot, seq)) {
      (void)me.uploader_->acknowledged(boot, seq, me.ack_time_ms_);
    } else {
      ++me.unsigned_acks_;
    }
  }

  unsigned short port_;
  std::string node_;
  std::string batches_;
  std::string acks_;
  pulsenode::AckKey ack_key_;
  pulsenode::AckSubscription subscription_;
  mosquitto *client_ = nullptr;
  bool connected_ = false;
  uint32_t last_attempt_ms_ = 0;
  NodeUploader *uploader_ = nullptr;
  uint32_t ack_time_ms_ = 0;
  std::atomic<int> unsigned_acks_{0};
};

// How fast a node's pulses come and how often it looks and uploads. The
// defaults make a busy meter (30–60 ms apart); many nodes on one machine
// need a calmer pace.
struct NodePace {
  std::uint64_t min_interval_us = 30'000;
  std::uint64_t max_interval_us = 60'000;
  std::chrono::milliseconds loop_every{2}; // as loop() on the chip
  std::uint32_t send_interval_ms = 300;
  std::uint32_t ack_timeout_ms = 1500;
};

// One node: the core as the sketch wires it, with pulses arriving at
// random intervals (NodePace) for `generate_for`, on a micros() that wraps
// 4 s into the run.
class SimulatedNode {
public:
  SimulatedNode(std::string name, std::int32_t meter, std::unique_ptr<Transport> transport,
                const char *key_in_batch, std::uint32_t seed, NodePace pace = {})
      : name_(std::move(name)), identity_{name_.c_str(), meter, key_in_batch},
        transport_(std::move(transport)), rng_(seed),
        pace_(pace), uploader_{*outbox_, settings(pace), 0xB007'0001U} {}
  ~SimulatedNode() { stop(); }
  SimulatedNode(const SimulatedNode &) = delete;
  SimulatedNode &operator=(const SimulatedNode &) = delete;

  void start(std::chrono::milliseconds generate_for) {
    thread_ = std::thread([this, generate_for] { run(generate_for); });
  }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) {
      thread_.join();
    }
  }
  // Everything generated has been acknowledged.
  [[nodiscard]] bool drained() const { return drained_; }
  // Pulses generated so far, and how many of them have left the node's
  // outbox (as of the end of its last pass).
  [[nodiscard]] std::size_t generated_so_far() const { return generated_count_; }
  [[nodiscard]] std::size_t dropped() const { return dropped_; }
  // Valid after stop().
  [[nodiscard]] const std::vector<std::uint64_t> &generated() const { return generated_; }
  [[nodiscard]] int resends() const { return resends_; }
  // Pulses the node had to drop: its outbox or its capture ring was full.
  [[nodiscard]] std::uint32_t overflows() const {
    return outbox_->overflows() + capture_.ring_overflows();
  }

private:
  void run(std::chrono::milliseconds generate_for) {
    constexpr std::uint64_t micros_at_start = (1ULL << 32) - 4'000'000;
    const std::uint64_t generate_until_us = static_cast<std::uint64_t>(generate_for.count()) * 1000;
    std::uniform_int_distribution<std::uint64_t> interval_us(pace_.min_interval_us,
                                                             pace_.max_interval_us);
    std::uint64_t next_pulse_us = 100'000;
    std::uint32_t last_written_seq = 0;
    const NodeClock::time_point started = NodeClock::now();
    std::vector<char> text(pulsenode::PulseCapture::capacity * 21 + 1024);
    while (!stop_) {
      const auto elapsed_us = static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(NodeClock::now() - started)
              .count());
      for (; next_pulse_us <= elapsed_us && next_pulse_us < generate_until_us;
           next_pulse_us += interval_us(rng_)) {
        capture_.on_edge(static_cast<std::uint32_t>(micros_at_start + next_pulse_us));
        generated_.push_back(micros_at_start + next_pulse_us);
      }
      (void)pulsenode::drain_capture(static_cast<std::uint32_t>(micros_at_start + elapsed_us),
                                     extender_, capture_, *outbox_);
      const auto now_ms = static_cast<std::uint32_t>(elapsed_us / 1000);
      if (uploader_.ready(now_ms)) {
        if (uploader_.seq() == last_written_seq) {
          ++resends_;
        }
        last_written_seq = uploader_.seq();
        pulsenode::Health health;
        health.buffered = outbox_->size();
        health.overflows = outbox_->overflows() + capture_.ring_overflows();
        health.uptime_s = now_ms / 1000;
        health.firmware = "e2e";
        const std::uint64_t now_us =
            extender_.extend(static_cast<std::uint32_t>(micros_at_start + elapsed_us));
        const std::size_t length =
            uploader_.write(text.data(), text.size(), identity_, now_us, health, now_ms);
        if (length == 0 || !transport_->send(std::string(text.data(), length), uploader_, now_ms)) {
          uploader_.failed(now_ms);
        }
      }
      transport_->poll(uploader_, now_ms);
      drained_ = next_pulse_us >= generate_until_us && outbox_->size() == 0;
      dropped_ = generated_.size() - outbox_->size();
      generated_count_ = generated_.size();
      std::this_thread::sleep_for(pace_.loop_every);
    }
  }

  static pulsenode::UploadSettings settings(const NodePace &pace) {
    pulsenode::UploadSettings settings;
    settings.batch_pulses = 10;
    settings.send_interval_ms = pace.send_interval_ms;
    settings.ack_timeout_ms = pace.ack_timeout_ms;
    settings.first_retry_ms = 100;
    settings.max_retry_ms = 800;
    return settings;
  }

  std::string name_;
  pulsenode::NodeIdentity identity_;
  std::unique_ptr<Transport> transport_;
  std::mt19937_64 rng_;
  NodePace pace_;
  pulsenode::PulseCapture capture_{5'000};
  pulsenode::MicrosExtender extender_;
  std::unique_ptr<pulsenode::Outbox<outbox_pulses>> outbox_ =
      std::make_unique<pulsenode::Outbox<outbox_pulses>>();
  NodeUploader uploader_;
  std::vector<std::uint64_t> generated_;
  int resends_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> drained_{false};
  std::atomic<std::size_t> generated_count_{0};
  std::atomic<std::size_t> dropped_{0};
  std::thread thread_;
};

// Someone else on the broker: answers every batch of `node` at once with a
// retained ack for it, as pulsemon would, but without pulsemon's signature
// (one with none, as the old firmware expected; one with a made-up one).
class AckForger {
public:
  AckForger(unsigned short port, std::string node)
      : node_(std::move(node)), acks_("pulsemon/" + node_ + "/ack") {
    mosquitto_lib_init();
    client_ = mosquitto_new("forger", true, this);
    mosquitto_message_callback_set(client_, &AckForger::on_batch);
    if (mosquitto_connect(client_, "127.0.0.1", port, 5) != MOSQ_ERR_SUCCESS ||
        mosquitto_subscribe(client_, nullptr, ("pulsemon/" + node_ + "/pulses").c_str(), 0) !=
            MOSQ_ERR_SUCCESS ||
        mosquitto_loop_start(client_) != MOSQ_ERR_SUCCESS) {
      throw std::runtime_error("the forger could not reach the broker");
    }
  }
  ~AckForger() {
    mosquitto_disconnect(client_);
    mosquitto_loop_stop(client_, true);
    mosquitto_destroy(client_);
  }
  AckForger(const AckForger &) = delete;
  AckForger &operator=(const AckForger &) = delete;

  [[nodiscard]] int forged() const { return forged_; }

private:
  static void on_batch(mosquitto *client, void *self, const mosquitto_message *message) {
    auto &me = *static_cast<AckForger *>(self);
    const auto batch =
        nlohmann::json::parse(std::string(static_cast<const char *>(message->payload),
                                          static_cast<std::size_t>(message->payloadlen)),
                              nullptr, false);
    if (!batch.is_object() || !batch.contains("boot") || !batch.contains("seq")) {
      return;
    }
    nlohmann::json ack{{"node", me.node_},    {"boot", batch["boot"]},
                       {"seq", batch["seq"]}, {"accepted", batch["pulses"].size()},
                       {"duplicates", 0},     {"duplicate_batch", false},
                       {"missing", 0}};
    for (const bool with_mac : {false, true}) {
      if (with_mac) {
        ack["mac"] = std::string(64, 'a');
      }
      const std::string text = ack.dump();
      mosquitto_publish(client, nullptr, me.acks_.c_str(), static_cast<int>(text.size()),
                        text.data(), 1, true);
      ++me.forged_;
    }
  }

  std::string node_;
  std::string acks_;
  mosquitto *client_ = nullptr;
  std::atomic<int> forged_{0};
};

} // namespace pulsemon::testing

#include "ingest/mqtt_ingest.h"

#include "core/quoted_input.h"
#include "core/untrusted_json.h"
#include "ingest/ack_signature.h"
#include "ingest/ingest_batch.h"
#include "ingest/node_batches.h"

#include <mosquitto.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <system_error>

namespace pulsemon {

namespace {

constexpr std::string_view batch_prefix = "pulsemon/";
constexpr std::string_view batch_suffix = "/pulses";
constexpr int keepalive_s = 30;

void init_library_once() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

// "pulsemon/<node>/pulses" → node; empty when the topic is not a batch topic.
std::string node_of(const std::string &topic) {
  if (topic.size() <= batch_prefix.size() + batch_suffix.size() ||
      !topic.starts_with(batch_prefix) || !topic.ends_with(batch_suffix)) {
    return {};
  }
  return topic.substr(batch_prefix.size(),
                      topic.size() - batch_prefix.size() - batch_suffix.size());
}

} // namespace

MqttIngest::MqttIngest(MqttSettings settings, std::unique_ptr<Store> store, PulseBus *bus,
                       KeepPulses keep_power_pulses, TimeSource &time)
    : settings_(std::move(settings)), store_(std::move(store)), recorder_(*store_, bus),
      keep_power_pulses_(std::move(keep_power_pulses)), time_(time) {
  init_library_once();
  for (const PowerTopic &topic : settings_.power_topics) {
    const Meter meter = store_->meter(topic.meter_id);
    integrators_.emplace(topic.topic,
                         PowerReportIntegrator(meter.pulses_per_unit, Micros{300'000'000}));
  }
  client_ = mosquitto_new(settings_.client_id.c_str(), settings_.shared_among_instances, this);
  if (client_ == nullptr) {
    // EINVAL: libmosquitto refuses an empty client id (a persistent session needs one).
    throw Failure(ErrorCode::unavailable, "mqtt: cannot create a client with client_id " +
                                              quoted_input(settings_.client_id) + ": " +
                                              std::system_category().message(errno));
  }
  mosquitto_connect_callback_set(client_, &MqttIngest::on_connect);
  mosquitto_disconnect_callback_set(client_, &MqttIngest::on_disconnect);
  mosquitto_message_callback_set(client_, &MqttIngest::on_message);
  mosquitto_subscribe_callback_set(client_, &MqttIngest::on_subscribe);
  mosquitto_reconnect_delay_set(client_, 1, 30, true);
  if (!settings_.username.empty()) {
    mosquitto_username_pw_set(client_, settings_.username.c_str(), settings_.password.c_str());
  }
}

MqttIngest::~MqttIngest() {
  stop();
  mosquitto_destroy(client_);
}

void MqttIngest::start() {
  const int rc =
      mosquitto_connect_async(client_, settings_.host.c_str(), settings_.port, keepalive_s);
  if (rc != MOSQ_ERR_SUCCESS) {
    spdlog::warn("mqtt: connecting to {}:{} failed ({}); retrying in the background",
                 settings_.host, settings_.port, mosquitto_strerror(rc));
  }
  if (mosquitto_loop_start(client_) != MOSQ_ERR_SUCCESS) {
    throw Failure(ErrorCode::unavailable, "mqtt: cannot start the network thread");
  }
  started_ = true;
}

void MqttIngest::stop() {
  if (!started_) {
    return;
  }
  started_ = false;
  mosquitto_disconnect(client_);
  mosquitto_loop_stop(client_, true);
}

MqttStats MqttIngest::stats() const {
  return MqttStats{batches_.load(), refused_.load(), power_reports_.load(), connected_.load()};
}

void MqttIngest::on_connect(mosquitto *client, void *self, int rc) {
  auto &ingest = *static_cast<MqttIngest *>(self);
  if (rc != 0) {
    spdlog::warn("mqtt: the broker refused the connection: {}", mosquitto_connack_string(rc));
    return;
  }
  ingest.connected_ = true;
  spdlog::info("mqtt: connected to {}:{}", ingest.settings_.host, ingest.settings_.port);
  // One request for all topics, so one acknowledgement says they all hold.
  std::vector<char *> topics;
  std::string batches =
      ingest.settings_.shared_among_instances ? shared_batches_topic : "pulsemon/+/pulses";
  topics.push_back(batches.data());
  for (PowerTopic &topic : ingest.settings_.power_topics) {
    topics.push_back(topic.topic.data());
  }
  mosquitto_subscribe_multiple(client, nullptr, static_cast<int>(topics.size()), topics.data(), 1,
                               0, nullptr);
}

void MqttIngest::on_subscribe(mosquitto * /*client*/, void *self, int /*mid*/, int count,
                              const int *granted) {
  auto &ingest = *static_cast<MqttIngest *>(self);
  for (int i = 0; i < count; ++i) {
    if (granted[i] > 2) {
      spdlog::warn("mqtt: the broker refused a subscription (check its ACL)");
    }
  }
  spdlog::info("mqtt: subscribed to {}{}",
               ingest.settings_.shared_among_instances
                   ? std::string(shared_batches_topic) + " (shared with the other instances)"
                   : std::string("pulsemon/+/pulses"),
               ingest.settings_.power_topics.empty() ? "" : " and the power-report topics");
}

void MqttIngest::on_disconnect(mosquitto * /*client*/, void *self, int rc) {
  auto &ingest = *static_cast<MqttIngest *>(self);
  ingest.connected_ = false;
  if (rc != 0) {
    spdlog::warn("mqtt: lost the broker ({}); reconnecting", mosquitto_strerror(rc));
  }
}

void MqttIngest::on_message(mosquitto * /*client*/, void *self, const mosquitto_message *message) {
  auto &ingest = *static_cast<MqttIngest *>(self);
  // A full batch (10 000 pulses) is about 200 KB; HTTP bodies stop at 1 MiB
  // by default, and so do payloads here, before any parsing.
  constexpr std::size_t max_payload_bytes = std::size_t{1024} * 1024;
  const auto length = static_cast<std::size_t>(std::max(message->payloadlen, 0));
  if (length > max_payload_bytes) {
    ++ingest.refused_;
    spdlog::warn("mqtt: {}: refused: payload: {} bytes, more than {}", message->topic, length,
                 max_payload_bytes);
    return;
  }
  const std::string payload(static_cast<const char *>(message->payload), length);
  try {
    ingest.handle(message->topic, payload);
  } catch (const std::exception &failure) {
    ++ingest.refused_;
    spdlog::warn("mqtt: {}: refused: {}", message->topic, failure.what());
  }
}

void MqttIngest::handle(const std::string &topic, const std::string &payload) {
  for (const PowerTopic &power : settings_.power_topics) {
    if (power.topic == topic) {
      return handle_power(power, payload);
    }
  }
  const std::string node = node_of(topic);
  if (!node.empty()) {
    handle_batch(node, payload);
  }
}

void MqttIngest::handle_batch(const std::string &node, const std::string &payload) {
  const nlohmann::json body = value_or_throw(parse_untrusted_json(payload, "body"));
  if (!body.is_object()) {
    throw Failure(ErrorCode::invalid_argument, "body: not a JSON object");
  }
  const auto key_field = body.find("key");
  const auto stored_key = key_field != body.end() && key_field->is_string()
                              ? known_device_key(*store_, key_field->get<std::string>())
                              : std::nullopt;
  if (!stored_key) {
    throw Failure(ErrorCode::unauthenticated, "key: missing, unknown or revoked device key");
  }
  IngestBatch batch = parse_ingest_batch(body, time_.wall_now());
  batch.key_id = stored_key->id;
  if (batch.node != node) {
    throw Failure(ErrorCode::invalid_argument, "node: " + quoted_input(batch.node) +
                                                   " does not match the topic's " +
                                                   quoted_input(node));
  }
  if (!key_may_write(*store_, batch.key_id, batch.pulses.meter_id)) {
    throw Failure(ErrorCode::permission_denied, "meter: this device key may not write meter " +
                                                    std::to_string(batch.pulses.meter_id));
  }
  // Committed (and published) before the ack goes out.
  const IngestOutcome outcome = store_node_batch(recorder_, batch);
  ++batches_;
  nlohmann::json answer = ingest_answer(batch, outcome);
  answer["mac"] = ack_signature(key_field->get<std::string>(), batch.node,
                                static_cast<std::uint64_t>(batch.boot),
                                static_cast<std::uint64_t>(batch.seq)); // both checked ≥ 0
  const std::string ack = answer.dump();
  const std::string ack_topic = "pulsemon/" + node + "/ack";
  mosquitto_publish(client_, nullptr, ack_topic.c_str(), static_cast<int>(ack.size()), ack.data(),
                    1, true);
}

void MqttIngest::handle_power(const PowerTopic &topic, const std::string &payload) {
  const double kilowatts = value_or_throw(parse_kilowatts(payload));
  const auto pulses = integrators_.at(topic.topic).on_report(time_.wall_now(), kilowatts);
  ++power_reports_;
  if (!pulses.empty()) {
    // The integrator has moved on: the pulses now live in the writer's
    // queue, which keeps them through failed commits.
    keep_power_pulses_(PulseBatch{topic.meter_id, pulses, {}, {}});
  }
}

} // namespace pulsemon

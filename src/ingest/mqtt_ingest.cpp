#include "ingest/mqtt_ingest.h"

#include "core/quoted_input.h"
#include "core/untrusted_json.h"
#include "ingest/ack_signature.h"
#include "ingest/ingest_batch.h"
#include "ingest/node_batches.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace pulsemon {

namespace {

constexpr std::string_view batch_prefix = "pulsemon/";
constexpr std::string_view batch_suffix = "/pulses";

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
  for (const PowerTopic &topic : settings_.power_topics) {
    const Meter meter = store_->meter(topic.meter_id);
    integrators_.emplace(topic.topic,
                         PowerReportIntegrator(meter.pulses_per_unit, Micros{300'000'000}));
  }
  client_ = std::make_unique<mqtt::BrokerClient>(
      settings_.broker,
      mqtt::ClientOptions{.section = "mqtt",
                          .client_id = settings_.client_id,
                          .clean_session = settings_.shared_among_instances},
      mqtt::ClientEvents{
          .connected = [this] { on_connect(); },
          .disconnected = [this](bool /*expected*/) { connected_ = false; },
          .message = [this](std::string_view topic,
                            std::string_view payload) { on_message(topic, payload); },
          .subscribed = [this](const std::vector<int> &granted) { on_subscribe(granted); },
          .published = {}});
}

MqttIngest::~MqttIngest() {
  stop();
}

void MqttIngest::start() {
  client_->start();
}

void MqttIngest::stop() {
  client_->stop();
}

MqttStats MqttIngest::stats() const {
  return MqttStats{batches_.load(), refused_.load(), power_reports_.load(), connected_.load()};
}

void MqttIngest::on_connect() {
  connected_ = true;
  spdlog::info("mqtt: connected to {}:{}{}", settings_.broker.host, settings_.broker.port,
               settings_.broker.ca_file.empty() ? "" : " over TLS");
  std::vector<std::string> topics{settings_.shared_among_instances ? shared_batches_topic
                                                                   : "pulsemon/+/pulses"};
  for (const PowerTopic &topic : settings_.power_topics) {
    topics.push_back(topic.topic);
  }
  client_->subscribe(topics, 1);
}

void MqttIngest::on_subscribe(const std::vector<int> &granted) const {
  for (const int qos : granted) {
    if (qos > 2) {
      spdlog::warn("mqtt: the broker refused a subscription (check its ACL)");
    }
  }
  spdlog::info("mqtt: subscribed to {}{}",
               settings_.shared_among_instances
                   ? std::string(shared_batches_topic) + " (shared with the other instances)"
                   : std::string("pulsemon/+/pulses"),
               settings_.power_topics.empty() ? "" : " and the power-report topics");
}

void MqttIngest::on_message(std::string_view topic, std::string_view payload) {
  // A full batch (10 000 pulses) is about 200 KB; HTTP bodies stop at 1 MiB
  // by default, and so do payloads here, before any parsing.
  constexpr std::size_t max_payload_bytes = std::size_t{1024} * 1024;
  if (payload.size() > max_payload_bytes) {
    ++refused_;
    spdlog::warn("mqtt: {}: refused: payload: {} bytes, more than {}", topic, payload.size(),
                 max_payload_bytes);
    return;
  }
  try {
    handle(std::string(topic), std::string(payload));
  } catch (const std::exception &failure) {
    ++refused_;
    spdlog::warn("mqtt: {}: refused: {}", topic, failure.what());
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
  (void)client_->publish(ack_topic, ack, 1, true);
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

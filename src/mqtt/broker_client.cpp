#include "mqtt/broker_client.h"

#include "core/quoted_input.h"
#include "core/result.h"

#include <mosquitto.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace pulsemon::mqtt {

namespace {

constexpr int keepalive_s = 30;

void init_library_once() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

} // namespace

void BrokerClient::Free::operator()(mosquitto *client) const {
  mosquitto_destroy(client);
}

BrokerClient::BrokerClient(Broker broker, ClientOptions options, ClientEvents events)
    : broker_(std::move(broker)), options_(std::move(options)), events_(std::move(events)) {
  init_library_once();
  client_.reset(mosquitto_new(options_.client_id.c_str(), options_.clean_session, this));
  if (!client_) {
    // EINVAL: libmosquitto refuses an empty client id (a persistent session needs one).
    throw Failure(ErrorCode::unavailable, options_.section +
                                              ": cannot create a client with "
                                              "client_id " +
                                              quoted_input(options_.client_id) + ": " +
                                              std::system_category().message(errno));
  }
  mosquitto_connect_callback_set(client_.get(), &BrokerClient::on_connect);
  mosquitto_disconnect_callback_set(client_.get(), &BrokerClient::on_disconnect);
  mosquitto_message_callback_set(client_.get(), &BrokerClient::on_message);
  mosquitto_subscribe_callback_set(client_.get(), &BrokerClient::on_subscribe);
  mosquitto_publish_callback_set(client_.get(), &BrokerClient::on_publish);
  mosquitto_log_callback_set(client_.get(), &BrokerClient::on_log);
  mosquitto_reconnect_delay_set(client_.get(), 1, 30, true);
  if (!broker_.username.empty()) {
    mosquitto_username_pw_set(client_.get(), broker_.username.c_str(), broker_.password.c_str());
  }
  if (!broker_.ca_file.empty()) {
    const int rc = mosquitto_tls_set(client_.get(), broker_.ca_file.c_str(), nullptr, nullptr,
                                     nullptr, nullptr);
    if (rc != MOSQ_ERR_SUCCESS) {
      throw Failure(ErrorCode::invalid_argument, "config key '" + options_.section +
                                                     ".ca_file': cannot use " + broker_.ca_file +
                                                     ": " + mosquitto_strerror(rc));
    }
  }
  if (options_.will) {
    const Will &will = *options_.will;
    mosquitto_will_set(client_.get(), will.topic.c_str(), static_cast<int>(will.payload.size()),
                       will.payload.data(), will.qos, will.retain);
  }
}

BrokerClient::~BrokerClient() {
  stop();
}

void BrokerClient::start() {
  const int rc =
      mosquitto_connect_async(client_.get(), broker_.host.c_str(), broker_.port, keepalive_s);
  if (rc != MOSQ_ERR_SUCCESS) {
    spdlog::warn("{}: connecting to {}:{} failed ({}); retrying in the background",
                 options_.section, broker_.host, broker_.port, mosquitto_strerror(rc));
  }
  if (mosquitto_loop_start(client_.get()) != MOSQ_ERR_SUCCESS) {
    throw Failure(ErrorCode::unavailable, options_.section + ": cannot start the network thread");
  }
  started_ = true;
}

void BrokerClient::stop(bool flush) {
  if (!started_) {
    return;
  }
  started_ = false;
  mosquitto_disconnect(client_.get());
  mosquitto_loop_stop(client_.get(), !flush);
}

std::optional<int> BrokerClient::publish(const std::string &topic, std::string_view payload,
                                         int qos, bool retain) {
  int message_id = 0;
  const int rc = mosquitto_publish(client_.get(), &message_id, topic.c_str(),
                                   static_cast<int>(payload.size()), payload.data(), qos, retain);
  if (rc != MOSQ_ERR_SUCCESS) {
    spdlog::debug("{}: publishing {} failed: {}", options_.section, topic, mosquitto_strerror(rc));
    return std::nullopt;
  }
  return message_id;
}

void BrokerClient::subscribe(const std::vector<std::string> &topics, int qos) {
  std::vector<char *> names;
  names.reserve(topics.size());
  for (const std::string &topic : topics) {
    names.push_back(const_cast<char *>(topic.c_str())); // libmosquitto only reads them
  }
  mosquitto_subscribe_multiple(client_.get(), nullptr, static_cast<int>(names.size()), names.data(),
                               qos, 0, nullptr);
}

void BrokerClient::unsubscribe(const std::string &topic) {
  mosquitto_unsubscribe(client_.get(), nullptr, topic.c_str());
}

void BrokerClient::on_connect(mosquitto * /*client*/, void *self, int rc) {
  auto &client = *static_cast<BrokerClient *>(self);
  if (rc != 0) {
    spdlog::warn("{}: the broker refused the connection: {}", client.options_.section,
                 mosquitto_connack_string(rc));
    return;
  }
  {
    const std::lock_guard lock(client.log_mutex_);
    client.last_error_.clear();
  }
  if (client.events_.connected) {
    client.events_.connected();
  }
}

void BrokerClient::on_disconnect(mosquitto * /*client*/, void *self, int rc) {
  auto &client = *static_cast<BrokerClient *>(self);
  if (rc != 0) {
    spdlog::warn("{}: lost the broker ({}); reconnecting", client.options_.section,
                 mosquitto_strerror(rc));
  }
  if (client.events_.disconnected) {
    client.events_.disconnected(rc == 0);
  }
}

void BrokerClient::on_message(mosquitto * /*client*/, void *self,
                              const mosquitto_message *message) {
  auto &client = *static_cast<BrokerClient *>(self);
  if (client.events_.message) {
    client.events_.message(
        message->topic,
        std::string_view(static_cast<const char *>(message->payload),
                         static_cast<std::size_t>(std::max(message->payloadlen, 0))));
  }
}

void BrokerClient::on_subscribe(mosquitto * /*client*/, void *self, int /*mid*/, int count,
                                const int *granted) {
  auto &client = *static_cast<BrokerClient *>(self);
  if (client.events_.subscribed) {
    client.events_.subscribed(std::vector<int>(granted, granted + std::max(count, 0)));
  }
}

void BrokerClient::on_publish(mosquitto * /*client*/, void *self, int mid) {
  auto &client = *static_cast<BrokerClient *>(self);
  if (client.events_.published) {
    client.events_.published(mid);
  }
}

void BrokerClient::on_log(mosquitto * /*client*/, void *self, int level, const char *text) {
  if ((level & MOSQ_LOG_ERR) == 0) {
    return;
  }
  auto &client = *static_cast<BrokerClient *>(self);
  const std::lock_guard lock(client.log_mutex_);
  if (client.last_error_ != text) {
    client.last_error_ = text;
    spdlog::warn("{}: {}:{}: {}", client.options_.section, client.broker_.host, client.broker_.port,
                 text);
  }
}

} // namespace pulsemon::mqtt

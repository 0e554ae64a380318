#pragma once
// A test's MQTT client (libmosquitto, its own network thread): publishes,
// and collects what arrives on its subscriptions.

#include <gtest/gtest.h>
#include <mosquitto.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace pulsemon::testing {

class MqttClient {
public:
  struct Message {
    std::string topic;
    std::string payload;
    bool retained = false; // delivered from the broker's store on subscribing
  };

  // Connects to the broker on 127.0.0.1:port, logged in when `user` is given.
  // Over TLS when `ca_file` is given (the broker's certificate must come from it).
  explicit MqttClient(unsigned short port, const std::string &user = "",
                      const std::string &password = "", const std::string &client_id = "",
                      const std::string &ca_file = "") {
    mosquitto_lib_init();
    client_ = mosquitto_new(client_id.empty() ? nullptr : client_id.c_str(), true, this);
    if (!ca_file.empty()) {
      EXPECT_EQ(mosquitto_tls_set(client_, ca_file.c_str(), nullptr, nullptr, nullptr, nullptr),
                MOSQ_ERR_SUCCESS);
    }
    if (!user.empty()) {
      mosquitto_username_pw_set(client_, user.c_str(), password.c_str());
    }
    mosquitto_message_callback_set(
        client_, [](mosquitto *, void *self, const mosquitto_message *message) {
          auto &me = *static_cast<MqttClient *>(self);
          const std::lock_guard lock(me.mutex_);
          me.received_.emplace_back(static_cast<const char *>(message->payload),
                                    static_cast<std::size_t>(message->payloadlen));
          me.messages_.push_back(Message{message->topic, me.received_.back(), message->retain});
        });
    mosquitto_subscribe_callback_set(client_, [](mosquitto *, void *self, int, int, const int *) {
      ++static_cast<MqttClient *>(self)->subscriptions_;
    });
    mosquitto_publish_callback_set(client_, [](mosquitto *, void *self, int mid) {
      static_cast<MqttClient *>(self)->acknowledged_ = mid;
    });
    EXPECT_EQ(mosquitto_connect(client_, "127.0.0.1", port, 30), MOSQ_ERR_SUCCESS);
    mosquitto_loop_start(client_);
  }
  ~MqttClient() {
    mosquitto_disconnect(client_);
    mosquitto_loop_stop(client_, true);
    mosquitto_destroy(client_);
  }
  MqttClient(const MqttClient &) = delete;
  MqttClient &operator=(const MqttClient &) = delete;

  // Returns once the broker has answered the subscription (which it also
  // does when its access rules refuse it).
  void subscribe(const std::string &topic) {
    const int before = subscriptions_;
    mosquitto_subscribe(client_, nullptr, topic.c_str(), 1);
    for (int i = 0; i < 1500 && subscriptions_ == before; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    EXPECT_GT(subscriptions_, before) << "the broker did not answer the subscription";
  }
  void publish(const std::string &topic, const std::string &payload) {
    mosquitto_publish(client_, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                      payload.data(), 1, false);
  }
  // Retained, and waits (at most 5 s) until the broker has it.
  void publish_retained(const std::string &topic, const std::string &payload) {
    int mid = 0;
    mosquitto_publish(client_, &mid, topic.c_str(), static_cast<int>(payload.size()),
                      payload.data(), 1, true);
    for (int i = 0; i < 500 && acknowledged_ < mid; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    EXPECT_GE(acknowledged_, mid) << "the broker did not take " << topic;
  }
  // Waits until `count` messages have arrived (or 15 s), returns them all.
  std::vector<std::string> wait_for(std::size_t count) {
    for (int i = 0; i < 1500; ++i) {
      if (received().size() >= count) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    return received();
  }
  // What has arrived so far.
  [[nodiscard]] std::vector<std::string> received() const {
    const std::lock_guard lock(mutex_);
    return received_;
  }
  // The same with their topics, in the order they arrived.
  [[nodiscard]] std::vector<Message> messages() const {
    const std::lock_guard lock(mutex_);
    return messages_;
  }
  // Waits (at most `timeout`) until a message on `topic` satisfying
  // `wanted` has arrived after the first `skip` messages; returns it.
  template <typename Wanted>
  std::optional<Message>
  wait_for_message(const std::string &topic, Wanted wanted, std::size_t skip = 0,
                   std::chrono::milliseconds timeout = std::chrono::seconds{20}) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      const std::vector<Message> all = messages();
      for (std::size_t i = skip; i < all.size(); ++i) {
        if (all[i].topic == topic && wanted(all[i].payload)) {
          return all[i];
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    return std::nullopt;
  }

private:
  mosquitto *client_ = nullptr;
  mutable std::mutex mutex_;
  std::vector<std::string> received_;
  std::vector<Message> messages_;
  std::atomic<int> subscriptions_{0};
  std::atomic<int> acknowledged_{0};
};

} // namespace pulsemon::testing

#pragma once
// A test's MQTT client (libmosquitto, its own network thread): publishes,
// and collects what arrives on its subscriptions.

#include <gtest/gtest.h>
#include <mosquitto.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace pulsemon::testing {

class MqttClient {
public:
  // Connects to the broker on 127.0.0.1:port, logged in when `user` is given.
  explicit MqttClient(unsigned short port, const std::string &user = "",
                      const std::string &password = "", const std::string &client_id = "") {
    mosquitto_lib_init();
    client_ = mosquitto_new(client_id.empty() ? nullptr : client_id.c_str(), true, this);
    if (!user.empty()) {
      mosquitto_username_pw_set(client_, user.c_str(), password.c_str());
    }
    mosquitto_message_callback_set(
        client_, [](mosquitto *, void *self, const mosquitto_message *message) {
          auto &me = *static_cast<MqttClient *>(self);
          const std::lock_guard lock(me.mutex_);
          me.received_.emplace_back(static_cast<const char *>(message->payload),
                                    static_cast<std::size_t>(message->payloadlen));
        });
    mosquitto_subscribe_callback_set(client_, [](mosquitto *, void *self, int, int, const int *) {
      ++static_cast<MqttClient *>(self)->subscriptions_;
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

private:
  mosquitto *client_ = nullptr;
  mutable std::mutex mutex_;
  std::vector<std::string> received_;
  std::atomic<int> subscriptions_{0};
};

} // namespace pulsemon::testing

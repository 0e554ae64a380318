#pragma once
// One MQTT connection on libmosquitto, for the node subscriber (ingest) and
// the publisher (publish): the handle owned and freed (RAII), the library
// initialised once per process, TLS to the broker whenever a CA file is
// given, reconnects with backoff on libmosquitto's network thread, and the
// library's own errors (a certificate it refuses, a name it cannot resolve)
// logged, each distinct one once in a row, under the config section's name.
//
// Thread safety: the events run on libmosquitto's network thread; publish,
// subscribe and unsubscribe may be called from any thread (libmosquitto
// locks), start and stop from the owner's.

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct mosquitto;
struct mosquitto_message;

namespace pulsemon::mqtt {

// Where the broker is and how to sign in ([mqtt] and [mqtt_out] alike).
struct Broker {
  std::string host = "127.0.0.1";
  unsigned short port = 1883;
  std::string username; // empty: anonymous
  std::string password;
  std::string ca_file; // TLS, trusting only these CAs, when set
};

// The broker publishes this for us when the connection dies without a
// DISCONNECT (MQTT's last will).
struct Will {
  std::string topic;
  std::string payload;
  int qos = 1;
  bool retain = true;
};

struct ClientOptions {
  std::string section; // "mqtt" or "mqtt_out": names the config keys in errors and log lines
  std::string client_id;
  bool clean_session = true;
  std::optional<Will> will{};
};

// What the connection tells its owner, on the network thread. Any may be
// empty.
struct ClientEvents {
  // The broker accepted the connection (again): subscribe here.
  std::function<void()> connected;
  // The connection ended; `expected` when this side asked for it.
  std::function<void(bool expected)> disconnected;
  // A message on a subscribed topic; the views last for the call only.
  std::function<void(std::string_view topic, std::string_view payload)> message;
  // The QoS granted per topic of one subscribe request (128: refused).
  std::function<void(const std::vector<int> &granted)> subscribed;
  // The broker has the message with this id (QoS 1 and 2).
  std::function<void(int message_id)> published;
};

class BrokerClient {
public:
  // Throws Failure naming the config key when the client id or the CA file
  // cannot be used.
  BrokerClient(Broker broker, ClientOptions options, ClientEvents events);
  ~BrokerClient();
  BrokerClient(const BrokerClient &) = delete;
  BrokerClient &operator=(const BrokerClient &) = delete;

  // Connects in the background and keeps connecting until stop().
  void start();
  // Disconnects and ends the network thread. `flush`: let the thread send
  // the DISCONNECT first (a clean end sends no will); otherwise it is
  // stopped at once.
  void stop(bool flush = false);

  // The message id, or nothing when libmosquitto refused the message (it
  // says why in the debug log).
  std::optional<int> publish(const std::string &topic, std::string_view payload, int qos,
                             bool retain);
  // One request for all of `topics`, so one answer says whether they hold.
  void subscribe(const std::vector<std::string> &topics, int qos);
  void unsubscribe(const std::string &topic);

  [[nodiscard]] const Broker &broker() const { return broker_; }

private:
  struct Free {
    void operator()(mosquitto *client) const;
  };
  static void on_connect(mosquitto *client, void *self, int rc);
  static void on_disconnect(mosquitto *client, void *self, int rc);
  static void on_message(mosquitto *client, void *self, const mosquitto_message *message);
  static void on_subscribe(mosquitto *client, void *self, int mid, int count, const int *granted);
  static void on_publish(mosquitto *client, void *self, int mid);
  static void on_log(mosquitto *client, void *self, int level, const char *text);

  Broker broker_;
  ClientOptions options_;
  ClientEvents events_;
  std::unique_ptr<mosquitto, Free> client_;
  bool started_ = false;
  std::mutex log_mutex_;
  std::string last_error_; // libmosquitto's last error, logged once
};

} // namespace pulsemon::mqtt

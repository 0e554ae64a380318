// Stand-in for Nick O'Leary's PubSubClient 2.8 (see Arduino.h here). On the
// ESP8266 the callback is a std::function; a plain function pointer takes
// the same functions and needs no C++ library for this check.
#pragma once

#include <Client.h>

#define MQTT_CALLBACK_SIGNATURE void (*callback)(char *, uint8_t *, unsigned int)

class PubSubClient {
public:
  explicit PubSubClient(Client &client);
  PubSubClient &setServer(const char *domain, uint16_t port);
  PubSubClient &setCallback(MQTT_CALLBACK_SIGNATURE);
  boolean setBufferSize(uint16_t size);
  boolean connect(const char *id, const char *user, const char *pass);
  void disconnect();
  boolean publish(const char *topic, const uint8_t *payload, unsigned int plength,
                  boolean retained);
  boolean subscribe(const char *topic, uint8_t qos);
  boolean loop();
  boolean connected();
};

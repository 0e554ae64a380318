// Stand-in for the ESP8266 core's WiFiClient (see Arduino.h here).
#pragma once

#include <Client.h>

class WiFiClient : public Client {
public:
  int connect(const char *host, uint16_t port) override;
  size_t write(const uint8_t *buffer, size_t size) override;
  int read(uint8_t *buffer, size_t size) override;
  void stop() override;
  uint8_t connected() override;
};

// Stand-in for the Arduino API's Client.h (see Arduino.h here).
#pragma once

#include <Arduino.h>

class Client {
public:
  virtual ~Client() = default;
  virtual int connect(const char *host, uint16_t port);
  virtual size_t write(const uint8_t *buffer, size_t size);
  virtual int read(uint8_t *buffer, size_t size);
  virtual void stop();
  virtual uint8_t connected();
};

// Stand-in for the ESP8266 core's ESP8266HTTPClient (see Arduino.h here).
#pragma once

#include <WiFiClient.h>

class HTTPClient {
public:
  bool begin(WiFiClient &client, const String &url);
  void addHeader(const String &name, const String &value, bool first = false, bool replace = true);
  int POST(const uint8_t *payload, size_t size);
  void end();
};

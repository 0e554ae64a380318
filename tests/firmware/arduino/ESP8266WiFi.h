// Stand-in for the ESP8266 core's ESP8266WiFi library (see Arduino.h here).
#pragma once

#include <Arduino.h>
#include <WiFiClient.h>

typedef enum { WIFI_OFF = 0, WIFI_STA = 1, WIFI_AP = 2, WIFI_AP_STA = 3 } WiFiMode_t;
typedef enum {
  WL_IDLE_STATUS = 0,
  WL_NO_SSID_AVAIL = 1,
  WL_CONNECTED = 3,
  WL_CONNECT_FAILED = 4,
  WL_DISCONNECTED = 6
} wl_status_t;

class ESP8266WiFiClass {
public:
  bool mode(WiFiMode_t mode);
  wl_status_t begin(const char *ssid, const char *passphrase = nullptr, int32_t channel = 0,
                    const uint8_t *bssid = nullptr, bool connect = true);
  wl_status_t status();
  int8_t RSSI();
  bool disconnect(bool wifioff = false);
};
extern ESP8266WiFiClass WiFi;

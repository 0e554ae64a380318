// Stand-in for the ESP8266 core's BearSSL::WiFiClientSecure (see Arduino.h
// here): certificate pinning by fingerprint or by trust anchors.
#pragma once

#include <WiFiClient.h>

namespace BearSSL {

class X509List {
public:
  explicit X509List(const char *pem);
};

class WiFiClientSecure : public WiFiClient {
public:
  bool setFingerprint(const char *fingerprint);
  void setTrustAnchors(const X509List *anchors);
  void setInsecure();
  void setBufferSizes(int recv, int xmit);
};

} // namespace BearSSL

using namespace BearSSL;

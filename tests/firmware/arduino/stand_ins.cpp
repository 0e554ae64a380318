// Bodies for the stand-in Arduino, ESP8266 and PubSubClient declarations
// (see Arduino.h here), and for the BearSSL HMAC the ESP8266 core ships as
// a library. They do nothing: what scripts/firmware-check proves is that
// every file of the sketch folder compiles and that every symbol the
// sketch needs links. The entry point runs setup() and loop() as the core
// does, after constructing the global objects.
#include <Arduino.h>
#include <ESP8266HTTPClient.h>
#include <ESP8266WiFi.h>
#include <PubSubClient.h>
#include <WiFiClientSecure.h>

#include <bearssl/bearssl_hmac.h>

void setup();
void loop();

extern "C" void (*__init_array_start[])(void);
extern "C" void (*__init_array_end[])(void);

extern "C" void app_entry() {
  for (auto constructor = __init_array_start; constructor != __init_array_end; ++constructor) {
    (*constructor)(); // the sketch's global objects
  }
  setup();
  for (;;) {
    loop();
  }
}

// What C++ needs at run time without its library (the ESP8266 core's
// abi.cpp provides the same).
extern "C" int __cxa_guard_acquire(int64_t *guard) {
  return *guard == 0 ? 1 : 0;
}
extern "C" void __cxa_guard_release(int64_t *guard) {
  *guard = 1;
}
extern "C" void __cxa_guard_abort(int64_t *) {}
extern "C" void __cxa_pure_virtual() {
  abort();
}
void operator delete(void *, size_t) noexcept {}
void operator delete(void *) noexcept {}

extern "C" uint32_t esp_random_register(void) {
  return 4;
}
unsigned long millis(void) {
  return 0;
}
unsigned long micros(void) {
  return 0;
}
void delay(unsigned long) {}
void yield(void) {}
void pinMode(uint8_t, uint8_t) {}
int analogRead(uint8_t) {
  return 0;
}
void attachInterrupt(uint8_t, void (*)(void), int) {}
void configTime(int, int, const char *, const char *, const char *) {}

HardwareSerial Serial;
void HardwareSerial::begin(unsigned long) {}
size_t HardwareSerial::println(const char *text) {
  return strlen(text) + 2;
}

EspClass ESP;
void EspClass::deepSleep(uint64_t, RFMode) {}
bool EspClass::rtcUserMemoryRead(uint32_t, uint32_t *, size_t) {
  return true;
}
bool EspClass::rtcUserMemoryWrite(uint32_t, uint32_t *, size_t) {
  return true;
}
struct rst_info *EspClass::getResetInfoPtr() {
  static rst_info info{};
  return &info;
}

ESP8266WiFiClass WiFi;
bool ESP8266WiFiClass::mode(WiFiMode_t) {
  return true;
}
wl_status_t ESP8266WiFiClass::begin(const char *, const char *, int32_t, const uint8_t *, bool) {
  return WL_DISCONNECTED;
}
wl_status_t ESP8266WiFiClass::status() {
  return WL_DISCONNECTED;
}
int8_t ESP8266WiFiClass::RSSI() {
  return 0;
}
bool ESP8266WiFiClass::disconnect(bool) {
  return true;
}

int Client::connect(const char *, uint16_t) {
  return 0;
}
size_t Client::write(const uint8_t *, size_t) {
  return 0;
}
int Client::read(uint8_t *, size_t) {
  return -1;
}
void Client::stop() {}
uint8_t Client::connected() {
  return 0;
}
int WiFiClient::connect(const char *, uint16_t) {
  return 0;
}
size_t WiFiClient::write(const uint8_t *, size_t) {
  return 0;
}
int WiFiClient::read(uint8_t *, size_t) {
  return -1;
}
void WiFiClient::stop() {}
uint8_t WiFiClient::connected() {
  return 0;
}

namespace BearSSL {
X509List::X509List(const char *) {}
bool WiFiClientSecure::setFingerprint(const char *) {
  return true;
}
void WiFiClientSecure::setTrustAnchors(const X509List *) {}
void WiFiClientSecure::setInsecure() {}
void WiFiClientSecure::setBufferSizes(int, int) {}
} // namespace BearSSL

bool HTTPClient::begin(WiFiClient &, const String &) {
  return true;
}
void HTTPClient::addHeader(const String &, const String &, bool, bool) {}
int HTTPClient::POST(const uint8_t *, size_t) {
  return -1;
}
void HTTPClient::end() {}

PubSubClient::PubSubClient(Client &) {}
PubSubClient &PubSubClient::setServer(const char *, uint16_t) {
  return *this;
}
PubSubClient &PubSubClient::setCallback(void (*)(char *, uint8_t *, unsigned int)) {
  return *this;
}
boolean PubSubClient::setBufferSize(uint16_t) {
  return true;
}
boolean PubSubClient::connect(const char *, const char *, const char *) {
  return false;
}
void PubSubClient::disconnect() {}
boolean PubSubClient::publish(const char *, const uint8_t *, unsigned int, boolean) {
  return false;
}
boolean PubSubClient::subscribe(const char *, uint8_t) {
  return false;
}
boolean PubSubClient::loop() {
  return false;
}
boolean PubSubClient::connected() {
  return false;
}

extern "C" {
const br_hash_class br_sha256_vtable = {};
void br_hmac_key_init(br_hmac_key_context *, const br_hash_class *, const void *, size_t) {}
void br_hmac_init(br_hmac_context *, const br_hmac_key_context *, size_t) {}
void br_hmac_update(br_hmac_context *, const void *, size_t) {}
size_t br_hmac_out(const br_hmac_context *, void *) {
  return 32;
}
}

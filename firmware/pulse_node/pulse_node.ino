// pulsemon sensor node for an ESP8266 (NodeMCU, Wemos D1 mini).
//
// Counts every flash of a meter's LED on NODE_PULSE_PIN, keeps each pulse's
// time, and uploads batches to pulsemon with a device key, over HTTP
// (POST /api/ingest) or MQTT (pulsemon/<node>/pulses, acknowledged on
// pulsemon/<node>/ack with a signature only pulsemon can make). A pulse
// leaves the node's memory only when the server has said that the batch
// carrying it is committed; while WiFi, the broker or the server is down
// the outbox keeps up to NODE_OUTBOX_PULSES pulses and counts any beyond.
// The logic lives in src/pulsenode (host-tested, and driven end to end by
// tests/integration/node_e2e_test.cpp); this file is the wiring.
// Settings: config.h, overridden by config_local.h (docs/sensor-node.md).
#if __has_include("config_local.h")
#include "config_local.h"
#endif
#include "config.h"

#include "src/pulsenode/ack_check.h"
#include "src/pulsenode/node_core.h"
#include "src/pulsenode/uploader.h"

#include <ESP8266WiFi.h>
#if NODE_TLS
#include <WiFiClientSecure.h>
#include <time.h>
#else
#include <WiFiClient.h>
#endif
#if NODE_USE_MQTT
#include <PubSubClient.h> // "PubSubClient" by Nick O'Leary, from the Library Manager
#else
#include <ESP8266HTTPClient.h>
#endif

namespace {

// Settings that cannot work stop the build here, with a message, rather
// than on the chip.
constexpr bool valid_node_name(const char *name) {
  if (*name == '\0') {
    return false;
  }
  for (; *name != '\0'; ++name) {
    const char c = *name;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '-' || c == '_')) {
      return false;
    }
  }
  return true;
}
static_assert(valid_node_name(NODE_NAME),
              "NODE_NAME: use letters, digits, '-' and '_' only (it is part of MQTT topics)");
static_assert(NODE_BATCH_PULSES >= 1 && NODE_BATCH_PULSES <= NODE_OUTBOX_PULSES,
              "NODE_BATCH_PULSES: between 1 and NODE_OUTBOX_PULSES");
static_assert(NODE_OUTBOX_PULSES >= 1 && NODE_OUTBOX_PULSES <= 4000,
              "NODE_OUTBOX_PULSES: between 1 and 4000 (8 bytes of RAM each)");
static_assert(NODE_MIN_INTERVAL_US >= 0 && NODE_MIN_INTERVAL_US <= 60000000,
              "NODE_MIN_INTERVAL_US: between 0 and 60 s");
static_assert(NODE_BATTERY_RECHECK_MIN >= 1 && NODE_BATTERY_RECHECK_MIN <= 180,
              "NODE_BATTERY_RECHECK_MIN: between 1 and 180 (the chip sleeps at most ~3.5 h)");
static_assert(NODE_BATTERY_DIVIDER == 0.0f || NODE_BATTERY_RESUME_V > NODE_BATTERY_CUTOFF_V,
              "NODE_BATTERY_RESUME_V must be above NODE_BATTERY_CUTOFF_V");
static_assert(pulsenode::battery_settings_usable(NODE_BATTERY_DIVIDER, NODE_BATTERY_CUTOFF_V,
                                                 NODE_BATTERY_RESUME_V),
              "NODE_BATTERY_DIVIDER cannot read NODE_BATTERY_RESUME_V (its full scale in volts is "
              "the divider itself): the node would sleep for good; choose a divider for the "
              "battery or set the voltages for it (docs/sensor-node.md)");

pulsenode::PulseCapture capture(NODE_MIN_INTERVAL_US);
pulsenode::Outbox<NODE_OUTBOX_PULSES> outbox;
pulsenode::MicrosExtender extender;
pulsenode::BatteryGuard battery(pulsenode::BatterySettings{
    NODE_BATTERY_DIVIDER, NODE_BATTERY_CUTOFF_V, NODE_BATTERY_RESUME_V});
uint32_t last_battery_sample_ms = 0;

pulsenode::UploadSettings upload_settings() {
  pulsenode::UploadSettings settings;
  settings.batch_pulses = NODE_BATCH_PULSES;
  settings.send_interval_ms = NODE_SEND_INTERVAL_MS;
  settings.ack_timeout_ms = NODE_ACK_TIMEOUT_MS;
  return settings;
}
pulsenode::Uploader<NODE_OUTBOX_PULSES> *uploader = nullptr; // made in setup(), with the boot id
char batch_text[NODE_BATCH_PULSES * 21 + 640];

#if NODE_TLS
BearSSL::WiFiClientSecure network;
#ifdef NODE_TLS_CA_CERT
BearSSL::X509List trusted_ca(NODE_TLS_CA_CERT);
#endif
#else
WiFiClient network;
#endif

#if NODE_USE_MQTT
PubSubClient mqtt(network);
const pulsenode::NodeIdentity identity{NODE_NAME, NODE_METER_ID, NODE_DEVICE_KEY};
pulsenode::AckKey ack_key;
pulsenode::AckSubscription ack_subscription;
#else
const pulsenode::NodeIdentity identity{NODE_NAME, NODE_METER_ID, nullptr};
#endif

// The interrupt: read the time first, hand it on, return.
void IRAM_ATTR on_pulse() {
  capture.on_edge(micros());
}

pulsenode::Health health() {
  pulsenode::Health health;
  health.rssi = WiFi.RSSI();
  health.volts = battery.volts();
  health.uptime_s = pulsenode::uptime_seconds(extender.extend(micros()));
  health.buffered = outbox.size();
  health.overflows = outbox.overflows() + capture.ring_overflows();
  health.too_close = capture.too_close();
  health.firmware = NODE_FIRMWARE_VERSION;
  return health;
}

void set_up_tls() {
#if NODE_TLS
  network.setBufferSizes(NODE_TLS_RECEIVE_BUFFER, 512);
#ifdef NODE_TLS_CA_CERT
  configTime(0, 0, NODE_NTP_SERVER); // a CA's certificates are checked against the date
  network.setTrustAnchors(&trusted_ca);
#else
  network.setFingerprint(NODE_TLS_FINGERPRINT);
#endif
#endif
}

#if NODE_USE_MQTT
// Only an ack signed with this node's key drops pulses: anyone else on the
// broker could write to the ack topic.
void on_ack(char * /*topic*/, uint8_t *payload, unsigned int length) {
  uint32_t boot = 0;
  uint32_t seq = 0;
  if (pulsenode::read_signed_ack(reinterpret_cast<const char *>(payload), length, NODE_NAME,
                                 ack_key, boot, seq)) {
    uploader->acknowledged(boot, seq, millis());
  } else {
    Serial.println("pulsemon: an ack without pulsemon's signature was ignored");
  }
}

// Keeps the subscription to the acks (AckSubscription says when to
// subscribe again); true while it holds.
bool keep_subscribed() {
  const uint32_t now = millis();
  if (ack_subscription.due(mqtt.connected(), uploader->ack_timeouts(), now)) {
    ack_subscription.subscribed(mqtt.subscribe("pulsemon/" NODE_NAME "/ack", 1), now);
  }
  return ack_subscription.active();
}

// Connecting blocks, so it happens only when a batch is due (after the
// uploader's backoff), not on every pass.
bool connect_broker() {
  if (!mqtt.connected() && !mqtt.connect(NODE_NAME, NODE_MQTT_USER, NODE_MQTT_PASSWORD)) {
    return false;
  }
  return keep_subscribed();
}

// Publishes the batch; the acknowledgement arrives later through on_ack.
bool send(size_t length) {
  return connect_broker() &&
         mqtt.publish("pulsemon/" NODE_NAME "/pulses",
                      reinterpret_cast<const uint8_t *>(batch_text), length, false);
}
#else
// Posts the batch; a 200 means the server committed it.
bool send(size_t length) {
  HTTPClient http;
  http.begin(network, NODE_SERVER_URL);
  http.addHeader("Content-Type", "application/json");
  http.addHeader("Authorization", "Bearer " NODE_DEVICE_KEY);
  const int status = http.POST(reinterpret_cast<uint8_t *>(batch_text), length);
  http.end();
  if (status == 200) {
    uploader->acknowledged(uploader->boot(), uploader->seq(), millis());
    return true;
  }
  return false; // 4xx: see the server's log; 5xx or no answer: try again later
}
#endif

// Sends the next batch if one is due; a failure waits out the backoff.
// ready() runs on every pass, connected or not (it keeps its timers right).
void upload() {
  const uint32_t now = millis();
  if (!uploader->ready(now) || WiFi.status() != WL_CONNECTED) {
    return;
  }
  const uint64_t now_us = extender.extend(micros());
  const size_t length =
      uploader->write(batch_text, sizeof batch_text, identity, now_us, health(), now);
  if (length == 0 || !send(length)) {
    uploader->failed(now);
  }
}

void one_pass() {
  (void)pulsenode::drain_capture(micros(), extender, capture, outbox);
  upload();
#if NODE_USE_MQTT
  if (mqtt.connected()) {
    keep_subscribed(); // so that acks come in
    mqtt.loop();       // delivers acknowledgements to on_ack
  }
#endif
}

// Deep sleep ends in a reset (D0 wired to RST), which starts setup() again.
void sleep_for_battery() {
  ESP.deepSleep(static_cast<uint64_t>(NODE_BATTERY_RECHECK_MIN) * 60ULL * 1000000ULL);
}

// The battery is low: send what is held (for up to a minute), say goodbye
// to the broker and WiFi, and sleep; pulses during the sleep are not seen.
void flush_and_sleep() {
  Serial.println("pulsemon: battery low, sending what is held, then deep sleep");
  const uint32_t started = millis();
  while (outbox.size() > 0 && millis() - started < 60000) {
    one_pass();
    delay(10);
  }
#if NODE_USE_MQTT
  mqtt.disconnect();
#endif
  WiFi.disconnect(true);
  sleep_for_battery();
}

// After a low-battery sleep: back to sleep unless the battery has recovered.
void check_battery_after_sleep() {
  if (!battery.enabled() || ESP.getResetInfoPtr()->reason != REASON_DEEP_SLEEP_AWAKE) {
    return;
  }
  for (uint32_t i = 0; i < pulsenode::BatteryGuard::samples; ++i) {
    battery.add_sample(analogRead(A0));
    delay(2);
  }
  if (!battery.recovered()) {
    sleep_for_battery();
  }
}

// This start's boot id (pulsenode::boot_id): the count of starts kept in
// RTC memory, mixed with the random register.
uint32_t next_boot_id() {
  constexpr uint32_t kept_magic = 0x70756c73; // "puls": the memory holds our count
  uint32_t kept[2] = {0, 0};                  // magic, starts
  ESP.rtcUserMemoryRead(0, kept, sizeof kept);
  if (kept[0] != kept_magic) {
    kept[0] = kept_magic;
    kept[1] = 0;
  }
  ++kept[1];
  ESP.rtcUserMemoryWrite(0, kept, sizeof kept);
  return pulsenode::boot_id(kept[1], RANDOM_REG32);
}

} // namespace

void setup() {
  Serial.begin(115200);
  check_battery_after_sleep();
  WiFi.mode(WIFI_STA); // the radio on: from now the random register is random
  static pulsenode::Uploader<NODE_OUTBOX_PULSES> the_uploader(outbox, upload_settings(),
                                                              next_boot_id());
  uploader = &the_uploader;
#if NODE_USE_MQTT
  ack_key = pulsenode::derive_ack_key(NODE_DEVICE_KEY);
#endif
  pinMode(NODE_PULSE_PIN, INPUT_PULLUP);
  attachInterrupt(digitalPinToInterrupt(NODE_PULSE_PIN), on_pulse, NODE_PULSE_EDGE);
  WiFi.begin(NODE_WIFI_SSID, NODE_WIFI_PASSWORD);
  set_up_tls();
#if NODE_USE_MQTT
  mqtt.setServer(NODE_MQTT_HOST, NODE_MQTT_PORT);
  mqtt.setBufferSize(sizeof batch_text + 64);
  mqtt.setCallback(on_ack);
#endif
}

void loop() {
  one_pass();
  // Once a second: more often disturbs the ESP8266's WiFi.
  if (battery.enabled() && millis() - last_battery_sample_ms >= 1000) {
    last_battery_sample_ms = millis();
    battery.add_sample(analogRead(A0));
    if (battery.too_low()) {
      flush_and_sleep();
    }
  }
  delay(5);
}

// pulsemon sensor node for an ESP8266 (NodeMCU, Wemos D1 mini).
//
// Counts every flash of a meter's LED on NODE_PULSE_PIN, keeps each pulse's
// time, and uploads batches to pulsemon with a device key, over HTTP
// (POST /api/ingest) or MQTT (pulsemon/<node>/pulses, acknowledged on
// pulsemon/<node>/ack). A pulse leaves the node's memory only when the
// server has said that the batch carrying it is committed; while WiFi, the
// broker or the server is down the outbox keeps up to NODE_OUTBOX_PULSES
// pulses and counts any beyond. The logic lives in ../core (host-tested,
// and driven end to end by tests/integration/node_e2e_test.cpp); this file
// is the wiring.
#if __has_include("config_local.h")
#include "config_local.h"
#else
#include "config.h"
#endif

#include "../core/node_core.h"
#include "../core/uploader.h"

#include <ESP8266WiFi.h>
#if NODE_USE_MQTT
#include <PubSubClient.h> // "PubSubClient" by Nick O'Leary, from the Library Manager
#else
#include <ESP8266HTTPClient.h>
#include <WiFiClient.h>
#endif

namespace {

pulsenode::PulseCapture capture(NODE_MIN_INTERVAL_US);
pulsenode::Outbox<NODE_OUTBOX_PULSES> outbox;
pulsenode::MicrosExtender extender;
pulsenode::BatterySettings battery{1.0f, NODE_BATTERY_DIVIDER, NODE_BATTERY_CUTOFF_V};
pulsenode::UploadSettings upload_settings() {
  pulsenode::UploadSettings settings;
  settings.batch_pulses = NODE_BATCH_PULSES;
  settings.send_interval_ms = NODE_SEND_INTERVAL_MS;
  settings.ack_timeout_ms = NODE_ACK_TIMEOUT_MS;
  return settings;
}
pulsenode::Uploader<NODE_OUTBOX_PULSES> *uploader = nullptr; // made in setup(), with the boot id
char batch_text[NODE_BATCH_PULSES * 21 + 640];

#if NODE_USE_MQTT
WiFiClient network;
PubSubClient mqtt(network);
const pulsenode::NodeIdentity identity{NODE_NAME, NODE_METER_ID, NODE_DEVICE_KEY};
#else
const pulsenode::NodeIdentity identity{NODE_NAME, NODE_METER_ID, nullptr};
#endif

// The interrupt: read the time first, hand it on, return.
void IRAM_ATTR on_pulse() {
  capture.on_edge(micros());
}

void drain_capture() {
  uint32_t raw[pulsenode::PulseCapture::capacity];
  const uint32_t n = capture.take(raw, pulsenode::PulseCapture::capacity);
  for (uint32_t i = 0; i < n; ++i) {
    outbox.push(extender.extend(raw[i]));
  }
}

float read_battery() {
  return NODE_BATTERY_DIVIDER > 0.0f ? pulsenode::battery_volts(analogRead(A0), battery) : 0.0f;
}

pulsenode::Health health() {
  pulsenode::Health health;
  health.rssi = WiFi.RSSI();
  health.volts = read_battery();
  health.uptime_s = millis() / 1000;
  health.buffered = outbox.size();
  health.overflows = outbox.overflows() + capture.ring_overflows();
  health.glitches = capture.glitches();
  health.firmware = NODE_FIRMWARE_VERSION;
  return health;
}

#if NODE_USE_MQTT
void on_ack(char * /*topic*/, uint8_t *payload, unsigned int length) {
  uint32_t boot = 0;
  uint32_t seq = 0;
  if (pulsenode::read_ack(reinterpret_cast<const char *>(payload), length, boot, seq)) {
    uploader->acknowledged(boot, seq, millis());
  }
}

bool connect_broker() {
  if (mqtt.connected()) {
    return true;
  }
  if (!mqtt.connect(NODE_NAME, NODE_MQTT_USER, NODE_MQTT_PASSWORD)) {
    return false;
  }
  return mqtt.subscribe("pulsemon/" NODE_NAME "/ack");
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
  WiFiClient client;
  HTTPClient http;
  http.begin(client, NODE_SERVER_URL);
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
void upload() {
  const uint32_t now = millis();
  if (WiFi.status() != WL_CONNECTED || !uploader->ready(now)) {
    return;
  }
  const uint64_t now_us = extender.extend(micros());
  const size_t length =
      uploader->write(batch_text, sizeof batch_text, identity, now_us, health(), now);
  if (length == 0 || !send(length)) {
    uploader->failed(now);
  }
}

} // namespace

void setup() {
  Serial.begin(115200);
  static pulsenode::Uploader<NODE_OUTBOX_PULSES> the_uploader(outbox, upload_settings(),
                                                              RANDOM_REG32);
  uploader = &the_uploader;
  pinMode(NODE_PULSE_PIN, INPUT_PULLUP);
  attachInterrupt(digitalPinToInterrupt(NODE_PULSE_PIN), on_pulse, NODE_PULSE_EDGE);
  WiFi.mode(WIFI_STA);
  WiFi.begin(NODE_WIFI_SSID, NODE_WIFI_PASSWORD);
#if NODE_USE_MQTT
  mqtt.setServer(NODE_MQTT_HOST, NODE_MQTT_PORT);
  mqtt.setBufferSize(sizeof batch_text + 64);
  mqtt.setCallback(on_ack);
#endif
}

void loop() {
  drain_capture(); // often: keeps micros() extension right and the ring empty
  upload();
#if NODE_USE_MQTT
  mqtt.loop(); // delivers acknowledgements to on_ack
#endif
  if (pulsenode::battery_too_low(read_battery(), battery)) {
    upload(); // the last pulses, if the server can be reached
    ESP.deepSleep(0); // until someone charges the battery and resets the node
  }
  delay(5);
}

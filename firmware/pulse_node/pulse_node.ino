// pulsemon sensor node for an ESP8266 (NodeMCU, Wemos D1 mini).
//
// Counts every flash of a meter's LED on NODE_PULSE_PIN, keeps each pulse's
// time, and uploads batches to pulsemon's POST /api/ingest with a device
// key. A pulse leaves the node's memory only when the server has answered
// that the batch carrying it is committed; while WiFi or the server is down
// the outbox keeps up to NODE_OUTBOX_PULSES pulses and counts any beyond.
// The logic lives in ../core (host-tested); this file is the wiring.
#if __has_include("config_local.h")
#include "config_local.h"
#else
#include "config.h"
#endif

#include "../core/node_core.h"

#include <ESP8266HTTPClient.h>
#include <ESP8266WiFi.h>
#include <WiFiClient.h>

namespace {

pulsenode::PulseCapture capture(NODE_MIN_INTERVAL_US);
pulsenode::Outbox<NODE_OUTBOX_PULSES> outbox;
pulsenode::MicrosExtender extender;
pulsenode::Backoff backoff;
pulsenode::BatterySettings battery{1.0f, NODE_BATTERY_DIVIDER, NODE_BATTERY_CUTOFF_V};

uint32_t boot_id = 0;    // a new random number at every start
uint32_t next_seq = 1;   // the batch being sent now, until it is acknowledged
uint32_t in_flight = 0;  // pulses in that batch
uint32_t next_try_ms = 0;
char batch_text[NODE_BATCH_PULSES * 21 + 512];

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

// Sends the oldest pulses; true when the server committed them.
bool send_batch() {
  if (WiFi.status() != WL_CONNECTED) {
    return false;
  }
  if (in_flight == 0) { // a new batch; a failed one is resent as it was
    in_flight = outbox.size() < NODE_BATCH_PULSES ? outbox.size() : NODE_BATCH_PULSES;
  }
  pulsenode::Health health;
  health.rssi = WiFi.RSSI();
  health.volts = read_battery();
  health.uptime_s = millis() / 1000;
  health.buffered = outbox.size();
  health.overflows = outbox.overflows() + capture.ring_overflows();
  health.glitches = capture.glitches();
  health.firmware = NODE_FIRMWARE_VERSION;
  const uint64_t now_us = extender.extend(micros());
  const size_t length = pulsenode::write_batch(batch_text, sizeof batch_text, NODE_NAME, boot_id,
                                               next_seq, NODE_METER_ID, now_us, outbox, in_flight,
                                               health);
  if (length == 0) {
    return false;
  }
  WiFiClient client;
  HTTPClient http;
  http.begin(client, NODE_SERVER_URL);
  http.addHeader("Content-Type", "application/json");
  http.addHeader("Authorization", "Bearer " NODE_DEVICE_KEY);
  const int status = http.POST(reinterpret_cast<uint8_t *>(batch_text), length);
  http.end();
  if (status != 200) {
    return false; // 4xx: see the server's log; 5xx or no answer: try again later
  }
  outbox.drop_front(in_flight);
  in_flight = 0;
  ++next_seq;
  return true;
}

} // namespace

void setup() {
  Serial.begin(115200);
  boot_id = RANDOM_REG32;
  pinMode(NODE_PULSE_PIN, INPUT_PULLUP);
  attachInterrupt(digitalPinToInterrupt(NODE_PULSE_PIN), on_pulse, NODE_PULSE_EDGE);
  WiFi.mode(WIFI_STA);
  WiFi.begin(NODE_WIFI_SSID, NODE_WIFI_PASSWORD);
}

void loop() {
  drain_capture(); // often: keeps micros() extension right and the ring empty
  const uint32_t now = millis();
  if (outbox.size() > 0 && static_cast<int32_t>(now - next_try_ms) >= 0) {
    if (send_batch()) {
      backoff.after_success();
      // A backlog (after an outage) goes out batch after batch; otherwise wait.
      next_try_ms = outbox.size() >= NODE_BATCH_PULSES ? now : now + NODE_SEND_INTERVAL_MS;
    } else {
      next_try_ms = now + backoff.after_failure();
    }
  }
  if (pulsenode::battery_too_low(read_battery(), battery)) {
    send_batch(); // the last pulses, if the server can be reached
    ESP.deepSleep(0); // until someone charges the battery and resets the node
  }
  delay(5);
}

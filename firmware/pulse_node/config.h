// Settings of one sensor node. Copy this file to config_local.h (which git
// ignores), fill it in, and build; pulse_node.ino uses config_local.h when
// it exists.
#pragma once

// WiFi
#define NODE_WIFI_SSID "my-wifi"
#define NODE_WIFI_PASSWORD "secret"

// This node's device key ('pulsemon key add --meter 1'), meter and name
// (letters, digits, '-' and '_'; it is part of the MQTT topics).
#define NODE_DEVICE_KEY "pmk_1_00000000000000000000000000000000"
#define NODE_METER_ID 1
#define NODE_NAME "cupboard-esp"

// How batches travel: 0 = HTTP straight to pulsemon, 1 = MQTT through a
// broker that pulsemon subscribes to ([mqtt] in pulsemon.toml).
#define NODE_USE_MQTT 0
#define NODE_SERVER_URL "http://192.168.1.10:8080/api/ingest"
#define NODE_MQTT_HOST "192.168.1.10"
#define NODE_MQTT_PORT 1883
#define NODE_MQTT_USER nullptr // or "user", with NODE_MQTT_PASSWORD
#define NODE_MQTT_PASSWORD nullptr

// The pulse input: D6 (GPIO12) as in the old set-up; the sensor pulls it low.
#define NODE_PULSE_PIN D6
#define NODE_PULSE_EDGE FALLING
// Edges sooner than this after a pulse are bounce (replaces delay(10)).
#define NODE_MIN_INTERVAL_US 10000

// Sending: a batch every NODE_SEND_INTERVAL_MS, or sooner when this many wait.
#define NODE_SEND_INTERVAL_MS 10000
#define NODE_BATCH_PULSES 200
// Over MQTT: resend a batch whose acknowledgement has not come by then.
#define NODE_ACK_TIMEOUT_MS 10000
// Pulses kept through WiFi or server outages (8 bytes each).
#define NODE_OUTBOX_PULSES 2000

// Battery (optional): A0 through a divider; 0 turns it off.
#define NODE_BATTERY_DIVIDER 0.0f   // (R1 + R2) / R2, e.g. 15.0 for 150k over 10k
#define NODE_BATTERY_CUTOFF_V 10.5f // below this: send a last batch, then deep sleep

#define NODE_FIRMWARE_VERSION "1.0.0"

// Settings of one sensor node, with their defaults. Put your own values in
// config_local.h beside this file (git ignores it; copy the lines you
// change); anything config_local.h does not define keeps the value here.
// PlatformIO users can also pass them as build flags (-D NODE_USE_MQTT=1).
#pragma once

// WiFi
#ifndef NODE_WIFI_SSID
#define NODE_WIFI_SSID "my-wifi"
#endif
#ifndef NODE_WIFI_PASSWORD
#define NODE_WIFI_PASSWORD "secret"
#endif

// This node's device key ('pulsemon key add --meter 1'), meter and name
// (letters, digits, '-' and '_'; it is part of the MQTT topics).
#ifndef NODE_DEVICE_KEY
#define NODE_DEVICE_KEY "pmk_1_00000000000000000000000000000000"
#endif
#ifndef NODE_METER_ID
#define NODE_METER_ID 1
#endif
#ifndef NODE_NAME
#define NODE_NAME "cupboard-esp"
#endif

// How batches travel: 0 = HTTP straight to pulsemon, 1 = MQTT through a
// broker that pulsemon subscribes to ([mqtt] in pulsemon.toml).
#ifndef NODE_USE_MQTT
#define NODE_USE_MQTT 0
#endif
// HTTP: pulsemon's ingest URL; https:// needs NODE_TLS 1.
#ifndef NODE_SERVER_URL
#define NODE_SERVER_URL "http://192.168.1.10:8080/api/ingest"
#endif
// MQTT: the broker, and this node's user on it (docs/sensor-node.md shows
// a Mosquitto set-up where each node may write only its own topics).
#ifndef NODE_MQTT_HOST
#define NODE_MQTT_HOST "192.168.1.10"
#endif
#ifndef NODE_MQTT_PORT
#define NODE_MQTT_PORT 1883 // 8883 with NODE_TLS 1
#endif
#ifndef NODE_MQTT_USER
#define NODE_MQTT_USER nullptr // or "cupboard-esp", with NODE_MQTT_PASSWORD
#endif
#ifndef NODE_MQTT_PASSWORD
#define NODE_MQTT_PASSWORD nullptr
#endif

// TLS for HTTPS or MQTT over TLS: 1 = on. The node then checks the server
// by NODE_TLS_FINGERPRINT (the SHA-1 fingerprint of its certificate,
// "AB:CD:…", from `openssl x509 -noout -fingerprint -sha1 -in cert.pem`),
// or, when NODE_TLS_CA_CERT is defined (a PEM text), by that CA, which
// needs the time: the node then asks NODE_NTP_SERVER first.
#ifndef NODE_TLS
#define NODE_TLS 0
#endif
#ifndef NODE_TLS_FINGERPRINT
#define NODE_TLS_FINGERPRINT "00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00"
#endif
#ifndef NODE_NTP_SERVER
#define NODE_NTP_SERVER "pool.ntp.org"
#endif
// TLS needs RAM for its buffers: a 16 KB receive buffer by default, which
// with the outbox does not fit. pulsemon's and Mosquitto's answers are
// small, so 4 KB is enough as long as the server's certificate chain is
// (one certificate of a few KB); set 16384 if the handshake fails.
#ifndef NODE_TLS_RECEIVE_BUFFER
#define NODE_TLS_RECEIVE_BUFFER 4096
#endif

// The pulse input: D6 (GPIO12) as in the old set-up; the sensor pulls it low.
#ifndef NODE_PULSE_PIN
#define NODE_PULSE_PIN D6
#endif
#ifndef NODE_PULSE_EDGE
#define NODE_PULSE_EDGE FALLING
#endif
// Edges sooner than this after a pulse are bounce (the server's min_interval).
#ifndef NODE_MIN_INTERVAL_US
#define NODE_MIN_INTERVAL_US 10000
#endif

// Sending: a batch every NODE_SEND_INTERVAL_MS, or sooner when this many wait.
#ifndef NODE_SEND_INTERVAL_MS
#define NODE_SEND_INTERVAL_MS 10000
#endif
#ifndef NODE_BATCH_PULSES
#define NODE_BATCH_PULSES 200
#endif
// Over MQTT: resend a batch whose acknowledgement has not come by then.
#ifndef NODE_ACK_TIMEOUT_MS
#define NODE_ACK_TIMEOUT_MS 10000
#endif
// Pulses kept through WiFi or server outages (8 bytes each); fewer with
// TLS, which needs about 12 KB more RAM (docs/sensor-node.md, RAM).
#ifndef NODE_OUTBOX_PULSES
#if NODE_TLS
#define NODE_OUTBOX_PULSES 1000
#else
#define NODE_OUTBOX_PULSES 2000
#endif
#endif

// Battery (optional). The one setting is the divider ratio: battery volts
// per volt at the ESP8266 chip's ADC input (0–1 V). 0 turns it off.
//   bare ESP-12 module, R1 from the battery to A0, R2 from A0 to ground:
//     (R1 + R2) / R2, e.g. 150k over 10k: 16.0 (16 V full scale)
//   NodeMCU / Wemos D1 mini (220k over 100k already on the board), one
//   resistor R from the battery to the A0 pin: (R + 320k) / 100k, e.g.
//   1.5 MΩ: 18.2 (a 12 V battery charging at 14.4 V); 130k: 4.5 (a Li-ion
//   cell); nothing added: 3.2
// The ratio is also the highest voltage the node reads; settings whose
// resume voltage lies above it do not compile (docs/sensor-node.md has
// cutoff and resume per battery).
// Deep sleep wakes the chip through a reset: wire D0 (GPIO16) to RST.
#ifndef NODE_BATTERY_DIVIDER
#define NODE_BATTERY_DIVIDER 0.0f
#endif
#ifndef NODE_BATTERY_CUTOFF_V
#define NODE_BATTERY_CUTOFF_V 10.5f // below this (16 s average): send what is held, sleep
#endif
#ifndef NODE_BATTERY_RESUME_V
#define NODE_BATTERY_RESUME_V 11.5f // after such a sleep, run again only above this
#endif
#ifndef NODE_BATTERY_RECHECK_MIN
#define NODE_BATTERY_RECHECK_MIN 30 // sleep this long, then measure again (at most 180)
#endif

#ifndef NODE_FIRMWARE_VERSION
#define NODE_FIRMWARE_VERSION "1.1.0"
#endif

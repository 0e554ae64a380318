#pragma once
// A sensor node's batch, as JSON from HTTP (POST /api/ingest) or MQTT
// (pulsemon/<node>/pulses): checked field by field and turned into an
// IngestBatch for the store, and the answer the node gets back.
//
// {node, boot, seq, meter, pulses, clock?, now_us?, health?}: pulses are
// epoch microseconds, or with "clock":"boot" microseconds since the node
// booted, given with its clock at sending ("now_us") and anchored on the
// time the batch arrived.

#include "store/store.h"
#include "store/types.h"

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

namespace pulsemon {

// Throws Failure(invalid_argument) naming the first bad field. The key is
// the caller's to check (see key_may_write).
[[nodiscard]] IngestBatch parse_ingest_batch(const nlohmann::json &body, UtcTime received);

// A node's report of its health, as kept and shown: only the documented
// fields (rssi, voltage, uptime_s, buffer, overflows, too_close, glitches, firmware),
// each within a plausible range. Throws Failure(invalid_argument) naming
// the field (health.rssi, …) when a documented one is out of range; other
// fields are dropped.
[[nodiscard]] nlohmann::json node_health(const nlohmann::json &health);

// The stored key that `text` (a device key as a node presents it) is, when
// it is one the store knows, not revoked and with the right secret. The
// one check for HTTP and MQTT uploads alike.
[[nodiscard]] std::optional<DeviceKey> known_device_key(Store &store, std::string_view text);

// Whether the device key may write the meter.
[[nodiscard]] bool key_may_write(Store &store, std::int64_t key_id, std::int64_t meter_id);

[[nodiscard]] nlohmann::json ingest_answer(const IngestBatch &batch, const IngestOutcome &outcome);

} // namespace pulsemon

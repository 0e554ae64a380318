#include "ingest/ingest_batch.h"

#include "auth/secrets.h"
#include "core/untrusted_json.h"

#include <algorithm>
#include <array>

namespace pulsemon {

namespace {

constexpr std::size_t max_pulses_per_batch = 10'000;
constexpr std::size_t max_node_name = 64;
// Sequence and boot numbers, meter ids and the node's clock stay exact in
// JavaScript (2^53 - 1), far beyond what a node counts to (its uint32 and
// uint64 microsecond counters), and far from any overflow in the anchoring
// arithmetic: 2^53 µs is 285 years.
constexpr std::int64_t max_exact = 9'007'199'254'740'991;

[[noreturn]] void bad(const std::string &field, const std::string &what) {
  throw Failure(ErrorCode::invalid_argument, field + ": " + what);
}

std::int64_t whole_number(const nlohmann::json &body, const std::string &key, std::int64_t low,
                          std::int64_t high) {
  const auto found = body.find(key);
  const auto value = found == body.end() ? std::nullopt : json_integer_in(*found, low, high);
  if (!value) {
    bad(key, "a whole number from " + std::to_string(low) + " to " + std::to_string(high) +
                 " is required");
  }
  return *value;
}

std::string node_name(const nlohmann::json &body) {
  const auto found = body.find("node");
  if (found == body.end() || !found->is_string()) {
    bad("node", "the node's name (a string) is required");
  }
  std::string name = found->get<std::string>();
  const bool printable =
      std::all_of(name.begin(), name.end(), [](unsigned char c) { return c > 32 && c < 127; });
  if (name.empty() || name.size() > max_node_name || !printable) {
    bad("node", "1 to 64 printable characters without spaces");
  }
  return name;
}

// The pulses of a batch, and the node's clock when it sent them if the
// times count from its boot.
struct TimedPulses {
  std::vector<UtcTime> times;
  std::optional<Micros> boot_clock_now;
};

// Pulse times: epoch microseconds (UTC), or, with "clock":"boot",
// microseconds since the node booted together with its clock now ("now_us"),
// anchored on the time the batch arrived.
TimedPulses pulse_times(const nlohmann::json &body, UtcTime received) {
  const auto pulses = body.find("pulses");
  if (pulses == body.end() || !pulses->is_array()) {
    bad("pulses", "an array of pulse times is required");
  }
  if (pulses->size() > max_pulses_per_batch) {
    bad("pulses", "at most " + std::to_string(max_pulses_per_batch) + " per batch");
  }
  const auto clock = body.find("clock");
  const std::string clock_kind =
      clock == body.end() ? "utc" : (clock->is_string() ? clock->get<std::string>() : "");
  if (clock_kind != "utc" && clock_kind != "boot") {
    bad("clock", "\"utc\" (epoch microseconds) or \"boot\" (microseconds since boot)");
  }
  const bool since_boot = clock_kind == "boot";
  const std::int64_t now_us = since_boot ? whole_number(body, "now_us", 0, max_exact) : 0;
  const UtcTime earliest = utc_from_epoch_us(946'684'800LL * 1'000'000); // 2000-01-01
  const UtcTime latest = received + std::chrono::hours{24};
  std::vector<UtcTime> times;
  times.reserve(pulses->size());
  for (std::size_t i = 0; i < pulses->size(); ++i) {
    const auto &value = (*pulses)[i];
    const std::string field = "pulses[" + std::to_string(i) + "]";
    if (since_boot) {
      const auto us = json_integer_in(value, 0, now_us);
      if (!us) {
        bad(field, "microseconds since boot, a whole number from 0 to now_us");
      }
      const UtcTime t = received - Micros{now_us - *us};
      if (t < earliest) {
        bad(field, "lies before 2000 on the server's clock: now_us is not the node's clock");
      }
      times.push_back(t);
    } else {
      const auto us = json_integer_in(value, to_epoch_us(earliest), to_epoch_us(latest));
      if (!us) {
        bad(field, "epoch microseconds between 2000 and tomorrow; send \"clock\":\"boot\" if "
                   "the node's clock is not set");
      }
      times.push_back(utc_from_epoch_us(*us));
    }
  }
  return {std::move(times), since_boot ? std::optional<Micros>(Micros{now_us}) : std::nullopt};
}

// A documented health field: its name and what it may hold.
struct HealthField {
  const char *name;
  double low;
  double high;
  bool whole;
};

// What the firmware reports (firmware/pulse_node/src/pulsenode/node_core.h,
// Health): the counters are uint32 there, RSSI is dBm, the supply at most a
// few volts (60 leaves room for a divider on a battery pack). too_close is
// the pulse rule's reason, as in a meter's "rejected"; firmware 1.0 called
// the same count "glitches".
constexpr std::array<HealthField, 7> health_numbers{{
    {"rssi", -150, 50, true},
    {"voltage", 0, 60, false},
    {"uptime_s", 0, 4'294'967'295.0, true},
    {"buffer", 0, 4'294'967'295.0, true},
    {"overflows", 0, 4'294'967'295.0, true},
    {"too_close", 0, 4'294'967'295.0, true},
    {"glitches", 0, 4'294'967'295.0, true},
}};
constexpr std::size_t max_firmware_text = 32;

} // namespace

nlohmann::json node_health(const nlohmann::json &health) {
  if (!health.is_object()) {
    bad("health", "an object such as {\"rssi\":-67,\"voltage\":3.3,\"firmware\":\"1.0\"}");
  }
  nlohmann::json kept = nlohmann::json::object();
  for (const HealthField &field : health_numbers) {
    const auto found = health.find(field.name);
    if (found == health.end()) {
      continue;
    }
    const std::string name = std::string("health.") + field.name;
    if (field.whole) {
      const auto value = json_integer_in(*found, static_cast<std::int64_t>(field.low),
                                         static_cast<std::int64_t>(field.high));
      if (!value) {
        bad(name, "a whole number from " + std::to_string(static_cast<std::int64_t>(field.low)) +
                      " to " + std::to_string(static_cast<std::int64_t>(field.high)));
      }
      kept[field.name] = *value;
    } else {
      if (!found->is_number() || !(found->get<double>() >= field.low) ||
          !(found->get<double>() <= field.high)) {
        bad(name, "a number from " + std::to_string(static_cast<int>(field.low)) + " to " +
                      std::to_string(static_cast<int>(field.high)));
      }
      kept[field.name] = found->get<double>();
    }
  }
  if (const auto firmware = health.find("firmware"); firmware != health.end()) {
    const bool printable =
        firmware->is_string() && std::all_of(firmware->get_ref<const std::string &>().begin(),
                                             firmware->get_ref<const std::string &>().end(),
                                             [](unsigned char c) { return c >= 32 && c < 127; });
    if (!printable || firmware->get_ref<const std::string &>().size() > max_firmware_text) {
      bad("health.firmware", "a version text of at most " + std::to_string(max_firmware_text) +
                                 " printable characters");
    }
    kept["firmware"] = *firmware;
  }
  return kept;
}

IngestBatch parse_ingest_batch(const nlohmann::json &body, UtcTime received) {
  if (!body.is_object()) {
    bad("body", "must be a JSON object {node, boot, seq, meter, pulses}");
  }
  IngestBatch batch;
  batch.node = node_name(body);
  batch.boot = whole_number(body, "boot", 0, max_exact);
  batch.seq = whole_number(body, "seq", 1, max_exact);
  batch.received = received;
  const std::int64_t meter = whole_number(body, "meter", 1, max_meter_id);
  TimedPulses pulses = pulse_times(body, received);
  batch.pulses = PulseBatch{meter, std::move(pulses.times), {}, {}};
  batch.boot_clock_now = pulses.boot_clock_now;
  if (const auto health = body.find("health"); health != body.end()) {
    const nlohmann::json kept = node_health(*health);
    batch.health_json = kept.dump();
    if (const auto overflows = kept.find("overflows"); overflows != kept.end()) {
      batch.overflows = overflows->get<std::int64_t>();
    }
  }
  return batch;
}

std::optional<DeviceKey> known_device_key(Store &store, std::string_view text) {
  const auto parsed = auth::parse_device_key(text);
  if (!parsed) {
    return std::nullopt;
  }
  auto key = store.find_device_key(parsed->id);
  if (!key || key->revoked || !auth::same_hash(key->key_hash, auth::hash_device_key(text))) {
    return std::nullopt;
  }
  return key;
}

bool key_may_write(Store &store, std::int64_t key_id, std::int64_t meter_id) {
  const auto key = store.find_device_key(key_id);
  return key && !key->revoked &&
         std::find(key->meters.begin(), key->meters.end(), meter_id) != key->meters.end();
}

nlohmann::json ingest_answer(const IngestBatch &batch, const IngestOutcome &outcome) {
  return {{"node", batch.node},
          {"boot", batch.boot},
          {"seq", batch.seq},
          {"accepted", outcome.stored},
          {"duplicates", outcome.duplicates},
          {"duplicate_batch", outcome.duplicate_batch},
          {"missing", outcome.missing}};
}

} // namespace pulsemon

#include "ingest/ingest_batch.h"

#include <algorithm>

namespace pulsemon {

namespace {

constexpr std::size_t max_pulses_per_batch = 10'000;
constexpr std::size_t max_health_bytes = 2048;
constexpr std::size_t max_node_name = 64;

[[noreturn]] void bad(const std::string &field, const std::string &what) {
  throw Failure(ErrorCode::invalid_argument, field + ": " + what);
}

std::int64_t whole_number(const nlohmann::json &body, const std::string &key, std::int64_t low) {
  const auto found = body.find(key);
  if (found == body.end() || !found->is_number_integer() || found->get<std::int64_t>() < low) {
    bad(key, "a whole number of at least " + std::to_string(low) + " is required");
  }
  return found->get<std::int64_t>();
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
  const std::int64_t now_us = since_boot ? whole_number(body, "now_us", 0) : 0;
  const UtcTime earliest = utc_from_epoch_us(946'684'800LL * 1'000'000); // 2000-01-01
  const UtcTime latest = received + std::chrono::hours{24};
  std::vector<UtcTime> times;
  times.reserve(pulses->size());
  for (std::size_t i = 0; i < pulses->size(); ++i) {
    const auto &value = (*pulses)[i];
    const std::string field = "pulses[" + std::to_string(i) + "]";
    if (!value.is_number_integer()) {
      bad(field, "a whole number of microseconds");
    }
    const auto us = value.get<std::int64_t>();
    if (since_boot) {
      if (us < 0 || us > now_us) {
        bad(field, "microseconds since boot, between 0 and now_us");
      }
      times.push_back(received - Micros{now_us - us});
    } else {
      const UtcTime t = utc_from_epoch_us(us);
      if (t < earliest || t > latest) {
        bad(field, "epoch microseconds between 2000 and tomorrow; send \"clock\":\"boot\" if "
                   "the node's clock is not set");
      }
      times.push_back(t);
    }
  }
  return {std::move(times), since_boot ? std::optional<Micros>(Micros{now_us}) : std::nullopt};
}

// The node's count of pulses it had to drop (a full buffer), if it says.
std::optional<std::int64_t> overflows_of(const nlohmann::json &body) {
  const auto health = body.find("health");
  if (health == body.end() || !health->is_object()) {
    return std::nullopt;
  }
  const auto overflows = health->find("overflows");
  if (overflows == health->end()) {
    return std::nullopt;
  }
  if (!overflows->is_number_integer() || overflows->get<std::int64_t>() < 0) {
    bad("health.overflows", "a whole number of pulses, at least 0");
  }
  return overflows->get<std::int64_t>();
}

std::string health_of(const nlohmann::json &body) {
  const auto health = body.find("health");
  if (health == body.end()) {
    return "{}";
  }
  if (!health->is_object()) {
    bad("health", "an object such as {\"rssi\":-67,\"voltage\":3.3,\"firmware\":\"1.0\"}");
  }
  std::string text = health->dump();
  if (text.size() > max_health_bytes) {
    bad("health", "at most " + std::to_string(max_health_bytes) + " bytes");
  }
  return text;
}

} // namespace

IngestBatch parse_ingest_batch(const nlohmann::json &body, UtcTime received) {
  if (!body.is_object()) {
    bad("body", "must be a JSON object {node, boot, seq, meter, pulses}");
  }
  IngestBatch batch;
  batch.node = node_name(body);
  batch.boot = whole_number(body, "boot", 0);
  batch.seq = whole_number(body, "seq", 1);
  batch.received = received;
  const std::int64_t meter = whole_number(body, "meter", 1);
  TimedPulses pulses = pulse_times(body, received);
  batch.pulses = PulseBatch{meter, std::move(pulses.times), {}, {}};
  batch.boot_clock_now = pulses.boot_clock_now;
  batch.health_json = health_of(body);
  batch.overflows = overflows_of(body);
  return batch;
}

bool key_may_write(SqliteStore &store, std::int64_t key_id, std::int64_t meter_id) {
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

#pragma once
// Which instance reads a meter's own sources (its GPIO line, its simulator,
// its MQTT power reports) when several pulsemon instances share one store:
// one at a time, or each would store its own copy of the meter's pulses.
// And which instance publishes to MQTT ([mqtt_out]): one at a time, the
// others standing by, or their "online" and "offline" would contradict
// each other on one status topic.
// A claim lasts as long as the object that made it (and ends with the
// instance, however it ends).
//
// Thread safety: none; the daemon's main thread holds it.

#include <cstdint>
#include <vector>

namespace pulsemon {

class SourceClaims {
public:
  SourceClaims() = default;
  SourceClaims(const SourceClaims &) = delete;
  SourceClaims &operator=(const SourceClaims &) = delete;
  virtual ~SourceClaims() = default;

  // Claims the meter's sources for this instance; false when another
  // instance holds them. Throws Failure when the store cannot be reached.
  [[nodiscard]] virtual bool claim(std::int64_t meter_id) = 0;
  // Claims again what a lost connection let go; returns the meters another
  // instance claimed meanwhile (which both now read). Throws Failure when
  // the store cannot be reached.
  [[nodiscard]] virtual std::vector<std::int64_t> keep() = 0;
  // Whether this instance publishes: claims it when no other instance does,
  // and tells whether the claim still holds (asked again every second: an
  // instance that lost the store's connection may have lost it). Throws
  // Failure when the store cannot be reached.
  [[nodiscard]] virtual bool claim_publishing() = 0;
};

// A store one process serves (SQLite, whose serve lock keeps a second
// serve out; memory): every claim holds.
class UncontestedClaims final : public SourceClaims {
public:
  [[nodiscard]] bool claim(std::int64_t /*meter_id*/) override { return true; }
  [[nodiscard]] std::vector<std::int64_t> keep() override { return {}; }
  [[nodiscard]] bool claim_publishing() override { return true; }
};

} // namespace pulsemon

#pragma once
// Which instance reads a meter's own sources (its GPIO line, its simulator,
// its MQTT power reports) when several pulsemon instances share one store:
// one at a time, or each would store its own copy of the meter's pulses.
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
};

// A store one process serves (SQLite, whose serve lock keeps a second
// serve out; memory): every claim holds.
class UncontestedClaims final : public SourceClaims {
public:
  [[nodiscard]] bool claim(std::int64_t /*meter_id*/) override { return true; }
  [[nodiscard]] std::vector<std::int64_t> keep() override { return {}; }
};

} // namespace pulsemon

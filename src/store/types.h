#pragma once
// What goes into the store and what comes out of it.

#include "core/calendar.h"
#include "core/meter.h"
#include "core/pulse_batch.h"
#include "core/pulse_filter.h"
#include "core/register.h"
#include "core/result.h"
#include "core/site.h"
#include "core/time.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pulsemon {

struct BatchOutcome {
  std::int64_t stored = 0;     // new pulses
  std::int64_t duplicates = 0; // pulses the store already had (a resent batch)
  std::optional<Error> error;  // the batch was refused whole (e.g. unknown meter)
};

struct MeterStats {
  std::int64_t pulses = 0;
  std::int64_t duplicates = 0;
  FilterCounts rejected;
  std::optional<UtcTime> first_pulse;
  std::optional<UtcTime> last_pulse;
};

struct EnergyRow {
  Bucket bucket;
  std::int64_t pulses = 0;
  double value = 0.0;         // pulses / pulses_per_unit, in the meter's unit
  std::optional<double> cost; // when the meter has a tariff
  std::optional<double> kwh;  // gas: energy, when calorific values cover the bucket
};

struct PowerRow {
  Bucket span;
  std::int64_t pulses = 0;
  double average = 0.0; // in the meter's rate unit (W for kWh meters)
};

// Pulses known to be lost: a kernel or sensor sequence gap, an outage.

// A sensor node's key: which meters it may write. The key itself is shown
// once at creation; only its hash is kept.
struct DeviceKey {
  std::int64_t id = 0;
  std::string name;
  std::string key_hash;
  std::vector<std::int64_t> meters;
  UtcTime created;
  std::optional<UtcTime> revoked;
};

// One upload from a node: its pulses, where it is in its numbering, and
// how it is doing (JSON text, shown as it came).
struct IngestBatch {
  std::string node;
  std::int64_t boot = 0; // changes each time the node restarts
  std::int64_t seq = 0;  // 1, 2, 3, … within a boot
  std::int64_t key_id = 0;
  PulseBatch pulses; // with "clock":"boot", anchored on `received` (see boot_clock_now)
  std::string health_json = "{}";
  std::optional<std::int64_t> overflows; // pulses the node could not keep, this boot
  std::optional<Micros> boot_clock_now;  // the node's clock at sending, for "clock":"boot"
  UtcTime received;
};

struct IngestOutcome {
  std::int64_t stored = 0;           // new pulses
  std::int64_t duplicates = 0;       // pulses already stored
  bool duplicate_batch = false;      // this (node, boot, seq) was stored before
  std::vector<std::int64_t> missing; // sequence numbers of this boot not received yet (first 100)
  std::vector<UtcTime> pulses;       // the batch's pulses as stored (empty for a resent batch)
};

struct NodeStatus {
  std::string name;
  std::int64_t key_id = 0;
  std::int64_t meter_id = 0;
  UtcTime last_heard;
  std::int64_t boot = 0;
  std::int64_t last_seq = 0;
  std::string health_json;
  // This node's pulses its meter's pulse rule filtered on the server
  // (closer than the minimum interval), since the node took its name.
  std::int64_t filtered_too_close = 0;
};

struct User {
  std::int64_t id = 0;
  std::string name;
  // The highest role over the user's sites, as the store reads it (viewer
  // with none). Given to add_user with no `sites`: the role in the home
  // site, which a single-household install's users all belong to.
  Role role = Role::viewer;
  std::string password_hash;
  std::int64_t token_generation = 0;   // bumped to invalidate outstanding tokens
  bool must_change_password = false;   // set for users imported with a plaintext password
  UtcTime created{};                   // tokens issued before this belong to someone else
  std::vector<SiteMembership> sites{}; // by site id
  bool is_operator = false;            // works across sites (core/site.h)
};

} // namespace pulsemon

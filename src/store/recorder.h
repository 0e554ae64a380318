#pragma once
// The recorder: how every write path that is not the group-commit writer
// stores pulses (sensor nodes' batches over HTTP and MQTT, power reports,
// the bulk loads of `simulate` and `import`). It commits through the
// storage port and only then publishes the committed pulses on the bus, so
// a subscriber never sees a pulse that is not stored. The writer does the
// same for the pipelines' pulses (PulseWriter with a bus).

#include "store/pulse_bus.h"
#include "store/store.h"

#include <functional>
#include <span>
#include <vector>

namespace pulsemon {

class Recorder {
public:
  // `bus` may be null (a command without subscribers).
  Recorder(Store &store, PulseBus *bus) : store_(store), bus_(bus) {}

  [[nodiscard]] Store &store() { return store_; }

  // All batches in one transaction; publishes those stored.
  std::vector<BatchOutcome> record(std::span<const PulseBatch> batches);
  // One batch; throws Failure when it is refused.
  BatchOutcome record_or_throw(const PulseBatch &batch);
  // Runs `write` as one transaction (Store::atomically); what it returns
  // is published once the transaction committed.
  void record_atomically(const std::function<std::vector<CommittedPulses>()> &write);

private:
  void publish(std::span<const PulseBatch> batches, std::span<const BatchOutcome> outcomes);

  Store &store_;
  PulseBus *bus_;
};

// A bulk load (`simulate`, `import csv`, `import emon-db`): pulses added one
// at a time, recorded `pulses_per_commit` at a time (few enough to keep
// memory small, many enough that a commit's cost vanishes) and whenever the
// meter changes. A refused batch throws Failure.
class BulkLoad {
public:
  static constexpr std::size_t default_pulses_per_commit = 250'000;

  explicit BulkLoad(Recorder &recorder, std::size_t pulses_per_commit = default_pulses_per_commit)
      : recorder_(recorder), pulses_per_commit_(pulses_per_commit) {}

  // Called on each batch just before it is recorded, e.g. to add the
  // filter's rejections since the last one.
  void before_each_commit(std::function<void(PulseBatch &)> fill) { fill_ = std::move(fill); }

  void add(std::int64_t meter_id, UtcTime pulse);
  // The meter of a load that may add no pulse but has a fill to record.
  void set_meter(std::int64_t meter_id) { batch_.meter_id = meter_id; }
  // Records what is left (and, with a fill, a batch even without pulses).
  void finish();

  [[nodiscard]] std::int64_t stored() const { return stored_; }
  [[nodiscard]] std::int64_t duplicates() const { return duplicates_; }

private:
  void commit();

  Recorder &recorder_;
  std::size_t pulses_per_commit_;
  std::function<void(PulseBatch &)> fill_;
  PulseBatch batch_;
  std::int64_t stored_ = 0;
  std::int64_t duplicates_ = 0;
};

} // namespace pulsemon

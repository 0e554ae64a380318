#include "store/recorder.h"

namespace pulsemon {

std::vector<BatchOutcome> Recorder::record(std::span<const PulseBatch> batches) {
  std::vector<BatchOutcome> outcomes = store_.commit(batches);
  publish(batches, outcomes);
  return outcomes;
}

BatchOutcome Recorder::record_or_throw(const PulseBatch &batch) {
  BatchOutcome outcome = store_.commit_or_throw(batch);
  publish(std::span<const PulseBatch>(&batch, 1), std::span<const BatchOutcome>(&outcome, 1));
  return outcome;
}

void Recorder::record_atomically(const std::function<std::vector<CommittedPulses>()> &write) {
  std::vector<CommittedPulses> committed;
  store_.atomically([&] { committed = write(); });
  if (bus_ != nullptr) {
    for (const CommittedPulses &pulses : committed) {
      bus_->publish(pulses);
    }
  }
}

void Recorder::publish(std::span<const PulseBatch> batches,
                       std::span<const BatchOutcome> outcomes) {
  if (bus_ == nullptr) {
    return;
  }
  for (std::size_t i = 0; i < batches.size() && i < outcomes.size(); ++i) {
    if (!outcomes[i].error) {
      bus_->publish({batches[i].meter_id, batches[i].pulses});
    }
  }
}

void BulkLoad::add(std::int64_t meter_id, UtcTime pulse) {
  if (meter_id != batch_.meter_id && !batch_.pulses.empty()) {
    commit();
  }
  batch_.meter_id = meter_id;
  batch_.pulses.push_back(pulse);
  if (batch_.pulses.size() >= pulses_per_commit_) {
    commit();
  }
}

void BulkLoad::finish() {
  if (!batch_.pulses.empty() || (fill_ && batch_.meter_id != 0)) {
    commit();
  }
}

void BulkLoad::commit() {
  if (fill_) {
    fill_(batch_);
  }
  const BatchOutcome outcome = recorder_.record_or_throw(batch_);
  // Sealed as it goes, so the tail stays small and its pages are reused.
  (void)seal_everything(recorder_.store());
  stored_ += outcome.stored;
  duplicates_ += outcome.duplicates;
  batch_.pulses.clear();
  batch_.rejected = {};
  batch_.gaps.clear();
}

} // namespace pulsemon

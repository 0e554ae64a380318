#include "store/pulse_bus.h"

namespace pulsemon {

struct PulseBus::Subscription::Shared {
  std::mutex mutex; // held while publishing: listeners see one publication at a time
  std::map<std::uint64_t, Listener> listeners;
  std::uint64_t next_id = 1;
};

void PulseBus::Subscription::reset() {
  if (shared_) {
    std::lock_guard lock(shared_->mutex);
    shared_->listeners.erase(id_);
    shared_.reset();
  }
}

PulseBus::PulseBus() : shared_(std::make_shared<Subscription::Shared>()) {}

PulseBus::Subscription PulseBus::subscribe(Listener listener) {
  std::lock_guard lock(shared_->mutex);
  const std::uint64_t id = shared_->next_id++;
  shared_->listeners.emplace(id, std::move(listener));
  return Subscription(shared_, id);
}

void PulseBus::publish(const CommittedPulses &pulses) {
  if (pulses.pulses.empty()) {
    return;
  }
  std::lock_guard lock(shared_->mutex);
  for (const auto &[id, listener] : shared_->listeners) {
    listener(pulses);
  }
}

} // namespace pulsemon

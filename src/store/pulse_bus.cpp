#include "store/pulse_bus.h"

namespace pulsemon {

// Each listener has a lock of its own, held while it runs: it sees one
// publication at a time, and once its subscription has ended (reset waits
// for a call in progress) it is called no more. The bus's lock guards only
// the list, so a slow listener holds up neither another listener nor a
// subscribe.
struct PulseBus::Subscription::Shared {
  struct Entry {
    explicit Entry(Listener l) : listener(std::move(l)) {}
    std::mutex mutex;
    Listener listener;
    bool alive = true;
  };
  std::mutex mutex;
  std::map<std::uint64_t, std::shared_ptr<Entry>> listeners;
  std::uint64_t next_id = 1;
};

void PulseBus::Subscription::reset() {
  if (!shared_) {
    return;
  }
  std::shared_ptr<Shared::Entry> entry;
  {
    const std::lock_guard lock(shared_->mutex);
    const auto found = shared_->listeners.find(id_);
    if (found != shared_->listeners.end()) {
      entry = found->second;
      shared_->listeners.erase(found);
    }
  }
  if (entry) {
    const std::lock_guard lock(entry->mutex); // a call in progress ends first
    entry->alive = false;
  }
  shared_.reset();
}

PulseBus::PulseBus() : shared_(std::make_shared<Subscription::Shared>()) {}

PulseBus::Subscription PulseBus::subscribe(Listener listener) {
  const std::lock_guard lock(shared_->mutex);
  const std::uint64_t id = shared_->next_id++;
  shared_->listeners.emplace(id,
                             std::make_shared<Subscription::Shared::Entry>(std::move(listener)));
  return Subscription(shared_, id);
}

void PulseBus::publish(const CommittedPulses &pulses) {
  if (pulses.pulses.empty()) {
    return;
  }
  std::vector<std::shared_ptr<Subscription::Shared::Entry>> listeners;
  {
    const std::lock_guard lock(shared_->mutex);
    listeners.reserve(shared_->listeners.size());
    for (const auto &[id, entry] : shared_->listeners) {
      listeners.push_back(entry);
    }
  }
  for (const auto &entry : listeners) {
    const std::lock_guard lock(entry->mutex);
    if (entry->alive) {
      entry->listener(pulses);
    }
  }
}

} // namespace pulsemon

#pragma once
// The one bus of committed pulses: every path that stores pulses publishes
// here after its commit (the writer for GPIO and simulated meters, the
// Recorder for node batches, power reports and bulk loads), and whatever
// needs to follow them subscribes: the live figures, the live stream, and
// later the MQTT publisher and the metrics. What is published is stored.
//
// Thread safety: publish() and subscribe() may be called from any thread;
// listeners run on the publishing thread, each one publication at a time
// (two publishers may reach two listeners at once), without the bus's lock,
// and should be quick (post work elsewhere). Once a subscription has
// ended, its listener is not called again.

#include "core/time.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace pulsemon {

struct CommittedPulses {
  std::int64_t meter_id = 0;
  std::vector<UtcTime> pulses;                 // in the order committed
  std::vector<std::optional<double>> powers{}; // PulseBatch::powers, as committed
};

class PulseBus {
public:
  using Listener = std::function<void(const CommittedPulses &)>;

  // Ends the subscription when destroyed (or reset); may outlive the bus.
  class Subscription {
  public:
    Subscription() = default;
    Subscription(Subscription &&) noexcept = default;
    Subscription &operator=(Subscription &&) noexcept = default;
    Subscription(const Subscription &) = delete;
    Subscription &operator=(const Subscription &) = delete;
    ~Subscription() { reset(); }
    void reset();

  private:
    friend class PulseBus;
    struct Shared;
    Subscription(std::shared_ptr<Shared> shared, std::uint64_t id)
        : shared_(std::move(shared)), id_(id) {}
    std::shared_ptr<Shared> shared_;
    std::uint64_t id_ = 0;
  };

  PulseBus();
  [[nodiscard]] Subscription subscribe(Listener listener);
  void publish(const CommittedPulses &pulses);

private:
  std::shared_ptr<Subscription::Shared> shared_;
};

} // namespace pulsemon

#include "sources/simulator/realtime_source.h"

#include <span>
#include <vector>

namespace pulsemon::simulator {

namespace {
using SteadyClock = std::chrono::steady_clock;

MonoTime monotonic_of(SteadyClock::time_point t) {
  return MonoTime{std::chrono::duration_cast<Micros>(t.time_since_epoch())};
}
} // namespace

RealtimeSource::RealtimeSource(SourceSettings settings, EdgeSink &sink)
    : settings_(settings), sink_(sink) {}

RealtimeSource::~RealtimeSource() {
  stop();
}

void RealtimeSource::start() {
  thread_ = std::thread([this] { run(); });
}

void RealtimeSource::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

bool RealtimeSource::wait_until(SteadyClock::time_point due) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_until(lock, due, [this] { return stopping_; });
}

void RealtimeSource::run() {
  // One anchor between the two clocks: edges are scheduled on the steady
  // clock, so a step of the system clock does not bunch or stall them.
  const auto start_wall = std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now());
  const auto start_steady = SteadyClock::now();
  const auto to_steady = [&](UtcTime t) { return start_steady + (t - start_wall); };

  Household household(settings_.profile, settings_.seed, settings_.local_offset);
  PulseTrain train(settings_.pulses_per_unit);
  Random noise_random(settings_.seed ^ 0x5eedULL);

  // Days start at local midnight, as the household's rhythm does.
  const auto offset = Micros{settings_.local_offset};
  UtcTime day_start = std::chrono::floor<std::chrono::days>(start_wall + offset) - offset;

  // Pulses are made a second at a time and handed over as they fall due:
  // making a whole day at once held 8.6 million pulses in memory for a
  // meter at 100 pulses a second. The last pulse made waits for the next
  // one, which bounds its width.
  std::vector<UtcTime> pulses;
  std::vector<SimulatedEdge> edges;
  const auto hand_over_all_but_last = [&]() {
    if (pulses.size() < 2) {
      return true;
    }
    const std::span<const UtcTime> ready(pulses.data(), pulses.size() - 1);
    edges.clear();
    pulses_to_edges(ready, settings_.noise, noise_random, edges, pulses.back());
    for (const SimulatedEdge &edge : edges) {
      if (edge.time < start_wall) {
        continue; // the part of today that passed before the daemon started
      }
      const auto due = to_steady(edge.time);
      if (!wait_until(due)) {
        return false;
      }
      sink_.on_edge(Edge{settings_.meter_id, edge.leading ? EdgeKind::leading : EdgeKind::trailing,
                         monotonic_of(due), edge.time, false});
    }
    pulses.erase(pulses.begin(), pulses.end() - 1);
    return true;
  };
  const auto run_rate = [&](UtcTime from, UtcTime until, double rate) {
    for (UtcTime window = from; window < until; window += std::chrono::seconds{1}) {
      if (window + std::chrono::seconds{2} < start_wall) {
        continue; // the part of today that passed before the daemon started
      }
      train.run(window, std::min(window + std::chrono::seconds{1}, until), rate, pulses);
      if (!hand_over_all_but_last()) {
        return false;
      }
    }
    return true;
  };

  while (true) {
    const UtcTime day_end = day_start + std::chrono::days{1};
    if (settings_.constant_rate) {
      if (!run_rate(day_start, day_end, *settings_.constant_rate)) {
        return;
      }
    } else {
      const std::vector<RateStep> steps = household.day(day_start);
      for (std::size_t i = 0; i < steps.size(); ++i) {
        const UtcTime until = i + 1 < steps.size() ? steps[i + 1].from : day_end;
        if (!run_rate(steps[i].from, until, steps[i].rate)) {
          return;
        }
      }
    }
    day_start = day_end;
  }
}

} // namespace pulsemon::simulator

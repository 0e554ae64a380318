#pragma once
// The simulator as a live source of `pulsemon serve`: a household (or a
// constant load) whose edges are delivered at the moment they happen, on the
// system clock, from a thread of its own.

#include "core/edge.h"
#include "sources/simulator/household.h"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>

namespace pulsemon::simulator {

struct SourceSettings {
  std::int64_t meter_id = 1;
  double pulses_per_unit = 1000.0;
  Profile profile = Profile::electricity;
  std::uint64_t seed = 1;
  std::optional<double> constant_rate; // unit/h (kW); replaces the household when set
  EdgeNoise noise;
  std::chrono::minutes local_offset{0};
};

class RealtimeSource {
public:
  RealtimeSource(SourceSettings settings, EdgeSink &sink);
  ~RealtimeSource(); // stop()s
  RealtimeSource(const RealtimeSource &) = delete;
  RealtimeSource &operator=(const RealtimeSource &) = delete;

  void start();
  // Ends the thread promptly; edges not yet due are not delivered.
  void stop();

private:
  void run();
  // Sleeps until `due` on the steady clock; false when stopped meanwhile.
  bool wait_until(std::chrono::steady_clock::time_point due);

  SourceSettings settings_;
  EdgeSink &sink_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace pulsemon::simulator

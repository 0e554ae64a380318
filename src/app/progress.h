#pragma once
// Progress of a long command on standard error, redrawn in place a few
// times a second while standard error is a terminal; nothing at all
// otherwise, so scripts and logs see only the command's summary.
//
//   Progress progress("importing rows", rows);
//   for (…) { …; progress.add(); }
//   progress.next_step("checking the cron tables", tables);
//
// The work thread only bumps an atomic counter; a drawing thread reads it
// every 200 ms, so counting costs nothing measurable in a loop of millions.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace pulsemon {

class Progress {
public:
  // Whether a command's own output goes to standard output: then progress
  // is drawn only while that output goes elsewhere (a file, a pipe), since
  // on one terminal the two would cut into each other.
  enum class Output { summary_only, data_on_stdout };

  // `total`: the units of work when known in advance.
  explicit Progress(std::string what, std::optional<std::int64_t> total = std::nullopt,
                    Output output = Output::summary_only);
  ~Progress();
  Progress(const Progress &) = delete;
  Progress &operator=(const Progress &) = delete;

  void add(std::int64_t done = 1) { done_.fetch_add(done, std::memory_order_relaxed); }
  // For work that reports where it is rather than what it did since.
  void set(std::int64_t done, std::int64_t total);
  // A new step with its own count, rate and time left.
  void next_step(std::string what, std::optional<std::int64_t> total = std::nullopt);
  // Clears the line; call before printing the summary (the destructor
  // does it too, also when the work throws).
  void finish();

private:
  void draw_until_finished();
  // The text that redraws the line (or clears it); called with mutex_ held.
  std::string next_drawing(bool clear_only);

  bool shown_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool finished_ = false;
  bool step_changed_ = false; // draw the new step at once
  std::string what_;
  std::optional<std::int64_t> total_;
  std::chrono::steady_clock::time_point step_began_;
  std::atomic<std::int64_t> done_{0};
  std::size_t drawn_width_ = 0;
  std::thread drawer_;
};

} // namespace pulsemon

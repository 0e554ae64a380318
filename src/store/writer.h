#pragma once
// The one writer: every source submits accepted pulses here; a thread groups
// them and commits at most `commit_interval` apart (group commit), so the
// store sees one transaction (one fsync) a second however many meters pulse.
// A batch is acknowledged only after the transaction holding it committed.
//
// Thread safety: submit() and flush() may be called from any thread.
// Acknowledgements run on the writer's thread and must not block.

#include "clock/time_source.h"
#include "core/metrics_text.h"
#include "store/pulse_bus.h"
#include "store/pulse_sink.h"
#include "store/types.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace pulsemon {

struct WriterSettings {
  std::chrono::milliseconds commit_interval{1000};
  // Commit early once this many pulses wait (bulk loads, a node's backlog).
  std::size_t commit_at_pulses = 50'000;
  // Above this many queued pulses new batches are refused, not kept: the
  // bound on memory while the store cannot write (disk full, locked).
  std::size_t max_queued_pulses = 2'000'000;
  // How long to wait before retrying after a failed commit.
  std::chrono::milliseconds retry_interval{2000};
  // A stop whose commits fail tries this many times (a retry_interval
  // apart) before it gives up on the queued pulses: however many commits
  // failed before the stop, it gets them all.
  std::uint64_t attempts_at_stop = 10;
  // After each commit, seal up to this many blocks of stored pulses
  // (store/pulse_blocks.h), in a transaction of its own: more than a
  // commit of commit_at_pulses fills, so the tail never falls behind.
  std::size_t seal_blocks_per_commit = 64;
  // While no pulse comes, seal this often what other paths stored (a
  // sensor node's uploads, an import by another process).
  std::chrono::milliseconds seal_interval{10'000};
};

struct WriterStats {
  std::uint64_t committed_pulses = 0;
  std::uint64_t duplicate_pulses = 0;
  std::uint64_t commits = 0;
  std::uint64_t failed_commits = 0;
  std::uint64_t refused_batches = 0; // queue full
  std::uint64_t sealed_blocks = 0;
  std::size_t queued_pulses = 0;
  // Set while commits fail (a full disk, a read-only file): what the store
  // said last time. Empty once a commit succeeds again.
  std::string failing_because;
  // How long each commit that succeeded took, in seconds (for /metrics).
  HistogramCounts commit_seconds{
      {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5}};
};

class PulseWriter {
public:
  using Ack = std::function<void(const BatchOutcome &)>;

  // `sink` is used only from the writer's thread, from construction on (it
  // may seal at once: nothing else may use the handle meanwhile), and must
  // outlive the writer;
  // what it commits is then published on `bus` (when given), from that thread.
  // Its intervals and retry pauses run on `time` (a simulated one in tests).
  PulseWriter(PulseSink &sink, WriterSettings settings, PulseBus *bus = nullptr,
              TimeSource &time = real_time());
  ~PulseWriter(); // stop()s
  PulseWriter(const PulseWriter &) = delete;
  PulseWriter &operator=(const PulseWriter &) = delete;

  // Queues a batch. When the queue is full the batch is refused at once and
  // `ack` gets an `unavailable` error.
  void submit(PulseBatch batch, Ack ack = {});

  // Blocks until everything submitted before the call is committed (or the
  // writer stopped).
  void flush();

  // Commits everything queued, then ends the thread; while commits fail it
  // retries up to settings.attempts_at_stop times, then gives up on what
  // is still queued (stats().queued_pulses). Idempotent.
  void stop();

  [[nodiscard]] WriterStats stats() const;

  // How long the commit in progress has been running (zero between
  // commits): what the daemon's watchdog looks at, as a commit that does
  // not end (a hung disk) stops every pulse from being stored.
  [[nodiscard]] Micros committing_for() const;

private:
  void release_space(); // the sink's, with a failure logged
  // The sink's, with a failure logged once; whether it found a full
  // budget of work (so more may wait).
  bool seal();
  struct Pending {
    PulseBatch batch;
    Ack ack;
    // Whether later batches may join this one: nobody waits for its outcome
    // and no pulse in it is one the store refuses (see joins_last_batch).
    bool joinable = false;
  };
  // Appends `batch` to the batch queued last when both are joinable and of
  // the same meter: sources hand over a pulse at a time, and one batch of
  // many pulses costs the store less than many of one, with the same rows,
  // counts and outcome. Call with the lock held.
  bool joins_last_batch(PulseBatch &batch, bool joinable);
  void run();
  void run_loop();
  bool commit_pending(std::deque<Pending> &pending);

  PulseSink &sink_;
  WriterSettings settings_;
  PulseBus *bus_;
  TimeSource &time_;

  mutable std::mutex mutex_;
  std::condition_variable wake_writer_;
  std::condition_variable committed_;
  std::deque<Pending> queue_;
  std::uint64_t submitted_ = 0; // batches ever queued (a batch that joined another counts not)
  std::uint64_t done_ = 0;      // batches ever committed or failed for good
  bool flush_requested_ = false;
  bool stopping_ = false;
  std::uint64_t failed_before_stop_ = 0; // stats_.failed_commits when stop() began
  bool finished_ = false;                // the thread has ended
  // The monotonic time (µs) when the commit in progress began; 0 between
  // commits.
  std::atomic<Micros::rep> commit_started_{0};
  WriterStats stats_;
  std::string sealing_failure_;    // the last, logged once; the writer's thread only
  bool more_to_seal_ = true;       // the writer's thread only
  std::size_t backlog_blocks_ = 0; // sealed since a round last found less than its budget
  std::thread thread_;
};

} // namespace pulsemon

#include "store/writer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>

namespace pulsemon {

PulseWriter::PulseWriter(PulseSink &sink, WriterSettings settings, PulseBus *bus, TimeSource &time)
    : sink_(sink), settings_(settings), bus_(bus), time_(time), thread_([this] { run(); }) {}

PulseWriter::~PulseWriter() {
  stop();
}

namespace {

// The store refuses a whole batch for a pulse before 1970 (an unset clock),
// so such a batch must not take other pulses down with it.
bool store_takes_every_pulse(const PulseBatch &batch) {
  return std::none_of(batch.pulses.begin(), batch.pulses.end(),
                      [](UtcTime t) { return to_epoch_us(t) < 0; });
}

} // namespace

bool PulseWriter::joins_last_batch(PulseBatch &batch, bool joinable) {
  if (!joinable || queue_.empty() || !queue_.back().joinable ||
      queue_.back().batch.meter_id != batch.meter_id) {
    return false;
  }
  PulseBatch &last = queue_.back().batch;
  if (!last.pulses.empty() && !batch.pulses.empty() &&
      last.powers.empty() != batch.powers.empty()) {
    return false; // a pipeline's pulses (with their powers) and others' stay apart
  }
  last.pulses.insert(last.pulses.end(), batch.pulses.begin(), batch.pulses.end());
  last.powers.insert(last.powers.end(), batch.powers.begin(), batch.powers.end());
  last.rejected.accepted += batch.rejected.accepted;
  last.rejected.too_close += batch.rejected.too_close;
  last.rejected.too_short += batch.rejected.too_short;
  last.rejected.unpaired += batch.rejected.unpaired;
  std::move(batch.gaps.begin(), batch.gaps.end(), std::back_inserter(last.gaps));
  return true;
}

void PulseWriter::submit(PulseBatch batch, Ack ack) {
  const bool joinable = !ack && store_takes_every_pulse(batch);
  {
    std::lock_guard lock(mutex_);
    const std::size_t size = batch.pulses.size();
    if (!stopping_ && stats_.queued_pulses + size <= settings_.max_queued_pulses) {
      stats_.queued_pulses += size;
      const bool was_empty = queue_.empty();
      if (!joins_last_batch(batch, joinable)) {
        queue_.push_back({std::move(batch), std::move(ack), joinable});
        ++submitted_;
      }
      // Wake the writer to start the group-commit interval, or to commit
      // early when enough is waiting.
      if (was_empty || stats_.queued_pulses >= settings_.commit_at_pulses) {
        wake_writer_.notify_one();
      }
      return;
    }
    ++stats_.refused_batches;
  }
  if (ack) {
    BatchOutcome refused;
    refused.error = Error{ErrorCode::unavailable,
                          "the writer's queue is full (the store is not accepting writes)"};
    ack(refused);
  }
}

void PulseWriter::flush() {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = submitted_;
  flush_requested_ = true;
  wake_writer_.notify_one();
  committed_.wait(lock, [&] { return done_ >= target || finished_; });
}

void PulseWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return;
    }
    stopping_ = true;
    failed_before_stop_ = stats_.failed_commits;
  }
  wake_writer_.notify_one();
  if (thread_.joinable()) {
    thread_.join();
  }
}

WriterStats PulseWriter::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void PulseWriter::release_space() {
  try {
    sink_.release_space();
  } catch (const std::exception &failure) {
    spdlog::warn("writer: could not give back the write-ahead log's space: {}", failure.what());
  }
}

bool PulseWriter::seal() {
  // Sealing changes how pulses are kept, never which: a failure leaves them
  // in the tail, read the same, and the next commit tries again.
  try {
    const std::size_t sealed = sink_.seal_pulses(settings_.seal_blocks_per_commit);
    if (!sealing_failure_.empty()) {
      spdlog::info("writer: sealing pulses into blocks works again");
      sealing_failure_.clear();
    }
    const bool more = sealed >= settings_.seal_blocks_per_commit;
    // A backlog (an upgraded store, a long import) is said once when it
    // starts and once when it is done; the steady trickle is not.
    if (more && backlog_blocks_ == 0) {
      spdlog::info("writer: sealing a backlog of stored pulses into compressed blocks in the "
                   "background; reads are the same meanwhile");
    }
    backlog_blocks_ += sealed;
    if (!more) {
      if (backlog_blocks_ > settings_.seal_blocks_per_commit) {
        spdlog::info("writer: the backlog is sealed ({} blocks)", backlog_blocks_);
      }
      backlog_blocks_ = 0;
    }
    std::lock_guard lock(mutex_);
    stats_.sealed_blocks += sealed;
    return more;
  } catch (const std::exception &failure) {
    if (sealing_failure_ != failure.what()) {
      spdlog::warn("writer: cannot seal stored pulses into blocks (they stay as they are, "
                   "and are read the same): {}",
                   failure.what());
      sealing_failure_ = failure.what();
    }
    return false;
  }
}

Micros PulseWriter::committing_for() const {
  const auto started = commit_started_.load();
  if (started == 0) {
    return {};
  }
  return time_.monotonic_now() - MonoTime{Micros{started}};
}

void PulseWriter::run() {
  run_loop();
  release_space();
  std::lock_guard lock(mutex_);
  finished_ = true;
  committed_.notify_all();
}

void PulseWriter::run_loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    // While a sealing round finds a full budget of work (an upgraded
    // store's tail, a long import), the next follows at once, between
    // commits; otherwise one every seal_interval. The first is at once.
    // Housekeeping on the real clock: the time source paces commits and
    // retries, and a test that steps it waits for the writer to wait on
    // exactly those.
    const auto idle = more_to_seal_ ? std::chrono::milliseconds{0} : settings_.seal_interval;
    if (!wake_writer_.wait_for(lock, idle, [&] { return stopping_ || !queue_.empty(); })) {
      lock.unlock();
      commit_started_ = time_.monotonic_now().time_since_epoch().count();
      more_to_seal_ = seal();
      commit_started_ = 0;
      lock.lock();
      continue;
    }
    if (queue_.empty() && stopping_) {
      return;
    }
    // Group commit: give other pulses until the interval is up to join.
    time_.wait_for(wake_writer_, lock, settings_.commit_interval, [&] {
      return stopping_ || flush_requested_ || stats_.queued_pulses >= settings_.commit_at_pulses;
    });
    flush_requested_ = false;
    std::deque<Pending> pending;
    pending.swap(queue_);
    lock.unlock();
    commit_started_ = time_.monotonic_now().time_since_epoch().count();
    const bool ok = commit_pending(pending);
    commit_started_ = 0;
    lock.lock();
    if (!ok) {
      // Keep the batches, ahead of newer ones, and retry after a pause; a
      // stop still gets its final attempts until the store writes again.
      for (auto it = pending.rbegin(); it != pending.rend(); ++it) {
        queue_.push_front(std::move(*it));
      }
      if (stopping_ && stats_.failed_commits - failed_before_stop_ >= settings_.attempts_at_stop) {
        spdlog::error("writer: giving up after {} failed commits since the stop began; {} pulses "
                      "were not stored",
                      stats_.failed_commits - failed_before_stop_, stats_.queued_pulses);
        return;
      }
      // New pulses and flushes do not cut the pause short (the store needs
      // it); a stop does, which then makes its own attempts.
      (void)time_.wait_for(wake_writer_, lock, settings_.retry_interval,
                           [&, was_stopping = stopping_] { return stopping_ != was_stopping; });
    }
    committed_.notify_all();
  }
}

bool PulseWriter::commit_pending(std::deque<Pending> &pending) {
  // The batches move out for the commit (no copy of their pulses) and back
  // in when it fails, so that the retry has them.
  std::vector<PulseBatch> batches;
  batches.reserve(pending.size());
  std::size_t pulses = 0;
  for (Pending &item : pending) {
    pulses += item.batch.pulses.size();
    batches.push_back(std::move(item.batch));
  }
  std::vector<BatchOutcome> outcomes;
  const MonoTime started = time_.monotonic_now();
  try {
    outcomes = sink_.commit(batches);
  } catch (const std::exception &failure) {
    for (std::size_t i = 0; i < batches.size(); ++i) {
      pending[i].batch = std::move(batches[i]);
    }
    std::lock_guard lock(mutex_);
    ++stats_.failed_commits;
    if (stats_.failing_because != failure.what()) {
      spdlog::error("writer: cannot store pulses: {}; {} pulses wait in memory (up to {}) and "
                    "the commit is retried every {} ms",
                    failure.what(), stats_.queued_pulses, settings_.max_queued_pulses,
                    settings_.retry_interval.count());
      stats_.failing_because = failure.what();
    }
    return false;
  }
  bool recovered = false;
  std::uint64_t stored = 0;
  std::uint64_t duplicates = 0;
  for (const BatchOutcome &outcome : outcomes) {
    stored += static_cast<std::uint64_t>(outcome.stored);
    duplicates += static_cast<std::uint64_t>(outcome.duplicates);
    if (outcome.error) {
      spdlog::warn("writer: a batch was refused: {}", outcome.error->message);
    }
  }
  {
    std::lock_guard lock(mutex_);
    stats_.committed_pulses += stored;
    stats_.duplicate_pulses += duplicates;
    ++stats_.commits;
    stats_.commit_seconds.observe(to_seconds(time_.monotonic_now() - started));
    stats_.queued_pulses -= pulses;
    done_ += pending.size();
    if (!stats_.failing_because.empty()) {
      spdlog::info("writer: storing again; {} waiting pulses committed, {} failed commits so far, "
                   "{} batches refused while the queue was full",
                   pulses, stats_.failed_commits, stats_.refused_batches);
      stats_.failing_because.clear();
      recovered = true;
    }
  }
  if (recovered) {
    release_space(); // the log may have filled the disk; it keeps its size otherwise
  }
  if (bus_ != nullptr) {
    for (std::size_t i = 0; i < batches.size(); ++i) {
      if (!outcomes[i].error) {
        bus_->publish({batches[i].meter_id, batches[i].pulses, batches[i].powers});
      }
    }
  }
  for (std::size_t i = 0; i < pending.size(); ++i) {
    if (pending[i].ack) {
      pending[i].ack(outcomes[i]);
    }
  }
  if (stored > 0) {
    more_to_seal_ = seal(); // after the acknowledgements: nobody waits for it
  }
  return true;
}

} // namespace pulsemon

// The group-commit writer against a fake sink.
#include "store/writer.h"

#include "clock/time_source.h"
#include "store/pulse_bus.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace pulsemon {
namespace {

class FakeSink final : public PulseSink {
public:
  std::vector<BatchOutcome> commit(std::span<const PulseBatch> batches) override {
    std::lock_guard lock(mutex);
    if (failures_left > 0) {
      --failures_left;
      throw std::runtime_error("disk full");
    }
    ++transactions;
    std::vector<BatchOutcome> outcomes;
    for (const PulseBatch &batch : batches) {
      seen_batches.push_back(batch);
      stored.insert(stored.end(), batch.pulses.begin(), batch.pulses.end());
      outcomes.push_back({static_cast<std::int64_t>(batch.pulses.size()), 0, std::nullopt});
    }
    return outcomes;
  }
  std::size_t stored_count() {
    std::lock_guard lock(mutex);
    return stored.size();
  }

  std::mutex mutex;
  int failures_left = 0;
  int transactions = 0;
  std::vector<UtcTime> stored;
  std::vector<PulseBatch> seen_batches;
};

PulseBatch batch_of(std::int64_t meter, int n) {
  PulseBatch batch{meter, {}, {}, {}};
  for (int i = 0; i < n; ++i) {
    batch.pulses.push_back(utc_from_epoch_us(1'000'000 * (i + 1)));
  }
  return batch;
}

WriterSettings quick() {
  WriterSettings settings;
  settings.commit_interval = std::chrono::milliseconds{50};
  settings.retry_interval = std::chrono::milliseconds{5};
  return settings;
}

TEST(Writer, PulsesOfAMeterHandedOverOneByOneReachTheStoreAsOneBatch) {
  FakeSink sink;
  WriterSettings settings = quick();
  settings.commit_interval = std::chrono::milliseconds{2000}; // all in one commit
  PulseWriter writer(sink, settings);
  for (int i = 1; i <= 100; ++i) {
    PulseBatch one{i % 10 == 0 ? 2 : 1, {utc_from_epoch_us(i)}, {}, {}};
    one.rejected.too_close = 1;
    if (i == 50) {
      one.gaps.push_back(Gap{utc_from_epoch_us(i), 3, "GPIO events lost"});
    }
    writer.submit(std::move(one));
  }
  // A pulse the store refuses (before 1970) and a batch someone waits for
  // stay batches of their own.
  writer.submit(PulseBatch{1, {utc_from_epoch_us(-5)}, {}, {}});
  writer.submit(PulseBatch{1, {utc_from_epoch_us(1000)}, {}, {}});
  writer.submit(PulseBatch{1, {utc_from_epoch_us(1001)}, {}, {}}, [](const BatchOutcome &) {});
  writer.flush();
  writer.stop();
  std::lock_guard lock(sink.mutex);
  ASSERT_EQ(sink.stored.size(), 103U);
  std::uint64_t too_close = 0;
  std::size_t gaps = 0;
  for (const PulseBatch &batch : sink.seen_batches) {
    too_close += batch.rejected.too_close;
    gaps += batch.gaps.size();
    EXPECT_TRUE(std::is_sorted(batch.pulses.begin(), batch.pulses.end()));
  }
  EXPECT_EQ(too_close, 100U);
  EXPECT_EQ(gaps, 1U);
  // Meter 1, 2, 1, 2 … alternate every tenth pulse: 20 runs, then the
  // refused pulse (the pulse after it may join it no more than it may join
  // anything), the pulse after it, and the acknowledged one.
  EXPECT_EQ(sink.seen_batches.size(), 23U);
}

TEST(Writer, GroupsBatchesIntoOneTransactionAndAcknowledgesAfterIt) {
  FakeSink sink;
  PulseWriter writer(sink, quick());
  std::atomic<int> acknowledged{0};
  std::atomic<bool> acknowledged_before_commit{false};
  for (int meter = 1; meter <= 5; ++meter) {
    writer.submit(batch_of(meter, 10), [&](const BatchOutcome &outcome) {
      if (sink.stored_count() < 10U * static_cast<std::size_t>(acknowledged + 1)) {
        acknowledged_before_commit = true;
      }
      EXPECT_EQ(outcome.stored, 10);
      ++acknowledged;
    });
  }
  writer.flush();
  EXPECT_EQ(acknowledged.load(), 5);
  EXPECT_FALSE(acknowledged_before_commit.load());
  EXPECT_EQ(sink.stored_count(), 50U);
  EXPECT_LE(sink.transactions, 5);
  EXPECT_EQ(writer.stats().committed_pulses, 50U);
}

TEST(Writer, KeepsBatchesThroughFailedCommitsAndStoresThemOnce) {
  FakeSink sink;
  sink.failures_left = 3;
  PulseWriter writer(sink, quick());
  std::atomic<int> acknowledged{0};
  writer.submit(batch_of(1, 7), [&](const BatchOutcome &) { ++acknowledged; });
  writer.flush();
  EXPECT_EQ(acknowledged.load(), 1);
  EXPECT_EQ(sink.stored_count(), 7U);
  EXPECT_EQ(writer.stats().failed_commits, 3U);
}

TEST(Writer, RefusesBatchesBeyondTheQueueBoundAndSaysSo) {
  FakeSink sink;
  sink.failures_left = 1'000'000; // the store never writes
  WriterSettings settings = quick();
  settings.max_queued_pulses = 15;
  PulseWriter writer(sink, settings);
  writer.submit(batch_of(1, 10));
  std::optional<Error> refusal;
  writer.submit(batch_of(1, 10), [&](const BatchOutcome &outcome) { refusal = outcome.error; });
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->code, ErrorCode::unavailable);
  EXPECT_EQ(writer.stats().refused_batches, 1U);
  EXPECT_EQ(writer.stats().queued_pulses, 10U);
  {
    std::lock_guard lock(sink.mutex);
    sink.failures_left = 0;
  }
  writer.flush();
  EXPECT_EQ(sink.stored_count(), 10U);
}

// A store that failed often earlier in the daemon's life (a disk that
// filled once) still gets every attempt at the stop, counted from the stop.
TEST(Writer, AStopRetriesAsOftenAsDocumentedHoweverManyCommitsFailedBefore) {
  FakeSink sink;
  sink.failures_left = 11;
  PulseWriter writer(sink, quick());
  writer.submit(batch_of(1, 2));
  writer.flush();
  ASSERT_EQ(writer.stats().failed_commits, 11U);

  {
    std::lock_guard lock(sink.mutex);
    sink.failures_left = static_cast<int>(quick().attempts_at_stop) - 1; // works at the last try
  }
  writer.submit(batch_of(3, 5));
  writer.stop();
  EXPECT_EQ(sink.stored_count(), 7U) << "the queued pulses were stored at the last attempt";
  EXPECT_EQ(writer.stats().failed_commits, 11U + quick().attempts_at_stop - 1);
  EXPECT_EQ(writer.stats().queued_pulses, 0U);
}

TEST(Writer, AStopGivesUpAfterItsAttemptsAndSaysWhatWasNotStored) {
  FakeSink sink;
  sink.failures_left = 1'000'000;
  PulseWriter writer(sink, quick());
  writer.submit(batch_of(1, 4));
  writer.stop();
  EXPECT_EQ(writer.stats().failed_commits, quick().attempts_at_stop);
  EXPECT_EQ(writer.stats().queued_pulses, 4U);
}

// A pipeline's pulses carry the power estimated as each came, through the
// commit to the bus; they never join a batch of pulses from elsewhere (a
// power report's), whose pulses carry none.
TEST(Writer, PowersTravelWithTheirPulsesAndBatchesWithAndWithoutThemStayApart) {
  FakeSink sink;
  PulseBus bus;
  std::vector<CommittedPulses> published;
  std::mutex published_mutex;
  auto subscription = bus.subscribe([&](const CommittedPulses &committed) {
    const std::lock_guard lock(published_mutex);
    published.push_back(committed);
  });
  WriterSettings settings = quick();
  settings.commit_interval = std::chrono::hours{1};
  PulseWriter writer(sink, settings, &bus);
  writer.submit(PulseBatch{1, {utc_from_epoch_us(1'000'000)}, {}, {}, {std::nullopt}});
  writer.submit(PulseBatch{1, {utc_from_epoch_us(2'000'000)}, {}, {}, {3600.0}});
  writer.submit(PulseBatch{1, {utc_from_epoch_us(2'500'000)}, {}, {}}); // a power report's
  writer.submit(PulseBatch{1, {utc_from_epoch_us(3'000'000)}, {}, {}, {1800.0}});
  writer.stop();
  ASSERT_EQ(sink.seen_batches.size(), 3U) << "the first two joined, the report's stayed apart";
  const std::lock_guard lock(published_mutex);
  ASSERT_EQ(published.size(), 3U);
  EXPECT_EQ(published[0].pulses.size(), 2U);
  ASSERT_EQ(published[0].powers.size(), 2U);
  EXPECT_FALSE(published[0].powers[0].has_value());
  EXPECT_EQ(published[0].powers[1], 3600.0);
  EXPECT_TRUE(published[1].powers.empty());
  ASSERT_EQ(published[2].powers.size(), 1U);
  EXPECT_EQ(published[2].powers[0], 1800.0);
}

TEST(Writer, StopCommitsEverythingQueued) {
  FakeSink sink;
  WriterSettings settings = quick();
  settings.commit_interval = std::chrono::hours{1};
  PulseWriter writer(sink, settings);
  writer.submit(batch_of(1, 3));
  writer.submit(batch_of(2, 4));
  writer.stop();
  EXPECT_EQ(sink.stored_count(), 7U);
}

} // namespace
} // namespace pulsemon

namespace pulsemon {
namespace {

TEST(Writer, CommitsOnItsOwnAtTheIntervalWithoutAFlushAndNotBefore) {
  FakeSink sink;
  SimulatedTime time(utc_from_epoch_us(0));
  PulseWriter writer(sink, quick(), nullptr, time);
  std::promise<void> acknowledged;
  std::future<void> done = acknowledged.get_future();
  writer.submit(batch_of(1, 2), [&](const BatchOutcome &) { acknowledged.set_value(); });
  // The writer waits out its 50 ms interval for more pulses to join; no
  // flush and no stop, so only the interval can commit them.
  ASSERT_TRUE(time.settle(1));
  time.advance(std::chrono::milliseconds{49});
  ASSERT_TRUE(time.settle(1)) << "the writer saw 49 ms pass and waits on";
  EXPECT_EQ(sink.stored_count(), 0U);
  EXPECT_EQ(done.wait_for(std::chrono::seconds{0}), std::future_status::timeout);
  time.advance(std::chrono::milliseconds{1});
  EXPECT_EQ(done.wait_for(std::chrono::seconds{30}), std::future_status::ready);
  EXPECT_EQ(sink.stored_count(), 2U);
}

// A failed commit is retried after the retry interval and not sooner,
// however many pulses arrive meanwhile.
TEST(Writer, AFailedCommitIsRetriedAfterThePauseAndNotSooner) {
  FakeSink sink;
  sink.failures_left = 1;
  SimulatedTime time(utc_from_epoch_us(0));
  WriterSettings settings = quick();
  settings.retry_interval = std::chrono::milliseconds{2000};
  PulseWriter writer(sink, settings, nullptr, time);
  writer.submit(batch_of(1, 2));
  ASSERT_TRUE(time.settle(1));
  time.advance(std::chrono::milliseconds{50}); // the interval: the commit fails
  ASSERT_TRUE(time.settle(1));                 // in the retry pause
  EXPECT_EQ(writer.stats().failed_commits, 1U);
  writer.submit(PulseBatch{2, {utc_from_epoch_us(77)}, {}, {}});
  time.advance(std::chrono::milliseconds{1999});
  ASSERT_TRUE(time.settle(1));
  EXPECT_EQ(sink.stored_count(), 0U) << "retried before the pause was over";
  EXPECT_EQ(writer.stats().commits, 0U);
  time.advance(std::chrono::milliseconds{1});
  // The retry waits for its interval again (others may join), then commits.
  ASSERT_TRUE(time.settle(1));
  time.advance(std::chrono::milliseconds{50});
  writer.flush();
  EXPECT_EQ(sink.stored_count(), 3U);
  EXPECT_EQ(writer.stats().failed_commits, 1U);
}

} // namespace
} // namespace pulsemon

namespace pulsemon {
namespace {

// Sources, the API and MQTT submit from their own threads while another
// asks for stats and flushes; ThreadSanitizer runs this test too
// (scripts/test), so a race in the writer's queue is a failure there.
TEST(Writer, SubmissionsFromManyThreadsAreAllStoredAndAcknowledgedOnce) {
  FakeSink sink;
  PulseWriter writer(sink, quick());
  constexpr int threads = 4;
  constexpr int batches_each = 200;
  std::atomic<int> acknowledged{0};
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done) {
      (void)writer.stats();
      writer.flush();
    }
  });
  std::vector<std::thread> submitters;
  for (int t = 0; t < threads; ++t) {
    submitters.emplace_back([&, t] {
      for (int i = 0; i < batches_each; ++i) {
        // Every other batch waits for its outcome, so joined and lone
        // batches mix as they do in the daemon.
        writer.submit(batch_of(t + 1, 3),
                      i % 2 == 0 ? PulseWriter::Ack{[&](const BatchOutcome &) { ++acknowledged; }}
                                 : PulseWriter::Ack{});
      }
    });
  }
  for (std::thread &submitter : submitters) {
    submitter.join();
  }
  writer.flush();
  done = true;
  watcher.join();
  EXPECT_EQ(sink.stored_count(), std::size_t{threads * batches_each * 3});
  EXPECT_EQ(acknowledged.load(), threads * batches_each / 2);
  EXPECT_EQ(writer.stats().committed_pulses, std::uint64_t{threads * batches_each * 3});
  EXPECT_EQ(writer.stats().queued_pulses, 0U);
}

} // namespace
} // namespace pulsemon

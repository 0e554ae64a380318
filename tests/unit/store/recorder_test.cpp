// The recorder and the writer publish on the bus only what is committed,
// after the commit; a subscriber that looks finds the pulses stored.
#include "store/memory/memory_store.h"
#include "store/pulse_bus.h"
#include "store/recorder.h"
#include "store/writer.h"

#include <gtest/gtest.h>

namespace pulsemon {
namespace {

const UtcTime t0 = utc_from_epoch_us(1'780'000'000'000'000);

class RecorderTest : public ::testing::Test {
protected:
  RecorderTest() {
    Meter meter;
    meter.id = 1;
    meter.name = "house";
    meter.pulses_per_unit = 1000;
    store.add_meter(meter, t0);
  }

  // Records what was published and whether it was stored by then.
  PulseBus::Subscription follow() {
    return bus.subscribe([this](const CommittedPulses &committed) {
      seen.push_back(committed);
      for (const UtcTime t : committed.pulses) {
        stored_when_seen &= store.count_pulses(committed.meter_id, t, t + Micros{1}) == 1;
      }
    });
  }

  MemoryStore store;
  PulseBus bus;
  std::vector<CommittedPulses> seen;
  bool stored_when_seen = true;
};

TEST_F(RecorderTest, PublishesWhatItCommittedAndNothingRefused) {
  const auto subscription = follow();
  Recorder recorder(store, &bus);
  const std::vector<PulseBatch> batches{PulseBatch{1, {t0, t0 + Micros{1000}}, {}, {}},
                                        PulseBatch{9, {t0}, {}, {}}};
  const auto outcomes = recorder.record(batches);
  ASSERT_TRUE(outcomes[1].error);
  ASSERT_EQ(seen.size(), 1U) << "the batch for a meter that is not was not published";
  EXPECT_EQ(seen[0].meter_id, 1);
  EXPECT_EQ(seen[0].pulses.size(), 2U);
  EXPECT_TRUE(stored_when_seen);
  EXPECT_THROW((void)recorder.record_or_throw(PulseBatch{9, {t0}, {}, {}}), Failure);
  EXPECT_EQ(seen.size(), 1U);
}

TEST_F(RecorderTest, AnAbandonedTransactionPublishesNothing) {
  const auto subscription = follow();
  Recorder recorder(store, &bus);
  EXPECT_THROW(recorder.record_atomically([&]() -> std::vector<CommittedPulses> {
    const std::vector<PulseBatch> batches{PulseBatch{1, {t0}, {}, {}}};
    (void)store.commit(batches);
    throw Failure(ErrorCode::permission_denied, "refused after writing");
  }),
               Failure);
  EXPECT_TRUE(seen.empty());
  EXPECT_EQ(store.stats(1).pulses, 0);
  recorder.record_atomically([&] {
    const std::vector<PulseBatch> batches{PulseBatch{1, {t0}, {}, {}}};
    (void)store.commit(batches);
    return std::vector<CommittedPulses>{{1, {t0}}};
  });
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_TRUE(stored_when_seen);
}

TEST_F(RecorderTest, TheWriterPublishesAfterItsCommitAndASubscriptionEnds) {
  auto subscription = follow();
  PulseWriter writer(store, WriterSettings{}, &bus);
  writer.submit(PulseBatch{1, {t0}, {}, {}});
  writer.flush();
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_TRUE(stored_when_seen);
  subscription.reset();
  writer.submit(PulseBatch{1, {t0 + Micros{1}}, {}, {}});
  writer.flush();
  writer.stop();
  EXPECT_EQ(seen.size(), 1U) << "nothing reaches a subscription that ended";
  EXPECT_EQ(store.stats(1).pulses, 2);
}

} // namespace
} // namespace pulsemon

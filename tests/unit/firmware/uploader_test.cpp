// The node's upload logic on the host: a batch keeps its number and pulses
// until acknowledged, is resent after failures and missing acknowledgements,
// and a backlog goes out back to back.
#include "pulsenode/uploader.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace pulsenode {
namespace {

UploadSettings settings() {
  UploadSettings s;
  s.batch_pulses = 3;
  s.send_interval_ms = 10'000;
  s.ack_timeout_ms = 5'000;
  s.first_retry_ms = 1'000;
  s.max_retry_ms = 8'000;
  return s;
}

class UploaderTest : public ::testing::Test {
protected:
  Outbox<16> outbox;
  Uploader<16> uploader{outbox, settings(), 42};

  nlohmann::json send(uint32_t now_ms) {
    char text[1024];
    const size_t length = uploader.write(text, sizeof text, NodeIdentity{"n", 1, nullptr},
                                         99'000'000, Health{}, now_ms);
    EXPECT_GT(length, 0U);
    return nlohmann::json::parse(std::string(text, length));
  }
  void push(uint64_t first, uint32_t count) {
    for (uint32_t i = 0; i < count; ++i) {
      outbox.push(first + i * 1000);
    }
  }
};

TEST_F(UploaderTest, NothingToSendMeansNotReady) {
  EXPECT_FALSE(uploader.ready(0));
}

TEST_F(UploaderTest, AnAcknowledgedBatchLeavesTheOutboxAndTheNextWaitsForTheInterval) {
  push(1000, 2);
  ASSERT_TRUE(uploader.ready(0));
  const auto batch = send(0);
  EXPECT_EQ(batch["boot"], 42);
  EXPECT_EQ(batch["seq"], 1);
  EXPECT_EQ(batch["pulses"].size(), 2U);
  EXPECT_FALSE(uploader.ready(100)) << "waiting for the acknowledgement";
  EXPECT_TRUE(uploader.acknowledged(42, 1, 200));
  EXPECT_EQ(outbox.size(), 0U);
  push(9000, 1);
  EXPECT_FALSE(uploader.ready(5'000));
  ASSERT_TRUE(uploader.ready(10'200));
  EXPECT_EQ(send(10'200)["seq"], 2);
}

// config.h and docs/sensor-node.md promise it: a full batch does not wait
// for the send interval (at 50 pulses a second a long interval overflows
// the outbox while the server is up), but a failure's backoff still holds.
TEST_F(UploaderTest, AFullBatchGoesOutBeforeTheIntervalButNotInsideABackoff) {
  push(1000, 1);
  ASSERT_TRUE(uploader.ready(0));
  send(0);
  ASSERT_TRUE(uploader.acknowledged(42, 1, 100));
  push(2000, 2);
  EXPECT_FALSE(uploader.ready(1'000)) << "two of three: the interval holds";
  push(4000, 1);
  ASSERT_TRUE(uploader.ready(1'100)) << "a full batch waits no longer";
  EXPECT_EQ(send(1'100)["pulses"].size(), 3U);
  uploader.failed(1'200);
  push(5000, 3);
  EXPECT_FALSE(uploader.ready(1'300)) << "full, but inside the backoff";
  EXPECT_TRUE(uploader.ready(2'200));
}

TEST_F(UploaderTest, AFailedBatchIsResentUnchangedWithBackoff) {
  push(1000, 2);
  ASSERT_TRUE(uploader.ready(0));
  const auto first = send(0);
  uploader.failed(10);
  push(50'000, 1); // arrives meanwhile: not added to the batch being resent
  EXPECT_FALSE(uploader.ready(500));
  ASSERT_TRUE(uploader.ready(1'010));
  EXPECT_EQ(send(1'010), first) << "same number, same pulses";
  uploader.failed(1'020);
  EXPECT_FALSE(uploader.ready(2'500)) << "the second wait is twice as long";
  EXPECT_TRUE(uploader.ready(3'020));
}

TEST_F(UploaderTest, AMissingAcknowledgementMeansSendAgain) {
  push(1000, 1);
  ASSERT_TRUE(uploader.ready(0));
  const auto first = send(0);
  EXPECT_FALSE(uploader.ready(4'999));
  EXPECT_FALSE(uploader.ready(5'000)) << "timed out: now the backoff";
  ASSERT_TRUE(uploader.ready(6'000));
  EXPECT_EQ(send(6'000), first);
  EXPECT_TRUE(uploader.acknowledged(42, 1, 6'100)) << "a late acknowledgement still counts";
  EXPECT_EQ(outbox.size(), 0U);
}

TEST_F(UploaderTest, AcknowledgementsOfOtherBatchesChangeNothing) {
  push(1000, 1);
  ASSERT_TRUE(uploader.ready(0));
  (void)send(0);
  EXPECT_FALSE(uploader.acknowledged(41, 1, 10)) << "a retained ack from the last boot";
  EXPECT_FALSE(uploader.acknowledged(42, 2, 10));
  EXPECT_EQ(outbox.size(), 1U);
  EXPECT_EQ(uploader.seq(), 1U);
}

TEST_F(UploaderTest, ABacklogGoesOutBatchAfterBatch) {
  push(1000, 7);
  ASSERT_TRUE(uploader.ready(0));
  EXPECT_EQ(send(0)["pulses"].size(), 3U);
  ASSERT_TRUE(uploader.acknowledged(42, 1, 10));
  ASSERT_TRUE(uploader.ready(10)) << "4 still waiting: no interval";
  EXPECT_EQ(send(10)["pulses"][0], 4000);
  ASSERT_TRUE(uploader.acknowledged(42, 2, 20));
  EXPECT_FALSE(uploader.ready(20)) << "1 left: wait for the interval";
}

TEST_F(UploaderTest, APulseAfterTwentyFiveQuietDaysGoesOutAtOnce) {
  push(1000, 1);
  ASSERT_TRUE(uploader.ready(0));
  send(0);
  ASSERT_TRUE(uploader.acknowledged(42, 1, 0));
  // No pulse for 25 days (more than 2^31 ms); loop() asks every second.
  const uint32_t quiet_ms = 25U * 24 * 3600 * 1000;
  for (uint32_t now = 0; now < quiet_ms; now += 1000) {
    ASSERT_FALSE(uploader.ready(now)) << "nothing to send";
  }
  push(5000, 1);
  EXPECT_TRUE(uploader.ready(quiet_ms)) << "not another 24.9 days of waiting";
}

TEST_F(UploaderTest, ABackoffThatSpansTheWrapOfMillisEndsOnTime) {
  push(1000, 1);
  const uint32_t before_wrap = 0xFFFF'FC18U; // 1 s before millis() wraps
  ASSERT_TRUE(uploader.ready(before_wrap));
  send(before_wrap);
  uploader.failed(before_wrap); // retry in 1 s, which is after the wrap
  EXPECT_FALSE(uploader.ready(before_wrap + 500));
  EXPECT_TRUE(uploader.ready(before_wrap + 1000)) << "0 after the wrap";
}

TEST(ReadAck, ReadsBootAndSeqFromTheServersAnswer) {
  const std::string ack =
      nlohmann::json{{"node", "n"},    {"boot", 4'000'000'000U}, {"seq", 12},
                     {"accepted", 3},  {"missing", {5}},         {"duplicate_batch", false},
                     {"duplicates", 0}}
          .dump();
  uint32_t boot = 0;
  uint32_t seq = 0;
  ASSERT_TRUE(read_ack(ack.data(), ack.size(), boot, seq));
  EXPECT_EQ(boot, 4'000'000'000U);
  EXPECT_EQ(seq, 12U);
}

TEST(ReadAck, RefusesAnswersWithoutBothNumbers) {
  uint32_t boot = 0;
  uint32_t seq = 0;
  for (const std::string text : {R"({"boot":1})", R"({"seq":1})", R"({"boot":"1","seq":2})",
                                 R"({"boot":99999999999,"seq":2})", ""}) {
    EXPECT_FALSE(read_ack(text.data(), text.size(), boot, seq)) << text;
  }
}

} // namespace
} // namespace pulsenode

namespace pulsenode {
namespace {

TEST(AckSubscription, ARefusedSubscribeIsTriedAgainWhileTheConnectionStays) {
  AckSubscription subscription(5000);
  EXPECT_FALSE(subscription.due(false, 0, 0)) << "not connected: nothing to do";
  ASSERT_TRUE(subscription.due(true, 0, 100));
  subscription.subscribed(false, 100); // subscribe() failed; the connection is still up
  EXPECT_FALSE(subscription.active());
  EXPECT_FALSE(subscription.due(true, 0, 4000));
  ASSERT_TRUE(subscription.due(true, 0, 5100)) << "tried again, not never";
  subscription.subscribed(true, 5100);
  EXPECT_TRUE(subscription.active());
  EXPECT_FALSE(subscription.due(true, 0, 60'000));
}

TEST(AckSubscription, AReconnectionOrAMissingAckSubscribesAgain) {
  AckSubscription subscription;
  ASSERT_TRUE(subscription.due(true, 0, 0));
  subscription.subscribed(true, 0);
  EXPECT_FALSE(subscription.due(false, 0, 10)) << "the broker went away";
  EXPECT_TRUE(subscription.due(true, 0, 20)) << "a new connection has no subscriptions";
  subscription.subscribed(true, 20);
  EXPECT_FALSE(subscription.due(true, 0, 30));
  EXPECT_TRUE(subscription.due(true, 1, 40)) << "an ack that never came: the broker may have "
                                                "refused the subscription without a word";
  subscription.subscribed(true, 40);
  EXPECT_FALSE(subscription.due(true, 1, 50));
}

TEST(AckSubscription, TheUploaderCountsAcknowledgementsThatNeverCame) {
  Outbox<4> outbox;
  UploadSettings settings;
  settings.ack_timeout_ms = 1000;
  Uploader<4> uploader(outbox, settings, 1);
  outbox.push(5);
  ASSERT_TRUE(uploader.ready(0));
  char text[512];
  ASSERT_GT(uploader.write(text, sizeof text, NodeIdentity{"n", 1, "k"}, 10, Health{}, 0), 0U);
  EXPECT_FALSE(uploader.ready(999));
  EXPECT_EQ(uploader.ack_timeouts(), 0U);
  (void)uploader.ready(1000);
  EXPECT_EQ(uploader.ack_timeouts(), 1U);
}

} // namespace
} // namespace pulsenode

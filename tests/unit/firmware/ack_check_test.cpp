// An MQTT acknowledgement makes the node drop pulses, so it must carry
// pulsemon's signature: anyone else on the broker can write to the topic.
#include "pulsenode/ack_check.h"

#include "ingest/ack_signature.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace pulsenode {
namespace {

constexpr const char *device_key = "pmk_3_0123456789abcdef0123456789abcdef";

std::string ack(const std::string &node, uint32_t boot, uint32_t seq, const std::string &mac) {
  return nlohmann::json{{"node", node},  {"boot", boot},    {"seq", seq},
                        {"accepted", 3}, {"duplicates", 0}, {"duplicate_batch", false},
                        {"missing", 0},  {"mac", mac}}
      .dump();
}

TEST(AckCheck, TheNodeAcceptsWhatPulsemonSigns) {
  const std::string mac = pulsemon::ack_signature(device_key, "shed", 4'000'000'000U, 12);
  const std::string text = ack("shed", 4'000'000'000U, 12, mac);
  const AckKey key = derive_ack_key(device_key);
  uint32_t boot = 0;
  uint32_t seq = 0;
  ASSERT_TRUE(read_signed_ack(text.data(), text.size(), "shed", key, boot, seq));
  EXPECT_EQ(boot, 4'000'000'000U);
  EXPECT_EQ(seq, 12U);
  char node_side[65];
  sign_ack(key, "shed", 4'000'000'000U, 12, node_side);
  EXPECT_EQ(std::string(node_side), mac) << "BearSSL on the node, libsodium on the server";
}

TEST(AckCheck, AForgedAckIsIgnored) {
  const AckKey key = derive_ack_key(device_key);
  const std::string right = pulsemon::ack_signature(device_key, "shed", 7, 12);
  std::string flipped = right;
  flipped[10] = flipped[10] == '0' ? '1' : '0';
  const std::string forgeries[] = {
      R"({"node":"shed","boot":7,"seq":12,"accepted":3})", // the old, unsigned ack
      ack("shed", 7, 12, flipped),
      ack("shed", 7, 12, std::string(64, '0')),
      ack("shed", 7, 13, right), // a real signature moved to the next batch
      ack("shed", 8, 12, right), // or to another boot
      ack("shed", 7, 12,
          pulsemon::ack_signature("pmk_3_ffffffffffffffffffffffffffffffff", "shed", 7,
                                  12)), // signed with another key
      ack("shed", 7, 12, right.substr(0, 63)),
      ack("shed", 7, 12, right + "0"),
  };
  for (const std::string &text : forgeries) {
    uint32_t boot = 99;
    uint32_t seq = 99;
    EXPECT_FALSE(read_signed_ack(text.data(), text.size(), "shed", key, boot, seq)) << text;
    EXPECT_EQ(boot, 99U);
    EXPECT_EQ(seq, 99U);
  }
  const std::string other_node = pulsemon::ack_signature(device_key, "hall", 7, 12);
  const std::string text = ack("shed", 7, 12, other_node);
  uint32_t boot = 0;
  uint32_t seq = 0;
  EXPECT_FALSE(read_signed_ack(text.data(), text.size(), "shed", key, boot, seq))
      << "a signature for another node's batch";
}

} // namespace
} // namespace pulsenode

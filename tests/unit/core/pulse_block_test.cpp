// Sealed pulse blocks (core/pulse_block.h): every set of pulses comes back
// exactly, a household's pulses take a few bytes each, and bytes that are
// not a block (cut short, padded, random) are refused, never read as other
// pulses.
#include "core/pulse_block.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace pulsemon {
namespace {

// Strictly increasing pulses from `start`: steady stretches with jitter,
// bursts a microsecond apart, and outages of days, as a meter's history has.
std::vector<UtcTime> random_pulses(std::mt19937_64 &random, std::size_t count, std::int64_t start) {
  std::vector<UtcTime> pulses;
  std::int64_t t = start;
  std::int64_t interval = 1'000'000;
  std::uniform_int_distribution<int> what(0, 99);
  for (std::size_t i = 0; i < count; ++i) {
    pulses.push_back(utc_from_epoch_us(t));
    const int roll = what(random);
    if (roll < 2) {
      t += 1; // a burst
    } else if (roll < 3) {
      t += std::uniform_int_distribution<std::int64_t>(1, 400'000'000'000)(random); // days off
    } else {
      if (roll < 10) {
        interval = std::uniform_int_distribution<std::int64_t>(100'000, 60'000'000)(random);
      }
      t += std::max<std::int64_t>(
          1, interval + std::uniform_int_distribution<std::int64_t>(-20'000, 20'000)(random));
    }
  }
  return pulses;
}

TEST(PulseBlock, EverySetOfPulsesComesBackExactly) {
  std::mt19937_64 random(36);
  for (int round = 0; round < 300; ++round) {
    const std::size_t count =
        std::uniform_int_distribution<std::size_t>(0, max_pulses_per_block)(random);
    // From before 1970 to 9000: the epoch's sign does not matter.
    const std::int64_t start = std::uniform_int_distribution<std::int64_t>(
        -30'000'000'000'000'000, 220'000'000'000'000'000)(random);
    const std::vector<UtcTime> pulses = random_pulses(random, count, start);
    const auto bytes = encode_pulse_block(pulses);
    ASSERT_TRUE(bytes.ok()) << bytes.error().message;
    const auto back = decode_pulse_block(*bytes);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(*back, pulses) << "round " << round;
    const PulseBlockSummary summary = summarise(pulses);
    EXPECT_EQ(summary.count, static_cast<std::int64_t>(count));
    if (count > 0) {
      EXPECT_EQ(summary.first, pulses.front());
      EXPECT_EQ(summary.last, pulses.back());
    }
  }
}

TEST(PulseBlock, AHouseholdsPulsesTakeAFewBytesEach) {
  // 1000 imp/kWh at a load wandering between 200 W and 3 kW, with the
  // meter's LED and the sensor's jitter of a few milliseconds.
  std::mt19937_64 random(1);
  std::vector<UtcTime> pulses;
  std::int64_t t = 1'780'000'000'000'000;
  double watts = 400;
  std::normal_distribution<double> jitter(0.0, 2'000.0);
  std::normal_distribution<double> wander(0.0, 0.03);
  for (std::size_t i = 0; i < max_pulses_per_block; ++i) {
    pulses.push_back(utc_from_epoch_us(t));
    watts = std::clamp(watts * (1.0 + wander(random)), 200.0, 3000.0);
    t += static_cast<std::int64_t>(3.6e9 / watts + jitter(random));
  }
  const auto bytes = encode_pulse_block(pulses);
  ASSERT_TRUE(bytes.ok());
  const double per_pulse = static_cast<double>(bytes->size()) / static_cast<double>(pulses.size());
  EXPECT_LT(per_pulse, 4.0) << "bytes a pulse";
  EXPECT_GT(per_pulse, 1.0) << "the test's pulses carry information";
}

TEST(PulseBlock, WhatIsNotABlockOfIncreasingPulsesIsRefused) {
  const UtcTime t = utc_from_epoch_us(1'780'000'000'000'000);
  EXPECT_FALSE(encode_pulse_block(std::vector<UtcTime>{t, t}).ok()) << "a pulse twice";
  EXPECT_FALSE(encode_pulse_block(std::vector<UtcTime>{t, t - Micros{1}}).ok());
  EXPECT_FALSE(encode_pulse_block(std::vector<UtcTime>(max_pulses_per_block + 1, t)).ok());
  EXPECT_FALSE(
      encode_pulse_block(std::vector<UtcTime>{utc_from_epoch_us(300'000'000'000'000'000)}).ok());
  const auto empty = encode_pulse_block({});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(decode_pulse_block(*empty)->empty());
}

TEST(PulseBlock, DamagedBytesAreNamedNeverReadAsOtherPulses) {
  std::mt19937_64 random(5);
  const std::vector<UtcTime> pulses = random_pulses(random, 500, 1'780'000'000'000'000);
  const std::string bytes = *encode_pulse_block(pulses);
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_FALSE(decode_pulse_block(bytes.substr(0, cut)).ok()) << "cut at " << cut;
  }
  EXPECT_FALSE(decode_pulse_block(bytes + '\0').ok()) << "a byte after the last pulse";
  EXPECT_FALSE(decode_pulse_block(std::string(11, '\xff')).ok()) << "a varint longer than 64 bits";
  EXPECT_FALSE(decode_pulse_block(std::string("\x80\x00", 2)).ok()) << "a count of 0 written long";
  // Random bytes: refused, or read as pulses that could have been stored.
  for (int round = 0; round < 200'000; ++round) {
    std::string noise(std::uniform_int_distribution<std::size_t>(0, 40)(random), '\0');
    for (char &c : noise) {
      c = static_cast<char>(random());
    }
    const auto read = decode_pulse_block(noise);
    if (read.ok()) {
      EXPECT_TRUE(std::is_sorted(read->begin(), read->end()));
      EXPECT_EQ(std::adjacent_find(read->begin(), read->end()), read->end());
      EXPECT_EQ(*encode_pulse_block(*read), noise) << "one way to write each block";
    }
  }
}

TEST(PulseBlock, CountingARangeReadsTheSameAsTheWholeBlockAndRefusesDamageAnywhere) {
  std::mt19937_64 random(7);
  for (int round = 0; round < 100; ++round) {
    const std::vector<UtcTime> pulses =
        random_pulses(random, 1 + static_cast<std::size_t>(round) * 10, 1'700'000'000'000'000);
    const std::string bytes = encode_pulse_block(pulses).value();
    std::uniform_int_distribution<std::size_t> pick(0, pulses.size() - 1);
    for (int probe = 0; probe < 20; ++probe) {
      UtcTime from = pulses[pick(random)] + Micros{probe % 3 - 1};
      UtcTime to = pulses[pick(random)] + Micros{probe % 2};
      if (to < from) {
        std::swap(from, to);
      }
      const auto expected = std::lower_bound(pulses.begin(), pulses.end(), to) -
                            std::lower_bound(pulses.begin(), pulses.end(), from);
      const BlockCount counted = count_block_pulses(bytes, from, to).value();
      EXPECT_EQ(counted.within, expected);
      EXPECT_EQ(counted.summary.count, static_cast<std::int64_t>(pulses.size()));
      EXPECT_EQ(counted.summary.first, pulses.front());
      EXPECT_EQ(counted.summary.last, pulses.back());
    }
  }
  const std::vector<UtcTime> pulses = random_pulses(random, 100, 1'700'000'000'000'000);
  const std::string bytes = encode_pulse_block(pulses).value();
  EXPECT_FALSE(count_block_pulses(bytes.substr(0, bytes.size() - 1), pulses.front(),
                                  pulses.front() + Micros{1})
                   .ok())
      << "cut short after the range counted";
}

} // namespace
} // namespace pulsemon

#include "core/pulse_filter.h"

#include <gtest/gtest.h>

namespace pulsemon {
namespace {

MonoTime ms(std::int64_t milliseconds) {
  return mono_from_us(milliseconds * 1000);
}

FilterSettings settings(std::int64_t min_interval_ms, std::int64_t min_width_ms) {
  return FilterSettings{Micros{min_interval_ms * 1000}, Micros{min_width_ms * 1000}};
}

TEST(PulseFilter, AcceptsTheFirstPulseAndPulsesFartherApartThanTheInterval) {
  PulseFilter filter(settings(20, 0));
  EXPECT_TRUE(filter.on_pulse(ms(0)).accepted());
  EXPECT_TRUE(filter.on_pulse(ms(20)).accepted());
  EXPECT_TRUE(filter.on_pulse(ms(1000)).accepted());
  EXPECT_EQ(filter.counts().accepted, 3U);
  EXPECT_EQ(filter.counts().rejected(), 0U);
}

TEST(PulseFilter, DropsBouncesCloserThanTheIntervalAndMeasuresFromTheLastAcceptedPulse) {
  PulseFilter filter(settings(20, 0));
  EXPECT_TRUE(filter.on_pulse(ms(100)).accepted());
  // A rattle of bounces: each is measured from 100, not from the bounce before.
  for (std::int64_t t : {102, 105, 110, 119}) {
    const FilterVerdict verdict = filter.on_pulse(ms(t));
    EXPECT_EQ(verdict.rejected, RejectReason::too_close) << t;
  }
  EXPECT_TRUE(filter.on_pulse(ms(120)).accepted());
  EXPECT_EQ(filter.counts().too_close, 4U);
  EXPECT_EQ(filter.counts().accepted, 2U);
}

TEST(PulseFilter, TreatsAnEdgeAtOrBeforeTheLastPulseAsABounceEvenWithoutAnInterval) {
  PulseFilter filter(settings(0, 0));
  EXPECT_TRUE(filter.on_pulse(ms(50)).accepted());
  EXPECT_EQ(filter.on_pulse(ms(50)).rejected, RejectReason::too_close);
  EXPECT_EQ(filter.on_pulse(ms(40)).rejected, RejectReason::too_close);
  EXPECT_TRUE(filter.on_pulse(ms(51)).accepted());
}

TEST(PulseFilter, WithBothEdgesRejectsPulsesNarrowerThanTheMinimumWidth) {
  PulseFilter filter(settings(0, 5));
  EXPECT_FALSE(filter.on_edge(EdgeKind::leading, ms(0)).first.has_value());
  const auto glitch = filter.on_edge(EdgeKind::trailing, ms(2));
  ASSERT_TRUE(glitch.first.has_value());
  EXPECT_EQ(glitch.first->rejected, RejectReason::too_short);

  filter.on_edge(EdgeKind::leading, ms(100));
  const auto real = filter.on_edge(EdgeKind::trailing, ms(130));
  ASSERT_TRUE(real.first.has_value());
  EXPECT_TRUE(real.first->accepted());
  EXPECT_EQ(real.first->pulse_time, ms(100)) << "a pulse is timed by its leading edge";
  EXPECT_EQ(filter.counts().too_short, 1U);
}

TEST(PulseFilter, ContactBounceOnBothEdgesCountsOnePulse) {
  // A reed contact closing: on/off/on within 2 ms, then held for 40 ms.
  PulseFilter filter(settings(20, 5));
  filter.on_edge(EdgeKind::leading, ms(1000));
  const auto first = filter.on_edge(EdgeKind::trailing, ms(1001));
  filter.on_edge(EdgeKind::leading, ms(1002));
  const auto second = filter.on_edge(EdgeKind::trailing, ms(1042));
  EXPECT_EQ(first.first->rejected, RejectReason::too_short);
  EXPECT_TRUE(second.first->accepted());
  EXPECT_EQ(filter.counts().accepted, 1U);
}

TEST(PulseFilter, ATrailingEdgeWithoutALeadingEdgeIsUnpaired) {
  // The first edge after a line is requested can be its initial state.
  PulseFilter filter(settings(20, 5));
  const auto verdicts = filter.on_edge(EdgeKind::trailing, ms(3));
  ASSERT_TRUE(verdicts.first.has_value());
  EXPECT_EQ(verdicts.first->rejected, RejectReason::unpaired);
  EXPECT_EQ(filter.counts().unpaired, 1U);
  EXPECT_EQ(filter.counts().accepted, 0U);
}

TEST(PulseFilter, ALeadingEdgeAfterALeadingEdgeJudgesTheEarlierPulseOnItsIntervalAlone) {
  PulseFilter filter(settings(20, 5));
  filter.on_edge(EdgeKind::leading, ms(0));
  const auto verdicts = filter.on_edge(EdgeKind::leading, ms(500));
  ASSERT_TRUE(verdicts.first.has_value());
  EXPECT_TRUE(verdicts.first->accepted());
  EXPECT_EQ(verdicts.first->pulse_time, ms(0));
  const auto closing = filter.on_edge(EdgeKind::trailing, ms(530));
  EXPECT_TRUE(closing.first->accepted());
  EXPECT_EQ(filter.counts().accepted, 2U);
}

} // namespace
} // namespace pulsemon

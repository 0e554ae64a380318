#include "core/edge_analysis.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace pulsemon {
namespace {

constexpr std::int64_t ms = 1'000'000;

// A sensor that pulls the line low while the LED is lit: `count` pulses of
// `width`, starting every `period` plus a little jitter so the load varies.
std::vector<RecordedEdge> low_pulses(int count, std::int64_t width, std::int64_t period,
                                     std::int64_t start = 1000 * ms) {
  std::vector<RecordedEdge> edges;
  for (int i = 0; i < count; ++i) {
    const std::int64_t t = start + i * period + (i % 3) * 37 * ms;
    edges.push_back({t, false});
    edges.push_back({t + width, true});
  }
  return edges;
}

bool mentions(const EdgeReport &report, const std::string &words) {
  return std::any_of(report.advice.begin(), report.advice.end(), [&](const std::string &line) {
    return line.find(words) != std::string::npos;
  });
}

TEST(EdgeAnalysis, ACleanSignalNeedsNoDebounce) {
  const auto edges = low_pulses(20, 50 * ms, 2000 * ms);
  const EdgeReport report = analyse_edges(edges);
  EXPECT_EQ(report.pulses, 20U);
  EXPECT_EQ(report.bounces, 0U);
  ASSERT_TRUE(report.width_ns.has_value());
  EXPECT_EQ(report.width_ns->median, 50 * ms);
  EXPECT_TRUE(report.pulse_is_low);
  EXPECT_EQ(report.recommended_edge, "falling");
  EXPECT_EQ(report.recommended_debounce_us, 0U);
  EXPECT_EQ(report.foreign_pulses, 0U);
  EXPECT_TRUE(mentions(report, "clean"));
}

TEST(EdgeAnalysis, ChatterAtTheEdgesIsCountedAndADebounceRecommended) {
  std::vector<RecordedEdge> edges;
  for (const RecordedEdge &edge : low_pulses(20, 50 * ms, 2000 * ms)) {
    edges.push_back(edge);
    if (!edge.rising) { // the falling edge chatters for 0.4 ms
      edges.push_back({edge.t_ns + 200'000, true});
      edges.push_back({edge.t_ns + 400'000, false});
    }
  }
  const EdgeReport report = analyse_edges(edges);
  EXPECT_EQ(report.pulses, 20U) << "no pulse lost, none added";
  EXPECT_EQ(report.bounces, 20U);
  EXPECT_EQ(report.longest_bounce_ns, 400'000);
  EXPECT_GE(report.recommended_debounce_us, 800U);
  EXPECT_LE(report.recommended_debounce_us, 25'000U) << "well inside the 50 ms pulse";
  EXPECT_TRUE(mentions(report, "potentiometer"));
  EXPECT_TRUE(mentions(report, "debounce_period_us = "));
}

TEST(EdgeAnalysis, ANeighbouringLedBlinkingAtAFixedRateIsPointedOut) {
  auto edges = low_pulses(30, 60 * ms, 1700 * ms);
  for (int i = 0; i < 20; ++i) { // a 5 ms blink every 2.5 s, whatever the load
    const std::int64_t t = 1500 * ms + i * 2500 * ms;
    edges.push_back({t, false});
    edges.push_back({t + 5 * ms, true});
  }
  std::sort(edges.begin(), edges.end(),
            [](const RecordedEdge &a, const RecordedEdge &b) { return a.t_ns < b.t_ns; });
  const EdgeReport report = analyse_edges(edges);
  EXPECT_GE(report.foreign_pulses, 18U);
  EXPECT_LE(report.foreign_pulses, 20U);
  ASSERT_TRUE(report.foreign_period_ns.has_value());
  EXPECT_NEAR(static_cast<double>(*report.foreign_period_ns), 2500.0 * ms, 1.0 * ms);
  EXPECT_TRUE(mentions(report, "another light"));
}

TEST(EdgeAnalysis, MainsFlickerIsRecognised) {
  std::vector<RecordedEdge> edges;
  for (int i = 0; i < 200; ++i) {
    edges.push_back({i * 10 * ms, true});
    edges.push_back({i * 10 * ms + 4 * ms, false});
  }
  const EdgeReport report = analyse_edges(edges);
  EXPECT_FALSE(report.pulse_is_low);
  EXPECT_EQ(report.recommended_edge, "rising");
  EXPECT_TRUE(mentions(report, "flicker"));
}

TEST(EdgeAnalysis, NoEdgesSaysToCheckTheWiring) {
  const EdgeReport report = analyse_edges({});
  EXPECT_EQ(report.pulses, 0U);
  EXPECT_TRUE(mentions(report, "wiring"));
}

} // namespace
} // namespace pulsemon

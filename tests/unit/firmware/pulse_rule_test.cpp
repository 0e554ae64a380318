// One pulse rule for the node and the server: the truth table of
// src/core/pulse_filter.md, run through the node's interrupt-side capture
// and the server's PulseFilter, gives the same verdicts and reasons.
#include "pulsenode/node_core.h"
#include "pulsenode/pulse_rule.h"

#include "core/pulse_filter.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace pulsenode {
namespace {

TEST(PulseRule, TheTruthTable) {
  using pulserule::judge;
  using pulserule::Verdict;
  const pulserule::Settings rule{10'000, 1'000};
  const int64_t unknown = pulserule::width_unknown;
  EXPECT_EQ(judge(rule, false, 0, unknown), Verdict::accepted) << "the first pulse";
  EXPECT_EQ(judge(rule, true, 9'999, unknown), Verdict::too_close);
  EXPECT_EQ(judge(rule, true, 10'000, unknown), Verdict::accepted);
  EXPECT_EQ(judge(rule, true, 0, unknown), Verdict::too_close) << "a clock fault";
  EXPECT_EQ(judge(rule, true, -5, unknown), Verdict::too_close) << "a clock fault";
  EXPECT_EQ(judge(rule, true, 50'000, 999), Verdict::too_short);
  EXPECT_EQ(judge(rule, true, 50'000, 1'000), Verdict::accepted);
  EXPECT_EQ(judge(rule, true, 5'000, 500), Verdict::too_short) << "width is judged first";
  EXPECT_EQ(judge(pulserule::Settings{10'000, 0}, true, 50'000, 1), Verdict::accepted)
      << "min_width 0 is off";
  EXPECT_STREQ(pulserule::name(Verdict::too_close), "too_close");
  EXPECT_STREQ(pulserule::name(Verdict::too_short), "too_short");
  EXPECT_STREQ(pulserule::name(Verdict::unpaired), "unpaired");
}

TEST(PulseRule, TheNodeAndTheServerJudgeTheSameEdgesAlike) {
  // Leading edges in µs: bounce right after pulses, a burst of bounces that
  // must not push the next real pulse out, exact boundaries.
  const std::vector<uint32_t> edges = {1'000'000, 1'000'300, 1'002'000, 1'009'999, 1'010'000,
                                       1'015'000, 1'019'999, 1'020'000, 1'500'000, 1'500'001,
                                       1'509'000, 1'509'999, 1'510'000, 2'000'000};
  PulseCapture node(10'000);
  pulsemon::FilterSettings settings;
  settings.min_interval = pulsemon::Micros{10'000};
  pulsemon::PulseFilter server(settings);
  std::vector<uint32_t> server_accepted;
  for (const uint32_t edge : edges) {
    node.on_edge(edge);
    const auto verdict = server.on_pulse(pulsemon::MonoTime{pulsemon::Micros{edge}});
    if (verdict.accepted()) {
      server_accepted.push_back(edge);
    }
  }
  std::array<uint32_t, PulseCapture::capacity> node_accepted{};
  const uint32_t n = node.take(node_accepted.data(), node_accepted.size());
  EXPECT_EQ(std::vector<uint32_t>(node_accepted.begin(), node_accepted.begin() + n),
            server_accepted);
  EXPECT_EQ(server_accepted, (std::vector<uint32_t>{1'000'000, 1'010'000, 1'020'000, 1'500'000,
                                                    1'510'000, 2'000'000}));
  EXPECT_EQ(node.too_close(), server.counts().too_close) << "the same reason, counted alike";
  EXPECT_EQ(server.counts().too_close, 8U);
}

} // namespace
} // namespace pulsenode

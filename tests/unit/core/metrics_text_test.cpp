#include "core/metrics_text.h"

#include <gtest/gtest.h>

#include <limits>

namespace pulsemon {
namespace {

TEST(MetricsText, FamiliesSamplesAndEscapedLabels) {
  MetricsText text;
  text.family("pulsemon_pulses_stored_total", "counter", "Pulses stored.\nPer meter.");
  text.sample({{"meter", "1"}, {"name", "House \"main\"\\\n"}}, 42);
  text.sample({}, 0.1);
  EXPECT_EQ(text.text(),
            "# HELP pulsemon_pulses_stored_total Pulses stored.\\nPer meter.\n"
            "# TYPE pulsemon_pulses_stored_total counter\n"
            "pulsemon_pulses_stored_total{meter=\"1\",name=\"House \\\"main\\\"\\\\\\n\"} 42\n"
            "pulsemon_pulses_stored_total 0.1\n");
}

TEST(MetricsText, AHistogramIsCumulativeWithInfinitySumAndCount) {
  HistogramCounts latency({0.25, 1, 4}); // values that add up exactly in binary
  for (const double seconds : {0.125, 0.25, 0.5, 8.0, 16.0}) {
    latency.observe(seconds);
  }
  EXPECT_EQ(latency.count(), 5U);
  MetricsText text;
  text.family("pulsemon_commit_seconds", "histogram", "How long commits took.");
  text.histogram({{"store", "sqlite"}}, latency);
  EXPECT_EQ(text.text(), "# HELP pulsemon_commit_seconds How long commits took.\n"
                         "# TYPE pulsemon_commit_seconds histogram\n"
                         "pulsemon_commit_seconds_bucket{store=\"sqlite\",le=\"0.25\"} 2\n"
                         "pulsemon_commit_seconds_bucket{store=\"sqlite\",le=\"1\"} 3\n"
                         "pulsemon_commit_seconds_bucket{store=\"sqlite\",le=\"4\"} 3\n"
                         "pulsemon_commit_seconds_bucket{store=\"sqlite\",le=\"+Inf\"} 5\n"
                         "pulsemon_commit_seconds_sum{store=\"sqlite\"} 24.875\n"
                         "pulsemon_commit_seconds_count{store=\"sqlite\"} 5\n");
}

TEST(MetricsText, SpecialValuesAreSpelledAsPrometheusReadsThem) {
  MetricsText text;
  text.family("g", "gauge", "g");
  text.sample({}, std::numeric_limits<double>::infinity());
  text.sample({}, -std::numeric_limits<double>::infinity());
  text.sample({}, std::numeric_limits<double>::quiet_NaN());
  text.sample({}, 1e21);
  EXPECT_EQ(text.text(), "# HELP g g\n# TYPE g gauge\ng +Inf\ng -Inf\ng NaN\ng 1e+21\n");
}

} // namespace
} // namespace pulsemon

#pragma once
// Prometheus's text exposition format (version 0.0.4), written by hand:
// Debian 12 packages no Prometheus client library for C++, and the part
// pulsemon needs (families of counters, gauges and histograms with labels)
// is small. Label values are escaped as the format says; names are
// pulsemon's own constants.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pulsemon {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// Counts of observations at or below each bound (cumulative when written).
struct HistogramCounts {
  std::vector<double> bounds;        // increasing, without +Inf
  std::vector<std::uint64_t> counts; // per bucket, same size as bounds, not cumulative
  std::uint64_t above = 0;           // observations above the last bound
  double sum = 0.0;

  explicit HistogramCounts(std::vector<double> upper_bounds = {})
      : bounds(std::move(upper_bounds)), counts(bounds.size(), 0) {}
  void observe(double value);
  [[nodiscard]] std::uint64_t count() const;
};

class MetricsText {
public:
  // Starts a family: `type` is "counter", "gauge" or "histogram".
  void family(std::string_view name, std::string_view type, std::string_view help);
  // A sample of the current family (a counter's name ends in _total).
  void sample(const MetricLabels &labels, double value);
  // The current family's histogram: _bucket (cumulative, with +Inf), _sum, _count.
  void histogram(const MetricLabels &labels, const HistogramCounts &histogram);

  [[nodiscard]] const std::string &text() const { return text_; }

private:
  void line(std::string_view suffix, const MetricLabels &labels, double value);
  std::string name_;
  std::string text_;
};

// The content type Prometheus expects for this format.
inline constexpr std::string_view metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

} // namespace pulsemon

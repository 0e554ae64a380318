#include "core/metrics_text.h"

#include <array>
#include <charconv>
#include <cmath>

namespace pulsemon {

namespace {

void append_escaped(std::string &out, std::string_view value) {
  for (const char c : value) {
    switch (c) {
    case '\\':
      out += "\\\\";
      break;
    case '"':
      out += "\\\"";
      break;
    case '\n':
      out += "\\n";
      break;
    default:
      out += c;
    }
  }
}

void append_help(std::string &out, std::string_view help) {
  for (const char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

std::string format_value(double value) {
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  std::array<char, 32> buffer{};
  // The shortest text that reads back as the same double: 0.1, not 0.10000000000000001.
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return std::string(buffer.data(), result.ptr);
}

} // namespace

void HistogramCounts::observe(double value) {
  sum += value;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (value <= bounds[i]) {
      counts[i] += 1;
      return;
    }
  }
  above += 1;
}

std::uint64_t HistogramCounts::count() const {
  std::uint64_t total = above;
  for (const std::uint64_t c : counts) {
    total += c;
  }
  return total;
}

void MetricsText::family(std::string_view name, std::string_view type, std::string_view help) {
  name_ = std::string(name);
  text_ += "# HELP ";
  text_ += name;
  text_ += ' ';
  append_help(text_, help);
  text_ += "\n# TYPE ";
  text_ += name;
  text_ += ' ';
  text_ += type;
  text_ += '\n';
}

void MetricsText::line(std::string_view suffix, const MetricLabels &labels, double value) {
  text_ += name_;
  text_ += suffix;
  if (!labels.empty()) {
    text_ += '{';
    bool first = true;
    for (const auto &[key, label_value] : labels) {
      if (!first) {
        text_ += ',';
      }
      first = false;
      text_ += key;
      text_ += "=\"";
      append_escaped(text_, label_value);
      text_ += '"';
    }
    text_ += '}';
  }
  text_ += ' ';
  text_ += format_value(value);
  text_ += '\n';
}

void MetricsText::sample(const MetricLabels &labels, double value) {
  line("", labels, value);
}

void MetricsText::histogram(const MetricLabels &labels, const HistogramCounts &histogram) {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < histogram.bounds.size(); ++i) {
    cumulative += histogram.counts[i];
    MetricLabels with_le = labels;
    with_le.emplace_back("le", format_value(histogram.bounds[i]));
    line("_bucket", with_le, static_cast<double>(cumulative));
  }
  MetricLabels with_inf = labels;
  with_inf.emplace_back("le", "+Inf");
  line("_bucket", with_inf, static_cast<double>(cumulative + histogram.above));
  line("_sum", labels, histogram.sum);
  line("_count", labels, static_cast<double>(histogram.count()));
}

} // namespace pulsemon

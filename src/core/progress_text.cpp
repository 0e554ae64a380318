#include "core/progress_text.h"

#include <array>
#include <cmath>
#include <cstdio>

namespace pulsemon {

namespace {

std::string printed(const char *format, double value) {
  std::array<char, 32> text{};
  const int length = std::snprintf(text.data(), text.size(), format, value);
  return std::string(text.data(), length > 0 ? static_cast<std::size_t>(length) : 0);
}

std::string with_digits(double value, const char *suffix) {
  const char *format = value < 9.995 ? "%.2f" : value < 99.95 ? "%.1f" : "%.0f";
  return printed(format, value) + suffix;
}

std::string two_digits(long long value) {
  return (value < 10 ? "0" : "") + std::to_string(value);
}

} // namespace

std::string short_count(double count) {
  if (!(count >= 0)) {
    return "0";
  }
  if (count < 999.5) {
    return printed("%.0f", count);
  }
  if (count < 999'500) {
    return with_digits(count / 1e3, " k");
  }
  if (count < 999'500'000) {
    return with_digits(count / 1e6, " M");
  }
  return with_digits(count / 1e9, " G");
}

std::string short_duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e9) {
    return "?";
  }
  const auto whole = static_cast<long long>(std::llround(seconds));
  if (whole < 60) {
    return std::to_string(whole) + " s";
  }
  if (whole < 3600) {
    return std::to_string(whole / 60) + " min " + two_digits(whole % 60) + " s";
  }
  return std::to_string(whole / 3600) + " h " + two_digits(whole % 3600 / 60) + " min";
}

std::string progress_line(const ProgressFigures &figures) {
  const bool has_total = figures.total && *figures.total > 0;
  if (!has_total && figures.done <= 0) {
    return std::string(figures.what) + ": " + short_duration(figures.elapsed_seconds);
  }
  std::string line =
      std::string(figures.what) + ": " + short_count(static_cast<double>(figures.done));
  if (has_total) {
    const double share = static_cast<double>(figures.done) / static_cast<double>(*figures.total);
    line += " of " + short_count(static_cast<double>(*figures.total)) + " (" +
            printed("%.0f", std::floor(std::min(share, 1.0) * 100)) + " %)";
  }
  if (figures.elapsed_seconds >= 0.1 && figures.done > 0) {
    const double rate = static_cast<double>(figures.done) / figures.elapsed_seconds;
    line += ", " + short_count(rate) + "/s";
    if (has_total && *figures.total >= figures.done) {
      line += ", " + short_duration(static_cast<double>(*figures.total - figures.done) / rate) +
              " left";
      return line;
    }
  }
  line += ", " + short_duration(figures.elapsed_seconds);
  return line;
}

} // namespace pulsemon

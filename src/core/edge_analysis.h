#pragma once
// `pulsemon diagnose`: what a recording of both edges of a sensor's output
// says about the sensor, in numbers and in plain words, for people without
// an oscilloscope. Pure: edges in, a report out.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace pulsemon {

struct RecordedEdge {
  std::int64_t t_ns = 0; // any monotonic scale
  bool rising = false;
};

struct Spread {
  std::int64_t min = 0;
  std::int64_t median = 0;
  std::int64_t max = 0;
};

struct EdgeReport {
  std::size_t edges = 0;
  std::size_t pulses = 0;
  std::size_t bounces = 0;                       // extra edge pairs inside one transition
  std::int64_t longest_bounce_ns = 0;            // the longest burst of chatter
  std::optional<Spread> width_ns;                // pulse widths (two or more pulses)
  std::optional<Spread> interval_ns;             // leading edge to leading edge
  bool pulse_is_low = true;                      // the line is low while the LED is lit
  std::size_t foreign_pulses = 0;                // widths far from the typical one
  std::optional<std::int64_t> foreign_period_ns; // when those come at a steady rate
  bool steady_rate = false;                      // every interval alike: not following a load
  std::uint32_t recommended_debounce_us = 0;
  std::string recommended_edge;    // "falling" or "rising"
  std::vector<std::string> advice; // plain sentences, most important first
};

// Edges closer than this to the previous one belong to one transition.
inline constexpr std::int64_t bounce_window_ns = 1'000'000;

// Edges must be in time order.
[[nodiscard]] EdgeReport analyse_edges(std::span<const RecordedEdge> edges);

} // namespace pulsemon

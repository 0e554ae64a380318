#include "core/edge_analysis.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>

namespace pulsemon {

namespace {

struct Transition {
  std::int64_t t_ns = 0;
  bool rising = false; // the level after the transition is high
};

Spread spread_of(std::vector<std::int64_t> values) {
  std::sort(values.begin(), values.end());
  return Spread{values.front(), values[values.size() / 2], values.back()};
}

double coefficient_of_variation(const std::vector<std::int64_t> &values) {
  double mean = 0;
  for (const auto v : values) {
    mean += static_cast<double>(v);
  }
  mean /= static_cast<double>(values.size());
  double variance = 0;
  for (const auto v : values) {
    variance += (static_cast<double>(v) - mean) * (static_cast<double>(v) - mean);
  }
  variance /= static_cast<double>(values.size());
  return mean > 0 ? std::sqrt(variance) / mean : 0.0;
}

std::string milliseconds_text(std::int64_t ns) {
  const double ms = static_cast<double>(ns) / 1e6;
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), ms < 10 ? "%.1f ms" : "%.0f ms", ms);
  return text.data();
}

std::string seconds_text(std::int64_t ns) {
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%.1f s", static_cast<double>(ns) / 1e9);
  return text.data();
}

// Collapses bursts of chatter into single transitions: the level after a
// burst is the level of its last edge.
std::vector<Transition> collapse_bounces(std::span<const RecordedEdge> edges, EdgeReport &report) {
  std::vector<Transition> transitions;
  std::size_t i = 0;
  while (i < edges.size()) {
    std::size_t j = i;
    while (j + 1 < edges.size() && edges[j + 1].t_ns - edges[j].t_ns < bounce_window_ns) {
      ++j;
    }
    const std::size_t extra = j - i;
    if (extra > 0) {
      report.bounces += (extra + 1) / 2;
      report.longest_bounce_ns = std::max(report.longest_bounce_ns, edges[j].t_ns - edges[i].t_ns);
    }
    // An even number of extra edges leaves the level where the first went.
    const bool level_after = edges[j].rising;
    if (extra % 2 == 1) {
      // The burst went up and down again (or down and up): a glitch, not a
      // transition; nothing changes.
    } else if (transitions.empty() || transitions.back().rising != level_after) {
      transitions.push_back({edges[i].t_ns, level_after});
    }
    i = j + 1;
  }
  return transitions;
}

} // namespace

EdgeReport analyse_edges(std::span<const RecordedEdge> edges) {
  EdgeReport report;
  report.edges = edges.size();
  const std::vector<Transition> transitions = collapse_bounces(edges, report);

  // Phases between transitions: which level is the short one, the pulse?
  std::vector<std::int64_t> high;
  std::vector<std::int64_t> low;
  for (std::size_t k = 1; k < transitions.size(); ++k) {
    const std::int64_t length = transitions[k].t_ns - transitions[k - 1].t_ns;
    (transitions[k - 1].rising ? high : low).push_back(length);
  }
  if (!high.empty() && !low.empty()) {
    report.pulse_is_low = spread_of(low).median < spread_of(high).median;
  }
  report.recommended_edge = report.pulse_is_low ? "falling" : "rising";

  std::vector<std::int64_t> widths;
  std::vector<std::int64_t> starts;
  for (std::size_t k = 0; k < transitions.size(); ++k) {
    const bool starts_pulse = transitions[k].rising != report.pulse_is_low;
    if (!starts_pulse) {
      continue;
    }
    starts.push_back(transitions[k].t_ns);
    if (k + 1 < transitions.size()) {
      widths.push_back(transitions[k + 1].t_ns - transitions[k].t_ns);
    }
  }
  report.pulses = starts.size();
  std::vector<std::int64_t> intervals;
  for (std::size_t k = 1; k < starts.size(); ++k) {
    intervals.push_back(starts[k] - starts[k - 1]);
  }
  if (!widths.empty()) {
    report.width_ns = spread_of(widths);
  }
  if (!intervals.empty()) {
    report.interval_ns = spread_of(intervals);
  }

  // Pulses whose width is far from the typical one come from another light.
  if (report.width_ns && widths.size() >= 3) {
    const std::int64_t typical = report.width_ns->median;
    std::vector<std::int64_t> foreign_starts;
    for (std::size_t k = 0; k < widths.size(); ++k) {
      if (widths[k] * 3 < typical || widths[k] > typical * 3) {
        foreign_starts.push_back(starts[k]);
      }
    }
    report.foreign_pulses = foreign_starts.size();
    if (foreign_starts.size() >= 4) {
      std::vector<std::int64_t> gaps;
      for (std::size_t k = 1; k < foreign_starts.size(); ++k) {
        gaps.push_back(foreign_starts[k] - foreign_starts[k - 1]);
      }
      // Steady when most gaps (a blink hidden by a real pulse aside) are
      // within 5 % of the typical one.
      const std::int64_t typical_gap = spread_of(gaps).median;
      const auto steady = std::count_if(gaps.begin(), gaps.end(), [&](std::int64_t gap) {
        return std::abs(gap - typical_gap) * 20 <= typical_gap;
      });
      if (steady * 5 >= static_cast<std::int64_t>(gaps.size()) * 4) {
        report.foreign_period_ns = typical_gap;
      }
    }
  }
  if (intervals.size() >= 10 && coefficient_of_variation(intervals) < 0.01) {
    report.steady_rate = true;
  }

  // Debounce: twice the longest chatter, in whole 100 µs, but well inside
  // the shortest real pulse.
  if (report.bounces > 0) {
    std::int64_t debounce_us = (report.longest_bounce_ns * 2 / 1000 + 99) / 100 * 100;
    debounce_us = std::max<std::int64_t>(debounce_us, 500);
    if (report.width_ns) {
      debounce_us = std::min(debounce_us, report.width_ns->min / 1000 / 2);
    }
    report.recommended_debounce_us =
        static_cast<std::uint32_t>(std::max<std::int64_t>(debounce_us, 0));
  }

  // Plain words, most important first.
  auto &advice = report.advice;
  if (report.pulses == 0) {
    advice.emplace_back(
        edges.empty()
            ? "No edges at all: the line never changed. Check the wiring (signal, 3.3 V, ground) "
              "and turn the sensitivity potentiometer until the module's own LED blinks with the "
              "meter's LED."
            : "Edges, but no pulses: the line changes too rarely to see one whole pulse. Record "
              "for longer, or switch on a large load so the meter blinks faster.");
    return report;
  }
  if (report.interval_ns && report.interval_ns->median < 25'000'000) {
    advice.emplace_back("The pulses come every " + milliseconds_text(report.interval_ns->median) +
                        ": that is the flicker of a mains-powered light (100 Hz), not a meter. "
                        "Shield the sensor from room light (black tape around it) and turn the "
                        "potentiometer down until the flicker is gone.");
  }
  if (report.bounces > 0) {
    advice.emplace_back(
        std::to_string(report.bounces) +
        " bounces: the signal chatters when it switches (bursts up to " +
        milliseconds_text(report.longest_bounce_ns) +
        "). With an LDR or phototransistor and a comparator this means the threshold sits at the "
        "edge of the LED's brightness: turn the potentiometer a little away from the point where "
        "the module's LED starts to flicker. With a reed contact it is normal. Either way set "
        "debounce_period_us = " +
        std::to_string(report.recommended_debounce_us) + ".");
  }
  if (report.foreign_pulses > 0) {
    std::string sentence = std::to_string(report.foreign_pulses) +
                           " pulses have a width far from the typical " +
                           milliseconds_text(report.width_ns->median);
    sentence += report.foreign_period_ns
                    ? " and come every " + seconds_text(*report.foreign_period_ns) +
                          ", whatever the load: another light reaches the sensor (a neighbouring "
                          "LED on the meter, or a standby light). Cover it, or move the sensor "
                          "so only the energy LED is in view."
                    : ": something else lights the sensor now and then. Shield it from room "
                      "light and neighbouring LEDs.";
    advice.push_back(sentence);
  }
  if (report.steady_rate) {
    advice.emplace_back("Every interval is the same (" + seconds_text(report.interval_ns->median) +
                        "): either the load was perfectly constant, or the sensor sees a light "
                        "that blinks at a fixed rate (a standby or communication LED), not the "
                        "energy LED. Switch a kettle on; the meter's pulses must come faster.");
  }
  advice.emplace_back(std::string("The pulse is the ") + (report.pulse_is_low ? "low" : "high") +
                      " phase of the line: use edge = \"" + report.recommended_edge +
                      "\", or edge = \"both\"" +
                      (report.pulse_is_low ? " with active_low = true" : "") +
                      " to let the filter judge pulse widths too.");
  if (report.width_ns) {
    advice.emplace_back("Pulses are " + milliseconds_text(report.width_ns->min) + " to " +
                        milliseconds_text(report.width_ns->max) + " wide (typical " +
                        milliseconds_text(report.width_ns->median) +
                        "); meter LEDs give 2 to 100 ms, so min_width_ms up to half the shortest "
                        "is safe.");
  }
  if (report.bounces == 0 && report.foreign_pulses == 0) {
    advice.emplace_back("The signal is clean: no debounce is needed.");
  }
  return report;
}

} // namespace pulsemon

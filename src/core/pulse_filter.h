#pragma once
// Debounce and glitch rejection for one meter. The rules, as a truth table,
// are in pulse_filter.md beside this file. Pure: times come in as arguments.

#include "core/meter.h"
#include "core/time.h"

#include <cstdint>
#include <optional>

namespace pulsemon {

// Which side of a pulse an edge is, after any active-low inversion: the
// leading edge is where the LED lights up or the contact closes.
enum class EdgeKind { leading, trailing };

enum class RejectReason { too_close, too_short, unpaired };

struct FilterCounts {
  std::uint64_t accepted = 0;
  std::uint64_t too_close = 0; // bounce: closer than min_interval to the last pulse
  std::uint64_t too_short = 0; // glitch: narrower than min_width
  std::uint64_t unpaired = 0;  // a trailing edge with no leading edge before it

  [[nodiscard]] std::uint64_t rejected() const { return too_close + too_short + unpaired; }
};

struct FilterVerdict {
  MonoTime pulse_time;                  // the leading edge of the pulse judged
  std::optional<RejectReason> rejected; // empty when the pulse is accepted
  [[nodiscard]] bool accepted() const { return !rejected.has_value(); }
};

// Not thread-safe: one instance per meter, fed by that meter's source.
class PulseFilter {
public:
  explicit PulseFilter(FilterSettings settings) : settings_(settings) {}

  // New settings from the next edge on; what the filter has seen stays.
  void set_settings(FilterSettings settings) { settings_ = settings; }

  // For sources that see only the leading edge (one event per pulse): the
  // width is unknown, so only the interval rule applies.
  FilterVerdict on_pulse(MonoTime leading_edge);

  // For sources that see both edges. A pulse is judged when its trailing
  // edge arrives; returns the verdicts reached by this edge (at most two:
  // a leading edge after a leading edge first judges the earlier one, whose
  // trailing edge was missed, on its interval alone).
  struct EdgeVerdicts {
    std::optional<FilterVerdict> first;
    std::optional<FilterVerdict> second;
  };
  EdgeVerdicts on_edge(EdgeKind kind, MonoTime time);

  [[nodiscard]] const FilterCounts &counts() const { return counts_; }

private:
  FilterVerdict judge(MonoTime leading, std::optional<Micros> width);

  FilterSettings settings_;
  FilterCounts counts_;
  std::optional<MonoTime> last_accepted_;
  std::optional<MonoTime> pending_leading_;
};

} // namespace pulsemon

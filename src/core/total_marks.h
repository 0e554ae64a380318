#pragma once
// A total that any client has seen never goes down (DESIGN.md, "What users
// see is true"). Home Assistant books a drop of a total-increasing sensor
// as a new meter or as negative use, and Prometheus' increase() takes a
// lower counter for a reset and counts the whole value again. A store can
// be behind what was published: a restored backup, a power cut under
// durability = "normal". So each meter's highest published figures are
// kept as marks, and while the store is behind a mark the figure shown
// holds at the mark and the difference is reported as a hole; once the
// store passes the mark again, its own figures go out.
//
// Pure: times come in as arguments. Not thread-safe.

#include "core/time.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pulsemon {

// What is held per meter: its register total (in the meter's unit), and
// the counts /metrics gives as counters.
enum class MarkedFigure { total, pulses, resent, too_close, too_short, unpaired };
inline constexpr MarkedFigure marked_figures[] = {MarkedFigure::total,     MarkedFigure::pulses,
                                                  MarkedFigure::resent,    MarkedFigure::too_close,
                                                  MarkedFigure::too_short, MarkedFigure::unpaired};
[[nodiscard]] std::string_view to_string(MarkedFigure figure);
[[nodiscard]] std::optional<MarkedFigure> marked_figure_named(std::string_view name);

// The store behind a published total.
struct TotalHole {
  std::int64_t meter_id = 0;
  double published = 0.0; // the mark, still shown
  double stored = 0.0;    // what the store says
  UtcTime since;          // when the store was first seen behind
};

class TotalMarks {
public:
  // A figure some client saw (a stored mark, a broker's retained total):
  // none shown later will be lower. True when the mark rose.
  bool raise(std::int64_t meter_id, MarkedFigure figure, double seen);

  // The figure to show when the store says `stored` at `now`: the store's
  // when it is at or above the mark, else the mark (and a hole of the total
  // is noted unless it is under `resolution`: half a pulse is the rounding
  // of a published figure, not a hole). Does not raise the mark: the
  // caller raises it once the shown figure is published (raise).
  [[nodiscard]] double hold(std::int64_t meter_id, MarkedFigure figure, double stored, UtcTime now,
                            double resolution = 0.0);

  // Meters whose store is behind their published total, in id order.
  [[nodiscard]] std::vector<TotalHole> holes() const;

  // Forgets the meters not in `kept` (a deleted meter's id may come back).
  void keep_only(const std::vector<std::int64_t> &kept);

  using Key = std::pair<std::int64_t, MarkedFigure>; // meter, figure
  [[nodiscard]] const std::map<Key, double> &marks() const { return marks_; }

private:
  std::map<Key, double> marks_;
  std::map<std::int64_t, TotalHole> holes_;
};

} // namespace pulsemon

#include "core/total_marks.h"

#include <algorithm>
#include <cmath>

namespace pulsemon {

std::string_view to_string(MarkedFigure figure) {
  switch (figure) {
  case MarkedFigure::total:
    return "total";
  case MarkedFigure::pulses:
    return "pulses";
  case MarkedFigure::resent:
    return "resent";
  case MarkedFigure::too_close:
    return "too_close";
  case MarkedFigure::too_short:
    return "too_short";
  case MarkedFigure::unpaired:
    return "unpaired";
  }
  return "total";
}

std::optional<MarkedFigure> marked_figure_named(std::string_view name) {
  for (const MarkedFigure figure : marked_figures) {
    if (to_string(figure) == name) {
      return figure;
    }
  }
  return std::nullopt;
}

bool TotalMarks::raise(std::int64_t meter_id, MarkedFigure figure, double seen) {
  if (!std::isfinite(seen) || seen < 0) {
    return false;
  }
  const auto [mark, added] = marks_.try_emplace({meter_id, figure}, seen);
  if (added) {
    return true;
  }
  if (mark->second >= seen) {
    return false;
  }
  mark->second = seen;
  return true;
}

double TotalMarks::hold(std::int64_t meter_id, MarkedFigure figure, double stored, UtcTime now,
                        double resolution) {
  const auto found = marks_.find({meter_id, figure});
  const std::optional<double> mark =
      found == marks_.end() ? std::nullopt : std::optional(found->second);
  const bool behind = mark && stored < *mark;
  if (figure == MarkedFigure::total) {
    if (behind && *mark - stored >= resolution) {
      auto [hole, fresh] = holes_.try_emplace(meter_id, TotalHole{meter_id, *mark, stored, now});
      hole->second.published = *mark;
      hole->second.stored = stored;
    } else {
      holes_.erase(meter_id);
    }
  }
  return behind ? *mark : stored;
}

std::vector<TotalHole> TotalMarks::holes() const {
  std::vector<TotalHole> all;
  for (const auto &[id, hole] : holes_) {
    all.push_back(hole);
  }
  return all;
}

void TotalMarks::keep_only(const std::vector<std::int64_t> &kept) {
  const auto gone = [&kept](std::int64_t id) {
    return std::find(kept.begin(), kept.end(), id) == kept.end();
  };
  std::erase_if(marks_, [&](const auto &entry) { return gone(entry.first.first); });
  std::erase_if(holes_, [&](const auto &entry) { return gone(entry.first); });
}

} // namespace pulsemon

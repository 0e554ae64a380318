#pragma once
// What a share link opens (core/share_link.h): its meters' energy per day,
// week or month, whole periods inside its window only, read from the store
// through the same series the API serves (domain/series.h).

#include "core/calendar.h"
#include "core/share_link.h"
#include "store/store.h"

#include <optional>
#include <string>
#include <vector>

namespace pulsemon {

struct SharedPeriod {
  std::string first_day; // local dates, YYYY-MM-DD, both days included
  std::string last_day;
  double value = 0.0;        // in the meter's unit
  std::optional<double> kwh; // gas with calorific values
};

struct SharedMeter {
  MeterKind kind = MeterKind::electricity;
  std::string unit;
  std::optional<std::string> name; // only when the owner chose to show names
  std::optional<std::string> location;
  std::vector<SharedPeriod> periods; // from the first period the meter was counting
};

struct ShareFigures {
  std::string first_day; // the window, as local dates
  std::string last_day;
  // In the link's order; a meter deleted or moved to another site since
  // the link was made is left out.
  std::vector<SharedMeter> meters;
};

// The figures `link` opens at `now` on `calendar` (the household's zone,
// months from the 1st).
[[nodiscard]] ShareFigures share_figures(Store &store, const Link &link, const Calendar &calendar,
                                         UtcTime now);

} // namespace pulsemon

#include "core/household.h"

#include "core/quoted_input.h"

#include <algorithm>
#include <cmath>

namespace pulsemon {

std::optional<Error> validate_household(const HouseholdProfile &profile) {
  if (profile.people && (*profile.people < 1 || *profile.people > max_people)) {
    return invalid_argument("people: a whole number from 1 to " + std::to_string(max_people));
  }
  if (profile.floor_area_m2 &&
      (!std::isfinite(*profile.floor_area_m2) || *profile.floor_area_m2 < min_floor_area_m2 ||
       *profile.floor_area_m2 > max_floor_area_m2)) {
    return invalid_argument("floor_area_m2: square metres from 5 to 10000");
  }
  if (!profile.heating.empty() && std::find(heating_kinds.begin(), heating_kinds.end(),
                                            profile.heating) == heating_kinds.end()) {
    return invalid_argument("heating: " + quoted_input(profile.heating) +
                            " is not one of gas, heat_pump, district_heat, electric, oil, wood, "
                            "other");
  }
  return std::nullopt;
}

} // namespace pulsemon

#pragma once
// What a household says about itself, for fair comparisons (per person,
// per m², by how the home is heated): the sharing issue's normalisers.
// Every field may be unknown.

#include "core/result.h"

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace pulsemon {

struct HouseholdProfile {
  std::optional<int> people;
  std::optional<double> floor_area_m2;
  std::string heating; // one of heating_kinds, or empty: not said
  friend bool operator==(const HouseholdProfile &, const HouseholdProfile &) = default;
};

inline constexpr int max_people = 50;
inline constexpr double min_floor_area_m2 = 5.0;
inline constexpr double max_floor_area_m2 = 10'000.0;
inline constexpr std::array<std::string_view, 7> heating_kinds{
    "gas", "heat_pump", "district_heat", "electric", "oil", "wood", "other"};

// Checks every field; the error names the bad one.
[[nodiscard]] std::optional<Error> validate_household(const HouseholdProfile &profile);

} // namespace pulsemon

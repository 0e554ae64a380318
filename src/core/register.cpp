#include "core/register.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace pulsemon {

namespace {

// Readings are typed by hand from a display with one or three decimals;
// allow that rounding when comparing them with counted pulses.
double tolerance(double value) {
  return 1e-6 + std::abs(value) * 1e-9;
}

std::string describe(double value) {
  std::string text = std::to_string(value);
  text.erase(text.find_last_not_of('0') + 1);
  if (!text.empty() && text.back() == '.') {
    text.pop_back();
  }
  return text;
}

} // namespace

RegisterState register_at(std::span<const RegisterRecord> records, UtcTime t,
                          double pulses_per_unit, const PulseCounter &count) {
  RegisterState state;
  std::optional<UtcTime> previous;
  for (const RegisterRecord &record : records) {
    if (record.at > t) {
      break;
    }
    const double counted = static_cast<double>(count(previous, record.at)) / pulses_per_unit;
    const double register_before = state.register_value + counted;
    const double total_before = state.total + counted;
    if (record.replacement) {
      state.total = total_before;
    } else {
      state.total = total_before + std::max(0.0, record.value - register_before);
    }
    state.register_value = record.value;
    previous = record.at;
  }
  const double counted = static_cast<double>(count(previous, t)) / pulses_per_unit;
  state.register_value += counted;
  state.total += counted;
  return state;
}

std::optional<Error> check_new_record(std::span<const RegisterRecord> records,
                                      const RegisterRecord &candidate, double pulses_per_unit,
                                      const PulseCounter &count) {
  if (!std::isfinite(candidate.value) || candidate.value < 0) {
    return invalid_argument("value: must be a number of at least 0");
  }
  for (const RegisterRecord &record : records) {
    if (record.at == candidate.at) {
      return Error{ErrorCode::already_exists, "at: the meter already has a record at that time"};
    }
  }
  if (candidate.replacement) {
    return std::nullopt;
  }
  const double before = register_at(records, candidate.at, pulses_per_unit, count).register_value;
  if (candidate.value + tolerance(before) < before) {
    return invalid_argument("value: " + describe(candidate.value) + " is below " +
                            describe(before) +
                            " that the meter had already counted by then; if the meter was "
                            "replaced, record a replacement instead");
  }
  const auto later = std::find_if(records.begin(), records.end(),
                                  [&](const RegisterRecord &r) { return r.at > candidate.at; });
  if (later != records.end() && !later->replacement) {
    const double reached =
        candidate.value + static_cast<double>(count(candidate.at, later->at)) / pulses_per_unit;
    if (reached > later->value + tolerance(reached)) {
      return invalid_argument("value: " + describe(candidate.value) +
                              " plus the pulses counted since would exceed the later reading " +
                              describe(later->value));
    }
  }
  return std::nullopt;
}

} // namespace pulsemon

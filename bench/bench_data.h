#pragma once
// Data the in-process benchmarks share: a simulated household's pulses, and
// settings read from the environment (bench/run sets them).

#include "core/time.h"
#include "sources/simulator/household.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace pulsemon::bench {

// The store's own lines (a writer saying it seals a backlog) would go to
// standard output, which carries the figures: warnings and worse only.
inline const bool bench_logs_quiet = [] {
  spdlog::set_level(spdlog::level::warn);
  return true;
}();

inline const UtcTime simulation_start =
    utc_from_epoch_us(1'451'602'800'000'000); // 2016-01-01 local

inline long env_number(const char *name, long fallback) {
  const char *text = std::getenv(name); // NOLINT(concurrency-mt-unsafe): read before any thread
  return text != nullptr && *text != '\0' ? std::strtol(text, nullptr, 10) : fallback;
}

inline std::string env_text(const char *name) {
  const char *text = std::getenv(name); // NOLINT(concurrency-mt-unsafe): read before any thread
  return text != nullptr ? text : "";
}

// One name=value line of a figure (bench/run passes them on), written out
// at once so that a run cut short keeps what it measured.
inline void figure(const char *name, double value, const char *format = "%.0f") {
  std::printf("%s=", name);
  std::printf(format, value); // NOLINT(cppcoreguidelines-pro-type-vararg): a format of ours
  std::printf("\n");
  std::fflush(stdout);
}

// The household's rate steps and pulse times for `days` days at
// `pulses_per_unit`, the same for the same seed.
struct Simulated {
  std::vector<simulator::RateStep> steps;
  std::vector<UtcTime> pulses;
  UtcTime end;
};

inline Simulated simulate_household(int days, double pulses_per_unit, std::uint64_t seed = 1) {
  simulator::Household household(simulator::Profile::electricity, seed, std::chrono::minutes{60});
  simulator::PulseTrain train(pulses_per_unit);
  Simulated result;
  for (int day = 0; day < days; ++day) {
    const UtcTime day_start = simulation_start + std::chrono::hours{24 * day};
    const UtcTime day_end = day_start + std::chrono::hours{24};
    const auto steps = household.day(day_start);
    for (std::size_t i = 0; i < steps.size(); ++i) {
      train.run(steps[i].from, i + 1 < steps.size() ? steps[i + 1].from : day_end, steps[i].rate,
                result.pulses);
    }
    result.steps.insert(result.steps.end(), steps.begin(), steps.end());
    result.end = day_end;
  }
  return result;
}

} // namespace pulsemon::bench

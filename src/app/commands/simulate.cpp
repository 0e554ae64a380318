// pulsemon simulate: a synthetic household's pulses for a number of days,
// through the meter's filter and into the store as fast as possible.
#include "app/cli_context.h"
#include "app/progress.h"
#include "core/time_text.h"
#include "sources/simulator/household.h"
#include "store/recorder.h"

#include <date/tz.h>

#include <iomanip>
#include <iostream>

namespace pulsemon {

namespace {

struct SimulateOptions {
  std::int64_t meter = 0;
  int days = 0;
  std::uint64_t seed = 1;
  std::string start;
  std::string profile;
  bool bounce = false;
  bool glitches = false;
};

void run_simulate(CliContext &context, const SimulateOptions &options) {
  if (options.days <= 0 || options.days > 36'500) {
    throw Failure(invalid_argument("--days: from 1 to 36500 (a hundred years)"));
  }
  const Config &config = context.config();
  const date::time_zone &zone = *date::locate_zone(config.zone);
  auto store = context.open_store();
  const auto meter = store->find_meter(options.meter);
  if (!meter) {
    throw Failure(ErrorCode::invalid_argument,
                  "--meter: meter " + std::to_string(options.meter) +
                      " does not exist; add it with 'pulsemon meter add' first");
  }
  // Each kind of meter its own day; --profile chooses another.
  simulator::Profile profile = meter->kind == MeterKind::gas     ? simulator::Profile::gas
                               : meter->kind == MeterKind::water ? simulator::Profile::water
                                                                 : simulator::Profile::electricity;
  if (options.profile == "gas") {
    profile = simulator::Profile::gas;
  } else if (options.profile == "water") {
    profile = simulator::Profile::water;
  } else if (options.profile == "household") {
    profile = simulator::Profile::electricity;
  } else if (!options.profile.empty()) {
    throw Failure(
        invalid_argument("--profile: '" + options.profile + "' is not household, gas or water"));
  }

  // Whole local days, ending today unless a start is given.
  UtcTime start;
  if (options.start.empty()) {
    const auto today = std::chrono::floor<date::days>(zone.to_local(wall_now()));
    start = value_or_throw(parse_time(date::format("%F", today - date::days{options.days}), zone));
  } else {
    start = value_or_throw(parse_time(options.start, zone));
  }
  const auto offset = std::chrono::duration_cast<std::chrono::minutes>(
      zone.get_info(std::chrono::floor<std::chrono::seconds>(start)).offset);

  simulator::Household household(profile, options.seed, offset);
  simulator::PulseTrain train(meter->pulses_per_unit);
  simulator::Random noise_random(options.seed ^ 0x5eedULL);
  PulseFilter filter(meter->filter);

  const auto began = std::chrono::steady_clock::now();
  FilterCounts reported;
  Recorder recorder(*store, nullptr);
  BulkLoad load(recorder);
  load.set_meter(meter->id);
  load.before_each_commit([&](PulseBatch &batch) {
    const FilterCounts counts = filter.counts();
    batch.rejected.too_close = counts.too_close - reported.too_close;
    batch.rejected.too_short = counts.too_short - reported.too_short;
    batch.rejected.unpaired = counts.unpaired - reported.unpaired;
    reported = counts;
  });

  std::vector<UtcTime> pulses;
  std::vector<simulator::SimulatedEdge> edges;
  // Nothing after now: a pulse from the future would stand in the way of
  // the real (or live simulated) ones when that time comes.
  const UtcTime until = wall_now();
  Progress progress("simulating days", options.days);
  for (int day = 0; day < options.days; ++day) {
    progress.add();
    const UtcTime day_start = start + date::days{day};
    const UtcTime day_end = std::min(day_start + date::days{1}, until);
    if (day_start >= until) {
      break;
    }
    const auto steps = household.day(day_start);
    pulses.clear();
    edges.clear();
    for (std::size_t i = 0; i < steps.size() && steps[i].from < day_end; ++i) {
      train.run(steps[i].from,
                i + 1 < steps.size() ? std::min(steps[i + 1].from, day_end) : day_end,
                steps[i].rate, pulses);
    }
    simulator::pulses_to_edges(pulses, {options.bounce, options.glitches}, noise_random, edges);
    // The simulation's clock is its own: its monotonic time is its UTC time.
    for (const auto &edge : edges) {
      const auto verdicts = filter.on_edge(edge.leading ? EdgeKind::leading : EdgeKind::trailing,
                                           mono_from_us(to_epoch_us(edge.time)));
      for (const auto &verdict : {verdicts.first, verdicts.second}) {
        if (verdict && verdict->accepted()) {
          load.add(meter->id, utc_from_epoch_us(verdict->pulse_time.time_since_epoch().count()));
        }
      }
    }
  }
  load.finish();
  progress.finish();
  const std::int64_t stored = load.stored();
  const std::int64_t duplicates = load.duplicates();

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  const FilterCounts counts = filter.counts();
  std::cout << std::fixed << std::setprecision(3) << "Simulated " << options.days
            << " days for meter " << meter->id << " from " << format_utc(start) << ": " << stored
            << " pulses stored (" << duplicates << " already there), "
            << energy_of(stored, meter->pulses_per_unit) << ' ' << meter->unit
            << "; filter rejected " << counts.rejected() << " (too_close " << counts.too_close
            << ", too_short " << counts.too_short << ", unpaired " << counts.unpaired << "). "
            << std::setprecision(1) << seconds << " s, " << std::setprecision(0)
            << (seconds > 0 ? static_cast<double>(stored) / seconds : 0.0) << " pulses/s.\n";
  if (start + date::days{options.days} > until) {
    std::cout << "The days reach past now: simulated up to " << format_utc(until)
              << "; the future has no pulses.\n";
  }
}

} // namespace

void add_simulate_command(CLI::App &app, CliContext &context) {
  auto options = std::make_shared<SimulateOptions>();
  CLI::App *simulate = app.add_subcommand(
      "simulate", "Store a synthetic household's pulses for a number of days, as fast as possible");
  simulate->add_option("--meter", options->meter, "meter id to fill")->required();
  simulate->add_option("--days", options->days, "how many days")->required();
  simulate->add_option("--seed", options->seed, "the same seed gives the same household")
      ->capture_default_str();
  simulate->add_option("--start", options->start, "first day (default: DAYS days before today)");
  simulate->add_option("--profile", options->profile,
                       "household | gas | water (default: from the meter's kind)");
  simulate->add_flag("--bounce", options->bounce, "add contact bounce for the filter to remove");
  simulate->add_flag("--glitches", options->glitches,
                     "add short noise spikes for the filter to remove");
  simulate->callback([&context, options] { run_simulate(context, *options); });
}

} // namespace pulsemon

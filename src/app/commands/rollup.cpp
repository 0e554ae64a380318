// pulsemon rollup --rebuild: recompute every derived count from raw pulses.
#include "app/cli_context.h"
#include "app/progress.h"

#include <iomanip>
#include <iostream>

namespace pulsemon {

void add_rollup_command(CLI::App &app, CliContext &context) {
  auto rebuild = std::make_shared<bool>(false);
  CLI::App *rollup = app.add_subcommand(
      "rollup", "Maintain rollups (they are kept up to date as pulses arrive; this is for repair)");
  rollup->add_flag("--rebuild", *rebuild, "recompute all rollups from the raw pulses")->required();
  rollup->callback([&context, rebuild] {
    auto store = context.open_store();
    const auto began = std::chrono::steady_clock::now();
    Progress progress("rebuilding rollups");
    store->rebuild_rollups();
    progress.finish();
    std::int64_t pulses = 0;
    for (const Meter &meter : store->meters()) {
      pulses += store->stats(meter.id).pulses;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    std::cout << "Rebuilt rollups from " << pulses << " pulses in " << std::fixed
              << std::setprecision(1) << seconds << " s\n";
  });
}

} // namespace pulsemon

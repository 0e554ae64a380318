// pulsemon compact: seal every waiting pulse into compressed blocks now
// (the daemon does it in the background), check an upgraded store's counts
// against what it held before, and give the freed space back.
#include "app/cli_context.h"
#include "app/progress.h"
#include "core/result.h"

#include <chrono>
#include <iomanip>
#include <iostream>

namespace pulsemon {

void add_compact_command(CLI::App &app, CliContext &context) {
  auto keep_file = std::make_shared<bool>(false);
  CLI::App *compact = app.add_subcommand(
      "compact",
      "Seal stored pulses into compressed blocks now and check them (the daemon seals in the "
      "background; after an upgrade this does it at once). Safe while the daemon runs, and "
      "safe to stop: it goes on where it stopped");
  compact->add_flag("--keep-file-size", *keep_file,
                    "leave the database file its size (SQLite otherwise writes it anew without "
                    "the freed pages, which needs that much free disk for a while)");
  compact->callback([&context, keep_file] {
    auto store = context.open_store();
    const auto began = std::chrono::steady_clock::now();
    std::size_t blocks = 0;
    {
      Progress progress("sealing pulses into blocks");
      while (const std::size_t sealed = store->seal_pulses(64)) {
        blocks += sealed;
        progress.add(static_cast<std::int64_t>(sealed));
      }
      progress.finish();
    }
    std::cout << "Sealed " << blocks << " blocks of pulses." << std::endl;
    const SealingCheck check = store->check_sealed_pulses();
    if (check.checked && !check.agrees()) {
      std::cerr << "The pulses read back do not agree with the counts kept from before the "
                   "upgrade (these are kept, and the check runs again next time):\n";
      for (const std::string &line : check.differences) {
        std::cerr << "  " << line << "\n";
      }
      std::cerr << "A day with fewer pulses lost some: stop the daemon and restore a backup from "
                   "before the upgrade if there is one (docs/backup.md). Where only a meter's "
                   "total differs "
                   "from its statistics, 'pulsemon rollup --rebuild' counts them again from the "
                   "pulses.\n";
      throw Failure(ErrorCode::internal, "the sealed pulses did not check out");
    }
    if (check.checked) {
      std::cout << "Checked " << check.days
                << " meter-days against the counts from before the upgrade: none lost, and every "
                   "meter's total is its statistics'";
      if (check.gained > 0) {
        std::cout << " (" << check.gained << " days gained pulses stored since)";
      }
      std::cout << "." << std::endl; // said before the long rewrite of the file
    }
    if (!*keep_file) {
      Progress progress("giving the freed space back");
      store->give_back_freed_space();
      progress.finish();
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    std::cout << "Done in " << std::fixed << std::setprecision(1) << seconds << " s.\n";
  });
}

} // namespace pulsemon

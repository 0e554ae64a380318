// pulsemon migrate --to URL: copies the configured store into another
// (store/copy_store.h), typically a household's SQLite file into the
// PostgreSQL database several instances will share. Run it again after an
// interruption: it goes on where it stopped.
#include "app/cli_context.h"
#include "app/progress.h"
#include "app/serve_lock.h"
#include "core/store_url.h"
#include "store/copy_store.h"
#include "store/open_store.h"

#include <filesystem>
#include <iostream>

namespace pulsemon {

namespace {

void run_migrate(CliContext &context, const std::string &to_text) {
  const Config &config = context.config();
  StoreUrl to = value_or_throw(parse_store_url(to_text, "--to"));
  if (to.relative_path()) {
    to.target = std::filesystem::absolute(to.target).string();
  }
  if (describe(to) == describe(config.store)) {
    throw Failure(ErrorCode::invalid_argument,
                  "--to: " + describe(to) + " is the configured store itself; name another");
  }
  // Pulses a running daemon stored after their meter was copied would be
  // left behind: the copy runs with the daemon stopped.
  const bool sqlite = config.store.kind == StoreKind::sqlite;
  const std::optional<ServeLock> stopped =
      sqlite ? ServeLock::take(config.database, ServeLock::Mode::replacing) : std::nullopt;
  if (sqlite) {
    if (!stopped) {
      throw Failure(ErrorCode::unavailable,
                    "pulsemon serve is running on " + config.database.string() +
                        "; stop it first (systemctl stop pulsemon), so that no pulse it stores "
                        "during the copy is left behind");
    }
  }
  auto from = context.open_store();
  auto target = open_store(to, StoreOptions{config.durability, true});
  std::int64_t total = 0;
  for (const Meter &meter : from->meters()) {
    total += from->stats(meter.id).pulses;
  }
  Progress progress("copying pulses", total);
  std::int64_t before_meter = 0;
  std::int64_t meter_seen = 0;
  std::int64_t last_in_meter = 0;
  const CopyCounts counts =
      copy_store(*from, *target, [&](std::int64_t meter_id, std::int64_t copied) {
        if (meter_id != meter_seen) {
          before_meter += last_in_meter;
          meter_seen = meter_id;
        }
        last_in_meter = copied;
        progress.set(before_meter + copied, total);
      });
  progress.finish();
  std::cout << "Copied to " << describe(to) << ": " << counts.meters << " meters, " << counts.pulses
            << " pulses, " << counts.readings << " register readings, " << counts.calorific_values
            << " calorific values, " << counts.gaps << " gaps, " << counts.sites << " sites, "
            << counts.users << " users, " << counts.device_keys << " device keys, " << counts.nodes
            << " sensor nodes, " << counts.runs
            << " daemon runs (what it had already was left as it was).\n"
            << "Next: set [store] url = \"" << to_text << "\" in " << config.file.string()
            << " (and remove [store] path), then start pulsemon serve.\n";
}

} // namespace

void add_migrate_command(CLI::App &app, CliContext &context) {
  auto to = std::make_shared<std::string>();
  CLI::App *migrate = app.add_subcommand(
      "migrate", "Copy everything pulsemon keeps into another store, e.g. from SQLite to "
                 "PostgreSQL (docs/scaling.md); run it again to go on after an interruption");
  migrate
      ->add_option("--to", *to,
                   "the store to copy into: postgresql://host/database (the password from "
                   "PGPASSWORD or ~/.pgpass), or sqlite:///path/file.db")
      ->required();
  migrate->callback([&context, to] { run_migrate(context, *to); });
}

} // namespace pulsemon

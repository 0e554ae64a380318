#pragma once
// What every subcommand shares: the -c option and the config it names.

#include "app/config.h"
#include "store/store.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace pulsemon {

class CliContext {
public:
  std::string config_option; // -c FILE

  // Loads the config once (throws Failure naming the file and key).
  const Config &config();
  // Opens the configured store ([store] url or path; a SQLite file must
  // exist: 'pulsemon init' makes it). `feed_origin`: the instance whose
  // handle it is, in the change feed of a store shared by several (serve).
  std::unique_ptr<Store> open_store(std::string feed_origin = {});

private:
  std::unique_ptr<Config> config_;
};

// The wall clock, read at the edge of the program (commands), never in core.
UtcTime wall_now();

void add_init_command(CLI::App &app, CliContext &context);
void add_diagnose_command(CLI::App &app);
void add_key_command(CLI::App &app, CliContext &context);
void add_site_command(CLI::App &app, CliContext &context);
void add_meter_command(CLI::App &app, CliContext &context);
void add_simulate_command(CLI::App &app, CliContext &context);
void add_rollup_command(CLI::App &app, CliContext &context);
void add_compact_command(CLI::App &app, CliContext &context);
void add_migrate_command(CLI::App &app, CliContext &context);
void add_backup_commands(CLI::App &app, CliContext &context);
void add_serve_command(CLI::App &app, CliContext &context);
void add_user_command(CLI::App &app, CliContext &context);
void add_transfer_commands(CLI::App &app, CliContext &context);
void add_import_emon_command(CLI::App &import, CliContext &context);

} // namespace pulsemon

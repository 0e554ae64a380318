// pulsemon: one executable, one subcommand per job. This file only wires the
// subcommands together and turns every failure into a message and an exit
// code: 0 success, 2 usage or configuration error, 1 runtime failure.
#include "app/cli_context.h"
#include "core/result.h"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>

namespace {

int exit_code_for(pulsemon::ErrorCode code) {
  return code == pulsemon::ErrorCode::invalid_argument ? 2 : 1;
}

} // namespace

int main(int argc, char **argv) {
  // Logs go to stderr, so that stdout carries only a command's output
  // (`meter list --json` stays parseable).
  spdlog::set_default_logger(spdlog::stderr_color_mt("pulsemon"));
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");

  pulsemon::CliContext context;
  CLI::App app{"pulsemon: pulses from utility meters into power, energy and cost"};
  app.set_version_flag("--version", std::string(PULSEMON_VERSION));
  app.add_option("-c,--config", context.config_option,
                 "config file (default: $PULSEMON_CONFIG, else ./pulsemon.toml)");
  app.require_subcommand(1);
  app.footer("Run 'pulsemon COMMAND --help' for a command's options.\n"
             "Exit codes: 0 success, 2 usage or configuration error, 1 runtime failure.");

  pulsemon::add_init_command(app, context);
  pulsemon::add_serve_command(app, context);
  pulsemon::add_site_command(app, context);
  pulsemon::add_user_command(app, context);
  pulsemon::add_meter_command(app, context);
  pulsemon::add_simulate_command(app, context);
  pulsemon::add_rollup_command(app, context);
  pulsemon::add_compact_command(app, context);
  pulsemon::add_migrate_command(app, context);
  pulsemon::add_backup_commands(app, context);
  pulsemon::add_transfer_commands(app, context);
  pulsemon::add_key_command(app, context);
  pulsemon::add_diagnose_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &error) {
    // --help and --version are "errors" with exit code 0 in CLI11.
    const int code = app.exit(error);
    return code == 0 ? 0 : 2;
  } catch (const pulsemon::Failure &failure) {
    std::cerr << "pulsemon: " << failure.what() << '\n';
    return exit_code_for(failure.code());
  } catch (const std::exception &unexpected) {
    std::cerr << "pulsemon: unexpected failure: " << unexpected.what() << '\n';
    return 1;
  }
  return 0;
}

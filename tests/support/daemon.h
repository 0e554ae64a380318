#pragma once
// Setting up a data folder and starting `pulsemon serve` on a free loopback
// port, as the process tests need it.

#include "support/process.h"

#include <filesystem>
#include <memory>
#include <string>

namespace pulsemon::testing {

// `pulsemon init --dir DIR [--with-simulator]`; returns the admin password.
// Throws std::runtime_error when init fails.
std::string init_data_folder(const std::filesystem::path &dir, bool with_simulator);

// A data folder (init --with-simulator) whose simulator draws a steady
// 36 kW (ten pulses a second at 1000 imp/kWh) and whose writer commits
// every 100 ms: pulses are stored within moments. Returns its config file.
std::filesystem::path init_steady_data_folder(const std::filesystem::path &dir);

// Adds meter 1 ("Hall", electricity, 1000 imp/kWh) and a sensor node's
// device key for it ("hall") through the CLI; returns the key's text.
// Throws std::runtime_error when either command fails.
std::string add_meter_with_node_key(const std::filesystem::path &config);

// Replaces the first `from` in the file with `to`; throws when it is absent.
void edit_file(const std::filesystem::path &file, const std::string &from, const std::string &to);

// Points a data folder's config (as init wrote it) at the store `url`
// instead of its SQLite file.
void use_store_url(const std::filesystem::path &config, const std::string &url);

struct RunningDaemon {
  std::unique_ptr<Background> process;
  unsigned short port = 0;
};

// Starts `pulsemon -c CONFIG serve --listen 127.0.0.1:PORT` (0: any free
// port) and waits until its API listens; throws with the daemon's output
// when it does not.
RunningDaemon start_daemon(const std::filesystem::path &config, unsigned short port = 0);

} // namespace pulsemon::testing

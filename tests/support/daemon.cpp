#include "support/daemon.h"

#include <fstream>
#include <regex>
#include <stdexcept>
#include <vector>

namespace pulsemon::testing {

std::string add_meter_with_node_key(const std::filesystem::path &config) {
  const auto cli = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"-c", config.string()});
    return run(pulsemon_binary(), args);
  };
  const Completed meter = cli(
      {"meter", "add", "--id", "1", "--name", "Hall", "--kind", "electricity", "--ppu", "1000"});
  if (meter.exit_code != 0) {
    throw std::runtime_error("meter add failed: " + meter.err);
  }
  const Completed added = cli({"key", "add", "--meter", "1", "--name", "hall"});
  std::smatch match;
  if (!std::regex_search(added.out, match, std::regex("pmk_\\d+_[0-9a-f]{32}"))) {
    throw std::runtime_error("key add printed no key: " + added.out + added.err);
  }
  return match.str();
}

std::string init_data_folder(const std::filesystem::path &dir, bool with_simulator) {
  std::vector<std::string> args{"init", "--dir", dir.string()};
  if (with_simulator) {
    args.emplace_back("--with-simulator");
  }
  const Completed init = run(pulsemon_binary(), args);
  std::smatch match;
  if (init.exit_code != 0 || !std::regex_search(init.out, match, std::regex("admin / (\\S+)"))) {
    throw std::runtime_error("init failed: " + init.err);
  }
  return match[1].str();
}

std::filesystem::path init_steady_data_folder(const std::filesystem::path &dir) {
  (void)init_data_folder(dir, true);
  const auto config = dir / "pulsemon.toml";
  edit_file(config, "\nprofile = \"household\"", "\nwatts = 36000");
  edit_file(config, "commit_interval_ms = 1000", "commit_interval_ms = 100");
  return config;
}

void edit_file(const std::filesystem::path &file, const std::string &from, const std::string &to) {
  std::string text;
  {
    std::ifstream in(file);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto at = text.find(from);
  if (at == std::string::npos) {
    throw std::runtime_error(file.string() + " has no '" + from + "'");
  }
  text.replace(at, from.size(), to);
  std::ofstream(file) << text;
}

void use_store_url(const std::filesystem::path &config, const std::string &url) {
  edit_file(config, "url = \"\"", "url = \"" + url + "\"");
  edit_file(config, "path = \"pulsemon.db\"", "");
}

RunningDaemon start_daemon(const std::filesystem::path &config, unsigned short port) {
  RunningDaemon daemon;
  daemon.process = std::make_unique<Background>(
      pulsemon_binary(), std::vector<std::string>{"-c", config.string(), "serve", "--listen",
                                                  "127.0.0.1:" + std::to_string(port)});
  const auto line = daemon.process->wait_for_line("API listening on", std::chrono::seconds{20});
  std::smatch match;
  if (!line || !std::regex_search(*line, match, std::regex("127\\.0\\.0\\.1:(\\d+)"))) {
    throw std::runtime_error("the daemon did not start: " + daemon.process->output());
  }
  daemon.port = static_cast<unsigned short>(std::stoi(match[1].str()));
  return daemon;
}

} // namespace pulsemon::testing

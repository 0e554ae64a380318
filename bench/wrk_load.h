#pragma once
// wrk against a daemon on loopback, as coop_bench and sites_bench run it:
// requests per second and the 99th percentile of the latency.

#include "support/process.h"

#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace pulsemon::bench {

struct Load {
  double rps = 0.0;
  double p99_ms = 0.0;
};

struct WrkOptions {
  std::string bearer; // "Bearer TOKEN" for every request; empty: the script sets it
  std::string script; // a Lua script (bench/any_meter.lua, any_resident.lua); empty: none
  bool alone = false; // one thread, one connection: one request at a time
};

// wrk for `seconds` on `target` (2 threads and 4 connections unless
// alone); throws when wrk fails or the daemon refused a request.
inline Load wrk(unsigned short port, const std::string &target, int seconds,
                const WrkOptions &options) {
  std::vector<std::string> args{options.alone ? "-t1" : "-t2", options.alone ? "-c1" : "-c4",
                                "-d" + std::to_string(seconds) + "s", "--latency"};
  if (!options.bearer.empty()) {
    args.insert(args.end(), {"-H", "Authorization: " + options.bearer});
  }
  if (!options.script.empty()) {
    args.insert(args.end(), {"-s", options.script});
  }
  args.push_back("http://127.0.0.1:" + std::to_string(port) + target);
  const testing::Completed ran = testing::run("/usr/bin/wrk", args);
  std::smatch rps;
  std::smatch p99;
  if (ran.exit_code != 0 ||
      !std::regex_search(ran.out, rps, std::regex(R"(Requests/sec:\s+([0-9.]+))")) ||
      !std::regex_search(ran.out, p99, std::regex(R"(\n\s+99%\s+([0-9.]+)(us|ms|s))"))) {
    throw std::runtime_error("wrk failed: " + ran.out + ran.err);
  }
  if (ran.out.find("Non-2xx") != std::string::npos) {
    throw std::runtime_error("the daemon refused requests: " + ran.out);
  }
  const double scale = p99[2] == "us" ? 0.001 : p99[2] == "ms" ? 1.0 : 1000.0;
  return Load{std::stod(rps[1]), std::stod(p99[1]) * scale};
}

} // namespace pulsemon::bench

// pulsemon serve: checks the config against the store, requests the GPIO
// lines, then runs the daemon (app/daemon.h) until SIGTERM/SIGINT/SIGHUP and
// stops it, committing everything queued. Runs in the foreground; under
// systemd it reports readiness and status with sd_notify (Type=notify).
#include "app/cli_context.h"
#include "app/daemon.h"
#include "app/serve_lock.h"
#include "auth/jwt.h"

#include <date/tz.h>
#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <algorithm>
#include <csignal>

namespace pulsemon {

namespace {

std::string_view signal_name(int number) {
  switch (number) {
  case SIGTERM:
    return "SIGTERM";
  case SIGINT:
    return "SIGINT";
  case SIGHUP:
    return "SIGHUP";
  default:
    return "a signal";
  }
}

// Each live-stream client holds a socket for hours; the usual soft limit of
// 1024 open files would cap them, so take what the hard limit allows.
void raise_open_file_limit() {
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
}

// Signals are blocked in every thread and taken synchronously by the main
// loop, so no handler runs in an arbitrary thread's context.
sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

// Device keys mean sensor nodes, which upload over the network; an API on
// loopback only refuses them ("connection refused", retried for ever on
// the node), the most common first stumble of a new node.
void warn_if_nodes_cannot_reach(Store &store, const std::string &host) {
  const auto keys = store.device_keys();
  const bool any_key =
      std::any_of(keys.begin(), keys.end(), [](const DeviceKey &key) { return !key.revoked; });
  const bool loopback_only = host == "localhost" || host == "::1" || host.starts_with("127.");
  if (any_key && loopback_only) {
    spdlog::warn("device keys exist, but the API listens on {} only, which only this machine "
                 "can reach: sensor nodes uploading over HTTP get 'connection refused'. Set "
                 "[http] listen = \"0.0.0.0:8080\" (any port) or serve --listen "
                 "0.0.0.0:PORT to let them in (docs/sensor-node.md)",
                 host);
  }
}

// Among several instances on one store, a meter's own sources are read by
// one: a second instance configured with the same GPIO line, simulator or
// power topic stops here with what to do, rather than store the meter's
// pulses twice.
std::unique_ptr<SourceClaims> claim_meter_sources(Store &store, const Config &config) {
  std::unique_ptr<SourceClaims> claims = store.open_source_claims();
  const auto claim = [&](std::int64_t meter_id, const std::string &key, const std::string &what) {
    if (!claims->claim(meter_id)) {
      throw Failure(ErrorCode::already_exists,
                    config.file.string() + ": config key '" + key + "': meter " +
                        std::to_string(meter_id) + "'s " + what +
                        " is read by another pulsemon instance on this database already; one "
                        "instance reads a meter's GPIO line, simulator and MQTT power reports "
                        "(docs/scaling.md). Remove the section here or stop the other instance");
    }
  };
  for (std::size_t i = 0; i < config.simulators.size(); ++i) {
    claim(config.simulators[i].meter, "simulator[" + std::to_string(i) + "].meter", "simulator");
  }
  for (std::size_t i = 0; i < config.gpio_lines.size(); ++i) {
    claim(config.gpio_lines[i].meter_id, "gpio[" + std::to_string(i) + "].meter", "GPIO line");
  }
  if (config.mqtt) {
    for (std::size_t i = 0; i < config.mqtt->power_topics.size(); ++i) {
      claim(config.mqtt->power_topics[i].meter_id, "mqtt_power[" + std::to_string(i) + "].meter",
            "MQTT power topic");
    }
  }
  return claims;
}

void run_serve(CliContext &context, const std::string &listen_option) {
  const Config &config = context.config();
  std::string host = config.listen_host;
  unsigned short port = config.listen_port;
  if (!listen_option.empty()) {
    const auto endpoint = value_or_throw(parse_listen(listen_option, "--listen"));
    host = endpoint.first;
    port = endpoint.second;
  }
  const std::string secret = auth::load_secret(config.secret_file.string());
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  const date::time_zone &zone = *date::locate_zone(config.zone);

  // Held until serve returns: `pulsemon restore` refuses while it is.
  // (Only a SQLite file is restored by pulsemon.)
  const bool sqlite = config.store.kind == StoreKind::sqlite;
  const std::optional<ServeLock> serving =
      sqlite ? ServeLock::take(config.database, ServeLock::Mode::serving) : std::nullopt;
  if (sqlite && !serving) {
    throw Failure(ErrorCode::unavailable, "pulsemon restore is replacing " +
                                              config.database.string() +
                                              "; start serve again once it has finished");
  }
  const std::string instance = instance_name();
  auto store = context.open_store(instance);
  warn_if_nodes_cannot_reach(*store, host);
  const std::vector<Meter> meters = store->meters();
  std::vector<simulator::SourceSettings> simulators;
  for (std::size_t i = 0; i < config.simulators.size(); ++i) {
    const SimulatorConfig &sim = config.simulators[i];
    const auto meter = std::find_if(meters.begin(), meters.end(),
                                    [&](const Meter &m) { return m.id == sim.meter; });
    if (meter == meters.end()) {
      throw Failure(ErrorCode::invalid_argument,
                    config.file.string() + ": config key 'simulator[" + std::to_string(i) +
                        "].meter': meter " + std::to_string(sim.meter) +
                        " does not exist; add it with 'pulsemon meter add' first");
    }
    simulator::SourceSettings settings;
    settings.meter_id = sim.meter;
    settings.pulses_per_unit = meter->pulses_per_unit;
    settings.profile = sim.profile == "gas"     ? simulator::Profile::gas
                       : sim.profile == "water" ? simulator::Profile::water
                                                : simulator::Profile::electricity;
    settings.seed = sim.seed;
    settings.constant_rate = sim.constant_rate;
    settings.noise = {sim.bounce, sim.glitches};
    settings.local_offset = std::chrono::duration_cast<std::chrono::minutes>(
        zone.get_info(std::chrono::floor<std::chrono::seconds>(wall_now())).offset);
    simulators.push_back(settings);
  }

  for (std::size_t i = 0; i < config.gpio_lines.size(); ++i) {
    const std::int64_t id = config.gpio_lines[i].meter_id;
    if (std::none_of(meters.begin(), meters.end(), [&](const Meter &m) { return m.id == id; })) {
      throw Failure(ErrorCode::invalid_argument,
                    config.file.string() + ": config key 'gpio[" + std::to_string(i) +
                        "].meter': meter " + std::to_string(id) +
                        " does not exist; add it with 'pulsemon meter add' first");
    }
  }

  if (config.mqtt) {
    for (std::size_t i = 0; i < config.mqtt->power_topics.size(); ++i) {
      const std::int64_t id = config.mqtt->power_topics[i].meter_id;
      if (std::none_of(meters.begin(), meters.end(), [&](const Meter &m) { return m.id == id; })) {
        throw Failure(ErrorCode::invalid_argument,
                      config.file.string() + ": config key 'mqtt_power[" + std::to_string(i) +
                          "].meter': meter " + std::to_string(id) +
                          " does not exist; add it with 'pulsemon meter add' first");
      }
    }
  }

  std::unique_ptr<SourceClaims> claims = claim_meter_sources(*store, config);

  // Requested before any thread starts, so that a missing or busy line
  // stops serve with its message and nothing half-started.
  std::vector<gpio::RequestedLine> requested_lines;
  for (const gpio::LineSettings &line : config.gpio_lines) {
    requested_lines.push_back(
        gpio::request_line(line, "pulsemon meter " + std::to_string(line.meter_id)));
  }

  raise_open_file_limit();
  // Past a file-size limit (ulimit -f) a write is to fail with EFBIG, which
  // the store reports and the writer survives, rather than end the daemon.
  std::signal(SIGXFSZ, SIG_IGN);
  const sigset_t signals = stop_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr); // before any thread starts, so all inherit it

  DaemonPlan plan{host,
                  port,
                  secret,
                  std::move(simulators),
                  std::move(requested_lines),
                  [](const gpio::LineSettings &line) {
                    return gpio::request_line(line,
                                              "pulsemon meter " + std::to_string(line.meter_id));
                  },
                  {},
                  instance,
                  std::move(claims)};
  Daemon daemon(config, std::move(store), std::move(plan));
  const int received = daemon.run_until(signals);
  spdlog::info("received {}; committing queued pulses before exit", signal_name(received));
  daemon.stop();
}

} // namespace

void add_serve_command(CLI::App &app, CliContext &context) {
  auto listen = std::make_shared<std::string>();
  CLI::App *serve = app.add_subcommand(
      "serve", "Run the daemon: sources → filter → store, the HTTP API, status in the log");
  serve->add_option("--listen", *listen,
                    "HOST:PORT for the API (default: http.listen in the config)");
  serve->callback([&context, listen] { run_serve(context, *listen); });
}

} // namespace pulsemon

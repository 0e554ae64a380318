// pulsemon serve: the daemon. Sources → filter → writer, a status line per
// meter every status interval, and a clean stop on SIGTERM/SIGINT that
// commits everything queued. Runs in the foreground; under systemd it
// reports readiness and status with sd_notify (Type=notify).
#include "api/api.h"
#include "api/http/server.h"
#include "app/cli_context.h"
#include "auth/jwt.h"
#include "core/time_text.h"
#include "ingest/mqtt_ingest.h"
#include "pipeline/meter_pipeline.h"
#include "sources/clock_reader.h"
#include "sources/gpio/chip.h"
#include "sources/gpio/gpio_source.h"
#include "sources/simulator/realtime_source.h"
#include "store/writer.h"

#include <date/tz.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <sys/resource.h>

#include <csignal>
#include <thread>

namespace pulsemon {

namespace {

std::optional<http::TlsFiles> tls_files(const Config &config) {
  if (config.tls_cert_file.empty()) {
    return std::nullopt;
  }
  return http::TlsFiles{config.tls_cert_file, config.tls_key_file};
}

MonoTime monotonic_now() {
  return MonoTime{
      std::chrono::duration_cast<Micros>(std::chrono::steady_clock::now().time_since_epoch())};
}

std::string describe_status(const MeterLiveStatus &status, UtcTime now) {
  std::string line = "meter " + std::to_string(status.meter_id) + " '" + status.name + "': ";
  if (status.power) {
    line += fmt::format("{:.1f} {}", *status.power, status.rate_unit);
  } else {
    line += "power not known yet";
  }
  if (status.last_pulse) {
    line += fmt::format(", last pulse {:.0f} s ago", to_seconds(now - *status.last_pulse));
  } else {
    line += ", no pulse yet";
  }
  line += fmt::format(", {} pulses accepted, {} rejected", status.filter.accepted,
                      status.filter.rejected());
  if (status.filter.rejected() > 0) {
    line += fmt::format(" (too_close {}, too_short {}, unpaired {})", status.filter.too_close,
                        status.filter.too_short, status.filter.unpaired);
  }
  return line;
}

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

  auto store = context.open_store();
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
    settings.profile =
        sim.profile == "gas" ? simulator::Profile::gas : simulator::Profile::electricity;
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

  WriterSettings writer_settings;
  writer_settings.commit_interval = config.commit_interval;
  // Every stored pulse is published here once committed, whichever path
  // stored it: the writer (GPIO, simulator), the API's and the MQTT
  // subscriber's recorders (nodes, power reports).
  PulseBus bus;
  PulseWriter writer(*store, writer_settings, &bus);
  MeterPipelines pipelines(meters,
                           [&writer](PulseBatch batch) { writer.submit(std::move(batch)); });

  spdlog::info("pulsemon {} serving; data in {} (SQLite WAL, durability {}, commit every {} ms), "
               "time zone {}",
               PULSEMON_VERSION, config.database.string(),
               config.durability == Durability::full ? "full" : "normal",
               config.commit_interval.count(), config.zone);
  // The API runs on its own thread with its own database connection.
  SqliteStore api_store(config.database, StoreOptions{config.durability, false});
  ApiSettings api_settings;
  api_settings.token_lifetime = config.token_lifetime;
  api_settings.zone = config.zone;
  api_settings.version = PULSEMON_VERSION;
  api_settings.billing_day = config.billing_day;
  api_settings.cors_origins = config.cors_origins;
  ApiContext api{
      api_store, secret, api_settings, [&pipelines] { return pipelines.status(monotonic_now()); },
      [&pipelines](const Meter &meter) {
        if (pipelines.apply_settings(meter)) {
          spdlog::info("meter {} '{}': changed settings apply from now on", meter.id, meter.name);
        }
      }};
  if (config.mqtt) {
    for (const PowerTopic &topic : config.mqtt->power_topics) {
      api.power_report_meters.insert(topic.meter_id);
    }
  }
  api.bus = &bus;
  api.clock_synchronised = [] { return SystemClock{}.read().synchronised; };
  const http::Router router = make_router(api);
  boost::asio::io_context io;
  http::LiveHub live(io);
  http::Server server(io, host, port, router,
                      http::ServerLimits{http::ServerLimits{}.header_bytes, config.body_limit_bytes,
                                         config.request_timeout},
                      &live, tls_files(config));
  // The live figures and the live stream follow the commits.
  const PulseBus::Subscription live_pulses =
      bus.subscribe([&pipelines, &live](const CommittedPulses &committed) {
        for (const MeterPipelines::LivePulse &pulse : pipelines.on_committed(
                 committed.meter_id, committed.pulses, monotonic_now(), wall_now())) {
          const nlohmann::json event{
              {"meter", pulse.meter_id},
              {"ts", format_utc(pulse.time)},
              {"power", pulse.power ? nlohmann::json(*pulse.power) : nlohmann::json()}};
          live.publish("pulse", event.dump());
        }
      });
  std::thread http_thread([&io] { io.run(); });
  spdlog::info("API listening on {}://{}:{}/api/ (log in with POST /api/login; user admin, "
               "whose password 'pulsemon init' printed)",
               server.tls() ? "https" : "http",
               host.find(':') == std::string::npos ? host : "[" + host + "]", server.port());
  std::vector<std::unique_ptr<simulator::RealtimeSource>> sources;
  for (const auto &settings : simulators) {
    spdlog::info("meter {} is fed by a simulated {} (seed {}{})", settings.meter_id,
                 settings.profile == simulator::Profile::gas ? "gas meter" : "household",
                 settings.seed, settings.constant_rate ? ", steady load" : "");
    sources.push_back(std::make_unique<simulator::RealtimeSource>(settings, pipelines));
    sources.back()->start();
  }
  SystemClock system_clock;
  std::vector<std::unique_ptr<gpio::GpioSource>> gpio_sources;
  for (std::size_t i = 0; i < config.gpio_lines.size(); ++i) {
    const gpio::LineSettings &line = config.gpio_lines[i];
    gpio::RequestedLine &requested = requested_lines[i];
    spdlog::info("meter {} reads {} line {} ('{}'): {} edge{}, debounce {}", line.meter_id,
                 requested.chip_path, requested.offset, line.line,
                 line.edge == gpio::EdgeChoice::both
                     ? "both"
                     : (line.edge == gpio::EdgeChoice::falling ? "falling" : "rising"),
                 line.edge == gpio::EdgeChoice::both ? "s" : " only",
                 requested.kernel_debounce
                     ? std::to_string(line.debounce_period_us) + " µs in the kernel"
                     : std::string("by the pulse filter"));
    gpio_sources.push_back(std::make_unique<gpio::GpioSource>(
        std::move(requested.events), line, pipelines, system_clock,
        gpio::SourceOptions{config.wait_for_clock_sync,
                            std::chrono::duration_cast<Micros>(config.clock_sync_timeout),
                            Micros{5000}}));
    gpio_sources.back()->start();
  }
  std::unique_ptr<MqttIngest> mqtt;
  if (config.mqtt) {
    mqtt = std::make_unique<MqttIngest>(
        *config.mqtt,
        std::make_unique<SqliteStore>(config.database, StoreOptions{config.durability, false}),
        &bus, &wall_now);
    spdlog::info("mqtt: taking node batches on pulsemon/+/pulses from {}:{}{}", config.mqtt->host,
                 config.mqtt->port, config.mqtt->power_topics.empty() ? "" : ", and power reports");
    mqtt->start();
  }
  if (sources.empty() && gpio_sources.empty() && !mqtt) {
    spdlog::warn("no sources are configured, so no pulses will arrive; add a [[simulator]] "
                 "section to {} to try pulsemon without hardware",
                 config.file.string());
  }
  sd_notify(0, "READY=1\nSTATUS=serving");

  auto next_status = std::chrono::steady_clock::now() + config.status_interval;
  int received = 0;
  while (received == 0) {
    const timespec one_second{1, 0};
    received = sigtimedwait(&signals, nullptr, &one_second);
    if (received < 0) {
      received = 0; // timeout (EAGAIN) or EINTR: carry on
    }
    if (std::chrono::steady_clock::now() >= next_status) {
      next_status += config.status_interval;
      pipelines.hand_on_rejections();
      const UtcTime now = wall_now();
      for (const MeterLiveStatus &status : pipelines.status(monotonic_now())) {
        spdlog::info("{}", describe_status(status, now));
      }
      if (mqtt) {
        const MqttStats mqtt_stats = mqtt->stats();
        spdlog::info("mqtt: {}; {} batches, {} power reports, {} refused",
                     mqtt_stats.connected ? "connected" : "NOT connected", mqtt_stats.batches,
                     mqtt_stats.power_reports, mqtt_stats.refused);
      }
      std::string clock;
      for (const auto &gpio_source : gpio_sources) {
        if (gpio_source->clock_state() != ClockState::synchronised) {
          clock = fmt::format("; clock {}, {} edges held", to_string(gpio_source->clock_state()),
                              gpio_source->held());
          spdlog::warn("clock: {}; {} edges held", to_string(gpio_source->clock_state()),
                       gpio_source->held());
        }
      }
      const WriterStats stats = writer.stats();
      if (!stats.failing_because.empty()) {
        spdlog::warn("writer: NOT storing ({}); {} pulses wait in memory, {} batches refused",
                     stats.failing_because, stats.queued_pulses, stats.refused_batches);
      } else if (stats.failed_commits > 0 || stats.refused_batches > 0) {
        spdlog::warn("writer: {} failed commits, {} refused batches, {} pulses waiting",
                     stats.failed_commits, stats.refused_batches, stats.queued_pulses);
      }
      const std::string storing = stats.failing_because.empty()
                                      ? fmt::format("{} pulses committed", stats.committed_pulses)
                                      : fmt::format("NOT storing ({}), {} pulses waiting",
                                                    stats.failing_because, stats.queued_pulses);
      sd_notify(0, fmt::format("STATUS=serving; {}{}", storing, clock).c_str());
    }
  }

  spdlog::info("received {}; committing queued pulses before exit", signal_name(received));
  sd_notify(0, "STOPPING=1");
  for (auto &source : sources) {
    source->stop();
  }
  for (auto &gpio_source : gpio_sources) {
    gpio_source->stop(); // hands any held pulses on before the writer stops
    gpio_source->join();
  }
  if (mqtt) {
    mqtt->stop();
  }
  boost::asio::post(io, [&] {
    server.stop();
    live.close_all();
    io.stop();
  });
  http_thread.join();
  api.hashing.stop(); // before the event loop it answers on goes away
  pipelines.hand_on_rejections();
  writer.stop();
  const WriterStats stats = writer.stats();
  std::uint64_t accepted = 0;
  for (const MeterLiveStatus &status : pipelines.status(monotonic_now())) {
    accepted += status.filter.accepted;
  }
  spdlog::info("stopped: {} pulses accepted, {} committed, {} duplicates, {} not stored", accepted,
               stats.committed_pulses, stats.duplicate_pulses, stats.queued_pulses);
  if (stats.queued_pulses > 0) {
    throw Failure(ErrorCode::unavailable,
                  std::to_string(stats.queued_pulses) + " pulses could not be stored before exit");
  }
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

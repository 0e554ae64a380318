#include "app/daemon.h"

#include "app/cli_context.h"
#include "auth/secret_file.h"
#include "core/time_text.h"
#include "sources/clock_reader.h"
#include "sources/gpio/gpio_source.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <boost/asio/post.hpp>
#include <date/tz.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <random>

namespace pulsemon {

std::string instance_name() {
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0) {
    host[0] = '\0';
  }
  std::random_device random;
  return fmt::format("{}-{}-{:04x}", host.data()[0] != '\0' ? host.data() : "pulsemon", ::getpid(),
                     random() & 0xffffU);
}

namespace {

std::optional<http::TlsFiles> tls_files(const Config &config) {
  if (config.tls_cert_file.empty()) {
    return std::nullopt;
  }
  return http::TlsFiles{config.tls_cert_file, config.tls_key_file};
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

// The token in [metrics] token_file: one line of 32 to 512 visible ASCII
// characters (no spaces), with or without the line end an editor or
// `openssl rand -hex 32 > FILE` leaves, in a small file only its owner
// can read (auth/secret_file.h).
std::string read_metrics_token(const std::filesystem::path &file) {
  constexpr std::size_t longest = 512;
  std::string token =
      auth::read_secret_file(file, "config key 'metrics.token_file': the file", longest + 2);
  if (token.ends_with('\n')) {
    token.pop_back();
  }
  if (token.ends_with('\r')) {
    token.pop_back();
  }
  const bool visible =
      std::all_of(token.begin(), token.end(), [](char c) { return c > ' ' && c < 127; });
  if (!visible || token.size() < 32 || token.size() > longest) {
    throw Failure(ErrorCode::invalid_argument,
                  "config key 'metrics.token_file': " + file.string() +
                      " must hold one token of 32 to 512 visible characters without spaces "
                      "on one line; make one with 'openssl rand -hex 32 > " +
                      file.string() + "'");
  }
  return token;
}

// Every surface shows a lane's pulses after the writer committed them (at
// most a commit interval later) and a browser a moment after that: the
// power holds that long past a due pulse, so all of them show one figure.
LiveTiming live_timing_for(const Config &config, TimeSource &time) {
  return LiveTiming{std::chrono::duration_cast<Micros>(config.commit_interval) +
                        std::chrono::seconds{1},
                    time.monotonic_now()};
}

// A store several instances may share: their MQTT clients need ids of
// their own, and node batches a shared subscription.
bool shared_store(const Config &config) {
  return config.store.kind == StoreKind::postgresql;
}

WriterSettings writer_settings_for(const Config &config) {
  WriterSettings settings;
  settings.commit_interval = config.commit_interval;
  return settings;
}

ApiSettings api_settings_for(const Config &config) {
  ApiSettings settings;
  settings.token_lifetime = config.token_lifetime;
  settings.zone = config.zone;
  settings.version = PULSEMON_VERSION;
  settings.billing_day = config.billing_day;
  settings.currency = config.currency;
  settings.alerts = config.alerts;
  settings.cors_origins = config.cors_origins;
  settings.share_requests_per_minute = config.share_requests_per_minute;
  settings.friend_allow_http = config.friend_allow_http;
  return settings;
}

} // namespace

Daemon::EventLoop::EventLoop(Daemon &daemon)
    : daemon_(daemon), thread_([&io = daemon.io_] { io.run(); }) {}

void Daemon::EventLoop::stop() {
  if (!thread_.joinable()) {
    return;
  }
  boost::asio::post(daemon_.io_, [this] {
    daemon_.server_.stop();
    daemon_.live_.close_all();
    daemon_.io_.stop();
  });
  thread_.join();
  daemon_.handler_thread_.stop(); // what waits there answers a loop that ended
  daemon_.handler_thread_.join();
  daemon_.api_.hashing.stop(); // its answers were posted to the loop that just ended
  if (daemon_.api_.ingest_worker) {
    daemon_.api_.ingest_worker->pool.stop(); // and so were these
  }
}

Daemon::Daemon(const Config &config, std::unique_ptr<Store> store, DaemonPlan plan)
    : config_(config), time_(*plan.time), store_(std::move(store)),
      meters_at_start_(store_->meters()),
      writer_(*store_, writer_settings_for(config), &bus_, time_),
      pipelines_(
          meters_at_start_, [this](PulseBatch batch) { writer_.submit(std::move(batch)); },
          live_timing_for(config, time_)),
      api_store_(open_store(config.store, StoreOptions{config.durability, false, plan.instance})),
      feed_store_(open_store(config.store, StoreOptions{config.durability, false, plan.instance})),
      totals_(config.state_folder / "published-totals"),
      api_{*api_store_, plan.secret, api_settings_for(config),
           [this] { return pipelines_.status(time_.monotonic_now()); },
           [this](const Meter &meter) {
             if (pipelines_.apply_settings(meter)) {
               spdlog::info("meter {} '{}': changed settings apply from now on", meter.id,
                            meter.name);
             }
           }},
      router_(make_router(api_)),
      live_(io_,
            http::LiveLimits{.max_streams = config.max_live_streams,
                             .max_streams_per_owner = config.max_live_streams_per_user},
            handler_thread_.get_executor()),
      server_(io_, plan.host, plan.port, router_,
              http::ServerLimits{http::ServerLimits{}.header_bytes, config.body_limit_bytes,
                                 config.request_timeout},
              &live_, tls_files(config), handler_thread_.get_executor()),
      gpio_sources_(plan.restart_backoff,
                    [this] { sd_notify(0, ("STATUS=" + status_summary()).c_str()); }) {
  spdlog::info("pulsemon {} serving; data in {} ({}durability {}, commit every {} ms), "
               "time zone {}",
               PULSEMON_VERSION, describe(config.store),
               config.store.kind == StoreKind::sqlite ? "WAL, " : "",
               config.durability == Durability::full ? "full" : "normal",
               config.commit_interval.count(), config.zone);
  if (config.mqtt) {
    for (const PowerTopic &topic : config.mqtt->power_topics) {
      api_.power_report_meters.insert(topic.meter_id);
    }
  }
  api_.bus = &bus_;
  api_.clock_synchronised = [] { return SystemClock{}.read().synchronised; };
  api_.sources = [this] { return gpio_sources_.health(); };
  api_.writer_stats = [this] { return writer_.stats(); };
  api_.totals = &totals_;
  api_.live_streams = [this] { return live_.clients(); };
  api_.time = &time_;
  if (!config.backup_dir.empty()) {
    backups_ = std::make_unique<BackupRunner>(config.database, config.file, config.backup_dir,
                                              config.backup_schedule,
                                              *date::locate_zone(config.zone), time_);
    api_.backup = [this] { return backups_->status(); };
  }
  friends_ = std::make_unique<FriendRefresher>(
      open_store(config.store, StoreOptions{config.durability, false, plan.instance}),
      FetchLimits{config.friend_timeout, config.friend_max_bytes, config.friend_allow_http,
                  config.friend_allow_private_addresses, config.friend_ca_file},
      config.friend_refresh, time_);
  api_.refresh_friend = [this](std::int64_t id) { friends_->refresh_soon(id); };
  api_.ingest_worker = std::make_unique<IngestWorker>(
      open_store(config.store, StoreOptions{config.durability, false, plan.instance}), 64);
  if (!config.metrics_token_file.empty()) {
    api_.metrics_token = read_metrics_token(config.metrics_token_file);
  }
  // The live figures and the live stream follow the commits.
  // A committed batch is one task for the event loop, however many pulses
  // it holds, and none while no stream is open (a node's uploads at a
  // thousand batches a second made the loop run tens of thousands of tasks).
  live_pulses_ = bus_.subscribe([this](const CommittedPulses &committed) {
    const auto pulses =
        pipelines_.on_committed(committed.meter_id, committed.pulses, time_.monotonic_now(),
                                time_.wall_now(), committed.powers);
    if (pulses.empty() || live_.clients() == 0) {
      return;
    }
    std::vector<std::string> events;
    events.reserve(pulses.size());
    for (const MeterPipelines::LivePulse &pulse : pulses) {
      events.push_back(
          nlohmann::json{{"meter", pulse.meter_id},
                         {"ts", format_utc(pulse.time)},
                         {"power", pulse.power ? nlohmann::json(*pulse.power) : nlohmann::json()}}
              .dump());
    }
    // A batch is one meter's: its site is the topic, so that a stream
    // carries only the sites its user sees.
    live_.publish_all("pulse", events, pulses.front().site_id);
    live_.publish_all("pulse", events, display_topic(pulses.front().meter_id));
  });
  // The live streams' credentials are checked against the users as the
  // database holds them now (a CLI in another process may have changed them).
  live_.set_before_checks([this] { api_.reads.refresh(); });
  event_loop_.emplace(*this);
  instance_ = plan.instance;
  follow_other_instances(plan.instance);
  source_claims_ =
      plan.source_claims ? std::move(plan.source_claims) : std::make_unique<UncontestedClaims>();
  spdlog::info("API listening on {}://{}:{}/api/ (log in with POST /api/login; user admin, "
               "whose password 'pulsemon init' printed, or a user 'pulsemon user add' made)",
               server_.tls() ? "https" : "http",
               plan.host.find(':') == std::string::npos ? plan.host : "[" + plan.host + "]",
               server_.port());

  try {
    start_sources(config, plan);
  } catch (...) {
    // What had started stops in order, and what was queued is committed
    // and reported, before the failure ends serve.
    try {
      stop();
    } catch (const std::exception &also) {
      spdlog::error("{}", also.what());
    }
    throw;
  }
  std::uint64_t watchdog_usec = 0;
  if (sd_watchdog_enabled(0, &watchdog_usec) > 0 && watchdog_usec > 0) {
    watchdog_ = std::chrono::microseconds{watchdog_usec};
    loop_answered_ = time_.monotonic_now().time_since_epoch().count();
    handlers_answered_ = loop_answered_.load();
    spdlog::info("systemd watchdog: telling systemd every {:g} s that the writer and the API "
                 "answer",
                 std::chrono::duration<double>(*watchdog_ / 4).count());
  }
  check_totals();
  run_.emplace(*feed_store_, time_);
  serving_ = true;
  sd_notify(0, "READY=1\nSTATUS=serving");
  feed_watchdog();
}

void Daemon::follow_other_instances(const std::string &instance) {
  std::unique_ptr<ChangeFeed> feed = feed_store_->open_change_feed();
  if (!feed) {
    return; // one process on this store: the bus carries every commit
  }
  feed_follower_.emplace(std::move(feed), instance, bus_);
  feed_follower_->start();
  spdlog::info("instance {}: showing the pulses other instances on this database store, "
               "through its change feed",
               instance);
}

void Daemon::start_sources(const Config &config, DaemonPlan &plan) {
  for (const simulator::SourceSettings &settings : plan.simulators) {
    spdlog::info("meter {} is fed by a simulated {} (seed {}{})", settings.meter_id,
                 settings.profile == simulator::Profile::gas     ? "gas meter"
                 : settings.profile == simulator::Profile::water ? "water meter"
                                                                 : "household",
                 settings.seed, settings.constant_rate ? ", steady load" : "");
    simulators_.push_back(std::make_unique<simulator::RealtimeSource>(settings, pipelines_));
    simulators_.back()->start();
  }
  for (std::size_t i = 0; i < config.gpio_lines.size(); ++i) {
    const gpio::LineSettings &line = config.gpio_lines[i];
    gpio::RequestedLine &requested = plan.gpio_lines[i];
    spdlog::info("meter {} reads {} line {} ('{}'): {} edge{}, debounce {}", line.meter_id,
                 requested.chip_path, requested.offset, line.line,
                 line.edge == gpio::EdgeChoice::both
                     ? "both"
                     : (line.edge == gpio::EdgeChoice::falling ? "falling" : "rising"),
                 line.edge == gpio::EdgeChoice::both ? "s" : " only",
                 requested.kernel_debounce
                     ? std::to_string(line.debounce_period_us) + " µs in the kernel"
                     : std::string("by the pulse filter"));
    const gpio::SourceOptions options{config.wait_for_clock_sync,
                                      std::chrono::duration_cast<Micros>(config.clock_sync_timeout),
                                      Micros{5000}};
    auto first = std::make_unique<gpio::GpioSource>(std::move(requested.events), line, pipelines_,
                                                    system_clock_, options);
    gpio_sources_.add(
        fmt::format("GPIO {} line {} ('{}')", requested.chip_path, requested.offset, line.line),
        line.meter_id, std::move(first), [this, line, options, request = plan.request_gpio_line] {
          gpio::RequestedLine again = request(line);
          return std::make_unique<gpio::GpioSource>(std::move(again.events), line, pipelines_,
                                                    system_clock_, options);
        });
  }
  if (config.mqtt) {
    MqttSettings settings = *config.mqtt;
    if (shared_store(config)) {
      settings.client_id += "-" + plan.instance;
      settings.shared_among_instances = true;
    }
    mqtt_ = std::make_unique<MqttIngest>(
        settings, open_store(config.store, StoreOptions{config.durability, false, plan.instance}),
        &bus_, [this](PulseBatch batch) { writer_.submit(std::move(batch)); }, time_);
    spdlog::info("mqtt: taking node batches on pulsemon/+/pulses from {}:{}{}",
                 config.mqtt->broker.host, config.mqtt->broker.port,
                 config.mqtt->power_topics.empty() ? "" : ", and power reports");
    mqtt_->start();
  }
  publish_if_claimed();
  if (backups_) {
    spdlog::info("backup: {} to {} at {:02}:{:02} (the household's clock), keeping {}",
                 to_string(config.backup_schedule.every), config.backup_dir.string(),
                 config.backup_schedule.at.count() / 60, config.backup_schedule.at.count() % 60,
                 config.backup_schedule.keep);
    backups_->start();
  } else {
    spdlog::info("backup: none scheduled; set [backup] dir in {} to a USB disk or a NAS share "
                 "(docs/backup.md)",
                 config.file.string());
  }
  if (simulators_.empty() && config.gpio_lines.empty() && !mqtt_) {
    spdlog::warn("no sources are configured, so no pulses will arrive; add a [[simulator]] "
                 "section to {} to try pulsemon without hardware",
                 config.file.string());
  }
}

Daemon::~Daemon() {
  try {
    stop();
  } catch (const std::exception &failure) {
    spdlog::error("{}", failure.what());
  }
}

int Daemon::run_until(const sigset_t &signals) {
  MonoTime next_status = time_.monotonic_now() + config_.status_interval;
  // Woken every second for the status line, and four times per watchdog
  // period when systemd watches.
  std::chrono::microseconds wait{std::chrono::seconds{1}};
  if (watchdog_) {
    wait = std::min(wait, *watchdog_ / 4);
  }
  const timespec wake_after{static_cast<time_t>(wait.count() / 1'000'000),
                            static_cast<long>(wait.count() % 1'000'000) * 1000};
  while (true) {
    const int received = sigtimedwait(&signals, nullptr, &wake_after);
    if (received > 0) {
      return received;
    }
    feed_watchdog();
    keep_source_claims();
    publish_if_claimed();
    follow_meter_changes();
    run_->heartbeat();
    if (!holes_logged_.empty() || !totals_.holes().empty()) {
      // Every second while a store is behind (a surface may have found it
      // so), to say so and to say when it caught up.
      check_totals();
    }
    // A timeout (EAGAIN) or EINTR: carry on.
    if (time_.monotonic_now() >= next_status) {
      next_status += config_.status_interval;
      report_status();
    }
  }
}

void Daemon::publish_if_claimed() {
  if (!config_.mqtt_out) {
    return;
  }
  bool claimed = mqtt_out_ != nullptr; // as it is while the store cannot say
  try {
    claimed = source_claims_->claim_publishing();
  } catch (const std::exception &) {
    // keep_source_claims says so in the log.
  }
  if (claimed && !mqtt_out_) {
    try {
      start_publisher();
    } catch (const std::exception &failure) {
      if (!serving_) {
        throw; // at the start: serve stops with why
      }
      // Taking over from another instance: said once, tried every second.
      if (!publisher_failing_) {
        spdlog::error("mqtt_out: cannot start publishing ({}); trying again every second",
                      failure.what());
        publisher_failing_ = true;
      }
    }
  } else if (!claimed && mqtt_out_) {
    mqtt_out_->stop();
    mqtt_out_.reset();
    spdlog::warn("mqtt_out: another instance publishes now; this one stands by");
    standing_by_ = true;
  } else if (!claimed && !standing_by_) {
    spdlog::info("mqtt_out: another instance publishes; this one stands by and takes over when "
                 "that one stops");
    standing_by_ = true;
  }
}

void Daemon::start_publisher() {
  publish::MqttOutSettings settings = *config_.mqtt_out;
  if (shared_store(config_)) {
    settings.client_id += "-" + instance_;
  }
  auto publisher = std::make_unique<publish::MqttPublisher>(
      settings, open_store(config_.store, StoreOptions{config_.durability, false}), bus_,
      *date::locate_zone(config_.zone), config_.billing_day, PULSEMON_VERSION, time_,
      [this](std::int64_t meter_id) {
        return pipelines_.power_now(meter_id, time_.monotonic_now());
      },
      totals_);
  spdlog::info("mqtt_out: publishing states{} to {}:{}{}",
               settings.discovery_prefix.empty() ? "" : " and Home Assistant discovery",
               settings.broker.host, settings.broker.port,
               shared_store(config_) ? " (this instance publishes for all of them)" : "");
  publisher->start();
  mqtt_out_ = std::move(publisher);
  standing_by_ = false;
  publisher_failing_ = false;
}

void Daemon::keep_source_claims() {
  if (!source_claims_) {
    return;
  }
  try {
    for (const std::int64_t meter_id : source_claims_->keep()) {
      spdlog::error("meter {}: another pulsemon instance claimed its sources while this one was "
                    "away from the database, so both now store its pulses; stop one of them",
                    meter_id);
    }
    if (claims_failing_) {
      spdlog::info("source claims: held again");
      claims_failing_ = false;
    }
  } catch (const std::exception &failure) {
    if (!claims_failing_) {
      spdlog::warn("source claims: cannot reach the store to keep them ({}); taking them again "
                   "once it answers",
                   failure.what());
      claims_failing_ = true;
    }
  }
}

void Daemon::follow_meter_changes() {
  try {
    const ChangeToken now = feed_store_->change_token();
    if (now == meters_seen_at_) {
      return;
    }
    meters_seen_at_ = now;
    const std::vector<Meter> meters = feed_store_->meters();
    const MeterFollowed followed = pipelines_.follow_meters(meters, time_.monotonic_now());
    std::vector<std::int64_t> ids;
    ids.reserve(meters.size());
    for (const Meter &meter : meters) {
      ids.push_back(meter.id);
    }
    totals_.keep_only(ids); // a deleted meter's id may come back, with a new total
    for (const Meter &meter : followed.added) {
      spdlog::info("meter {} '{}' was added; taking its pulses from now on", meter.id, meter.name);
    }
    for (const Meter &meter : followed.changed) {
      spdlog::info("meter {} '{}': changed settings apply from now on", meter.id, meter.name);
    }
  } catch (const std::exception &failure) {
    spdlog::warn("cannot read the meters to follow their changes: {}", failure.what());
  }
}

void Daemon::check_totals() {
  try {
    const UtcTime now = time_.wall_now();
    for (const Meter &meter : feed_store_->meters()) {
      (void)totals_.shown(meter.id, MarkedFigure::total,
                          feed_store_->register_state(meter.id, now).total, now,
                          half_a_pulse(meter));
    }
  } catch (const std::exception &failure) {
    spdlog::warn("cannot read the meters' totals: {}", failure.what());
    return;
  }
  std::set<std::int64_t> behind;
  for (const TotalHole &hole : totals_.holes()) {
    behind.insert(hole.meter_id);
    if (holes_logged_.insert(hole.meter_id).second) {
      spdlog::warn(
          "meter {}: the database's total {:.6g} is {:.6g} below the {:.6g} already published "
          "(was the database put back older, or cut off under durability \"normal\"?); "
          "the published total holds there until the meter has caught up",
          hole.meter_id, hole.stored, hole.published - hole.stored, hole.published);
    }
  }
  for (auto it = holes_logged_.begin(); it != holes_logged_.end();) {
    if (!behind.contains(*it)) {
      spdlog::info("meter {}: the database's total has caught up with the published one", *it);
      it = holes_logged_.erase(it);
    } else {
      ++it;
    }
  }
}

void Daemon::report_status() {
  check_totals();
  pipelines_.hand_on_rejections();
  const UtcTime now = time_.wall_now();
  for (const MeterLiveStatus &status : pipelines_.status(time_.monotonic_now())) {
    spdlog::info("{}", describe_status(status, now));
  }
  if (mqtt_) {
    const MqttStats mqtt_stats = mqtt_->stats();
    spdlog::info("mqtt: {}; {} batches, {} power reports, {} refused",
                 mqtt_stats.connected ? "connected" : "NOT connected", mqtt_stats.batches,
                 mqtt_stats.power_reports, mqtt_stats.refused);
  }
  if (mqtt_out_) {
    const publish::PublisherStats out = mqtt_out_->stats();
    spdlog::info("mqtt_out: {}; {} messages published",
                 out.connected ? "connected" : "NOT connected", out.messages);
  }
  for (const SourceHealth &source : gpio_sources_.health()) {
    if (!source.running) {
      spdlog::warn("{} (meter {}): DOWN since {} ({}); {} restarts so far", source.name,
                   source.meter_id, format_utc(*source.last_failure_at), source.last_failure,
                   source.restarts);
    } else if (!source.condition.empty()) {
      spdlog::warn("{} (meter {}): {}", source.name, source.meter_id, source.condition);
    }
  }
  const WriterStats stats = writer_.stats();
  if (!stats.failing_because.empty()) {
    spdlog::warn("writer: NOT storing ({}); {} pulses wait in memory, {} batches refused",
                 stats.failing_because, stats.queued_pulses, stats.refused_batches);
  } else if (stats.failed_commits > 0 || stats.refused_batches > 0) {
    spdlog::warn("writer: {} failed commits, {} refused batches, {} pulses waiting",
                 stats.failed_commits, stats.refused_batches, stats.queued_pulses);
  }
  sd_notify(0, ("STATUS=" + status_summary()).c_str());
}

void Daemon::feed_watchdog() {
  if (!watchdog_) {
    return;
  }
  const Micros limit = *watchdog_ / 2;
  const MonoTime now = time_.monotonic_now();
  const Micros in_commit = writer_.committing_for();
  const Micros loop_silent = now - MonoTime{Micros{loop_answered_.load()}};
  const Micros handlers_silent = now - MonoTime{Micros{handlers_answered_.load()}};
  // Asked every time, answered or not, so that the answers are fresh
  // again as soon as the loop and the handlers' thread run.
  boost::asio::post(io_,
                    [this] { loop_answered_ = time_.monotonic_now().time_since_epoch().count(); });
  boost::asio::post(handler_thread_, [this] {
    handlers_answered_ = time_.monotonic_now().time_since_epoch().count();
  });
  std::string stalled;
  if (in_commit > limit) {
    stalled = fmt::format("the writer has been in one commit for {:.1f} s",
                          std::chrono::duration<double>(in_commit).count());
  } else if (loop_silent > limit) {
    stalled = fmt::format("the API's event loop has not answered for {:.1f} s",
                          std::chrono::duration<double>(loop_silent).count());
  } else if (handlers_silent > limit) {
    stalled = fmt::format("the API has been in one request for {:.1f} s",
                          std::chrono::duration<double>(handlers_silent).count());
  }
  if (!stalled.empty()) {
    if (!watchdog_withheld_) {
      spdlog::error("watchdog: {}; not telling systemd that pulsemon is alive, so that it "
                    "restarts pulsemon if this lasts",
                    stalled);
      sd_notify(0, ("STATUS=stalled: " + stalled).c_str());
      watchdog_withheld_ = true;
    }
    return;
  }
  if (watchdog_withheld_) {
    spdlog::info("watchdog: the writer and the API answer again");
    watchdog_withheld_ = false;
  }
  sd_notify(0, "WATCHDOG=1");
}

std::string Daemon::status_summary() const {
  const WriterStats stats = writer_.stats();
  std::string summary = stats.failing_because.empty()
                            ? fmt::format("serving; {} pulses committed", stats.committed_pulses)
                            : fmt::format("serving; NOT storing ({}), {} pulses waiting",
                                          stats.failing_because, stats.queued_pulses);
  for (const TotalHole &hole : totals_.holes()) {
    summary += fmt::format("; meter {} total held {:g} above the database's", hole.meter_id,
                           hole.published - hole.stored);
  }
  for (const SourceHealth &source : gpio_sources_.health()) {
    if (!source.running) {
      summary += fmt::format("; {} DOWN ({}), restarting", source.name, source.last_failure);
    } else if (!source.condition.empty()) {
      summary += fmt::format("; {}: {}", source.name, source.condition);
    }
  }
  return summary;
}

void Daemon::stop() {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  sd_notify(0, "STOPPING=1");
  if (backups_) {
    backups_->stop(); // a copy in progress finishes first
  }
  for (auto &source : simulators_) {
    source->stop();
  }
  gpio_sources_.stop(); // hands any held pulses on before the writer stops
  if (mqtt_) {
    mqtt_->stop();
  }
  if (mqtt_out_) {
    mqtt_out_->stop(); // says "offline" on its status topic
  }
  if (feed_follower_) {
    feed_follower_->stop();
  }
  if (event_loop_) {
    event_loop_->stop();
  }
  pipelines_.hand_on_rejections();
  writer_.stop();
  totals_.save();
  if (run_) {
    try {
      run_->stop();
    } catch (const std::exception &failure) {
      spdlog::warn("could not record the stop (the next start counts from the last "
                   "heartbeat): {}",
                   failure.what());
    }
  }
  const WriterStats stats = writer_.stats();
  std::uint64_t accepted = 0;
  for (const MeterLiveStatus &status : pipelines_.status(time_.monotonic_now())) {
    accepted += status.filter.accepted;
  }
  spdlog::info("stopped: {} pulses accepted, {} committed, {} duplicates, {} not stored", accepted,
               stats.committed_pulses, stats.duplicate_pulses, stats.queued_pulses);
  if (stats.queued_pulses > 0) {
    throw Failure(ErrorCode::unavailable,
                  std::to_string(stats.queued_pulses) + " pulses could not be stored before exit");
  }
}

} // namespace pulsemon

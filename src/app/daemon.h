#pragma once
// The daemon `pulsemon serve` runs: it owns its parts and starts them in
// order (the writer, the pipelines, the API's event loop, the sources, the
// MQTT subscriber, the MQTT publisher), and stops them in the reverse order. Every part is a
// member that stops itself when destroyed, so a failure at any point of the
// start (a port in use, a source that cannot start) unwinds what had
// started and still commits the pulses already queued; nothing ends in
// std::terminate with a running thread.

#include "api/api.h"
#include "api/http/live_hub.h"
#include "api/http/server.h"
#include "app/backup_runner.h"
#include "app/config.h"
#include "app/run_record.h"
#include "clock/time_source.h"
#include "friends/friend_refresher.h"
#include "ingest/mqtt_ingest.h"
#include "pipeline/meter_pipeline.h"
#include "publish/mqtt_publisher.h"
#include "sources/clock_reader.h"
#include "sources/gpio/chip.h"
#include "sources/simulator/realtime_source.h"
#include "sources/source_supervisor.h"
#include "store/feed_follower.h"
#include "store/open_store.h"
#include "store/published_totals.h"
#include "store/pulse_bus.h"
#include "store/writer.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace pulsemon {

// What serve worked out from the config before any thread starts.
struct DaemonPlan {
  std::string host;
  unsigned short port = 0;
  std::string secret;
  std::vector<simulator::SourceSettings> simulators;
  std::vector<gpio::RequestedLine> gpio_lines; // requested already, one per config.gpio_lines
  // Requests a GPIO line again, to restart a source that died.
  std::function<gpio::RequestedLine(const gpio::LineSettings &)> request_gpio_line;
  BackoffSettings restart_backoff{};
  // This instance's name among several on one store: in the change feed,
  // to tell its own commits from the others' (instance_name()).
  std::string instance;
  // This instance's claims on its meters' sources, kept while it serves
  // (null: none to keep).
  std::unique_ptr<SourceClaims> source_claims;
  // The clocks every part reads and waits on (the writer, the API, the
  // MQTT publisher, the status and the watchdog).
  TimeSource *time = &real_time();
};

// "host-pid-random": unique among the instances on one store, and
// telling in a log.
[[nodiscard]] std::string instance_name();

class Daemon {
public:
  // Starts every part; throws (after stopping what had started and
  // committing what was queued) when one cannot start.
  Daemon(const Config &config, std::unique_ptr<Store> store, DaemonPlan plan);
  ~Daemon();
  Daemon(const Daemon &) = delete;
  Daemon &operator=(const Daemon &) = delete;

  // The API's port (the one the system chose when the plan said 0).
  [[nodiscard]] unsigned short port() const { return server_.port(); }

  // Serves, with a status line per meter every status interval, until one
  // of `signals` (blocked in every thread) arrives; returns its number.
  int run_until(const sigset_t &signals);

  // Stops every part in order and commits what is queued; throws Failure
  // when pulses could not be stored before exit. Called by the destructor
  // when not before (which then only logs).
  void stop();

private:
  // The API's event loop on a thread of its own; stopping it (or
  // destroying it) stops the server and the live stream, joins the thread
  // and then the hashing pool, whose answers are posted to that loop.
  class EventLoop {
  public:
    EventLoop(Daemon &daemon);
    ~EventLoop() { stop(); }
    EventLoop(const EventLoop &) = delete;
    EventLoop &operator=(const EventLoop &) = delete;
    void stop();

  private:
    Daemon &daemon_;
    std::thread thread_;
  };

  // The simulators, the GPIO sources and the MQTT subscriber, in order.
  void start_sources(const Config &config, DaemonPlan &plan);
  // On a store several instances share: the other instances' commits into
  // this one's bus.
  void follow_other_instances(const std::string &instance);
  // Takes the source claims again after the store's connection was lost,
  // and says in the log if another instance took a meter meanwhile.
  void keep_source_claims();
  // [mqtt_out]: publishes while this instance holds the claim on publishing
  // (always, on a store one process serves), stands by while another does.
  void publish_if_claimed();
  void start_publisher();
  void report_status();
  // Reads the meters again when the store changed, so that a meter added or
  // changed elsewhere (the CLI, another process) reaches its lane.
  void follow_meter_changes();
  // Compares each meter's stored total with the highest published one and
  // says in the log when the store falls behind it (a database put back
  // older) and when it has caught up.
  void check_totals();
  // One line for sd_notify STATUS (systemctl status): what is stored, and
  // any source that is down or waiting for the clock.
  [[nodiscard]] std::string status_summary() const;
  // Under systemd's watchdog (WatchdogSec=): WATCHDOG=1, but only while
  // the writer is not stuck in a commit and the API's event loop and its
  // handlers' thread answer, each for at most half the watchdog's time; otherwise systemd is left
  // to restart pulsemon.
  void feed_watchdog();

  const Config &config_;
  TimeSource &time_;
  std::unique_ptr<Store> store_;       // the writer's, from the writer's construction on
  std::vector<Meter> meters_at_start_; // read from store_ before the writer takes it
  PulseBus bus_;
  PulseWriter writer_;
  MeterPipelines pipelines_;
  std::unique_ptr<Store> api_store_;
  std::unique_ptr<Store>
      feed_store_; // the main thread's, for follow_meter_changes and check_totals
  ChangeToken meters_seen_at_;
  std::optional<RunRecord> run_; // this run, kept in feed_store_
  // The highest figures published per meter, kept beside the database.
  PublishedTotals totals_;
  std::set<std::int64_t> holes_logged_; // meters whose store is behind, said in the log
  ApiContext api_;
  http::Router router_;
  boost::asio::io_context io_;
  // Where the API's handlers run, off the event loop: every store call the
  // API makes happens here (http/server.h). After io_, so that the jobs it
  // drops at the end still find their connections' loop.
  boost::asio::thread_pool handler_thread_{1};
  http::LiveHub live_;
  http::Server server_;
  PulseBus::Subscription live_pulses_;
  std::optional<EventLoop> event_loop_; // started once the API's context is complete
  SystemClock system_clock_;
  std::vector<std::unique_ptr<simulator::RealtimeSource>> simulators_;
  SourceSupervisor gpio_sources_; // restarts a GPIO source that dies
  std::unique_ptr<MqttIngest> mqtt_;
  std::unique_ptr<publish::MqttPublisher> mqtt_out_;
  std::optional<FeedFollower> feed_follower_; // where the store has a change feed
  std::unique_ptr<SourceClaims> source_claims_;
  bool claims_failing_ = false;           // said in the log already
  bool standing_by_ = false;              // [mqtt_out] is another instance's now, said in the log
  std::string instance_;                  // DaemonPlan::instance
  bool serving_ = false;                  // started: failures are logged, no longer thrown
  bool publisher_failing_ = false;        // said in the log already
  std::unique_ptr<BackupRunner> backups_; // when [backup] dir is set
  std::unique_ptr<FriendRefresher> friends_;          // fetches the friends' shares
  std::optional<std::chrono::microseconds> watchdog_; // WATCHDOG_USEC, when systemd asks
  std::atomic<Micros::rep> loop_answered_{0};         // the monotonic time the event loop last ran
  std::atomic<Micros::rep> handlers_answered_{0};     // and the API's handlers' thread
  bool watchdog_withheld_ = false;
  bool stopped_ = false;
};

} // namespace pulsemon

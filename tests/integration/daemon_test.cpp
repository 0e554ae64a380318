// `pulsemon serve` as a real process on a real database file.
#include "support/daemon.h"
#include "support/database_file.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <optional>
#include <regex>

namespace pulsemon {
namespace {

using namespace std::chrono_literals;

class Daemon : public ::testing::Test {
protected:
  testing::TempDir dir;

  std::filesystem::path config() const { return dir / "data/pulsemon.toml"; }

  // A data folder whose simulator draws a steady 36 kW: 10 pulses a second
  // at 1000 imp/kWh, so a test sees pulses within a second.
  void init(const std::string &store_settings) const {
    (void)testing::init_data_folder(dir / "data", true);
    testing::edit_file(config(), "commit_interval_ms = 1000", store_settings);
    testing::edit_file(config(), "status_interval_s = 60", "status_interval_s = 1");
    testing::edit_file(config(), "\nprofile = \"household\"", "\nwatts = 36000");
  }

  std::int64_t stored_pulses() const {
    return testing::stored_pulse_count(dir / "data/pulsemon.db");
  }

  static std::int64_t accepted_in(const std::string &line) {
    std::smatch match;
    if (std::regex_search(line, match, std::regex("(\\d+) pulses accepted"))) {
      return std::stoll(match[1].str());
    }
    return -1;
  }

  // Waits for the status lines until at least `count` pulses were accepted;
  // returns how many (or -1 when the status lines stop).
  static std::int64_t wait_until_accepted(testing::Background &serve, std::int64_t count) {
    std::int64_t accepted = 0;
    while (accepted < count) {
      const auto status = serve.wait_for_line("pulses accepted", 20s);
      if (!status) {
        return -1;
      }
      accepted = accepted_in(*status);
    }
    return accepted;
  }

  // The daemon's last words, "stopped: A pulses accepted, C committed".
  struct Stopped {
    std::int64_t accepted = -1;
    std::int64_t committed = -1;
  };
  static std::optional<Stopped> stopped_in(const std::string &log) {
    std::smatch match;
    if (!std::regex_search(log, match, std::regex("(\\d+) pulses accepted, (\\d+) committed"))) {
      return std::nullopt;
    }
    return Stopped{std::stoll(match[1].str()), std::stoll(match[2].str())};
  }
  // SIGTERM, then: a clean exit, whose last line says every accepted pulse
  // (at least `accepted`) was committed, and the database holds them all.
  void expect_clean_stop_with_everything_committed(testing::Background &serve,
                                                   std::int64_t accepted) const {
    serve.signal(SIGTERM);
    const auto line = serve.wait_for_line("stopped:", 20s);
    ASSERT_TRUE(line) << serve.output();
    EXPECT_EQ(serve.wait(20s), 0) << serve.output();
    const auto stopped = stopped_in(*line);
    ASSERT_TRUE(stopped) << *line;
    EXPECT_GE(stopped->accepted, accepted);
    EXPECT_EQ(stopped->committed, stopped->accepted);
    EXPECT_EQ(stored_pulses(), stopped->accepted) << serve.output();
  }
};

TEST_F(Daemon, CommitsEverythingQueuedOnSigterm) {
  // A commit interval far longer than the test: whatever is stored was
  // stored by the shutdown.
  init("commit_interval_ms = 60000");
  testing::Background serve(testing::pulsemon_binary(),
                            {"-c", config().string(), "serve", "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(serve.wait_for_line("serving", 20s)) << serve.output();
  const std::int64_t accepted = wait_until_accepted(serve, 10);
  ASSERT_GE(accepted, 10) << serve.output();
  EXPECT_EQ(stored_pulses(), 0) << "nothing is committed before the interval or the stop";

  expect_clean_stop_with_everything_committed(serve, accepted);
}

TEST_F(Daemon, CommitsWhileRunningAtTheCommitIntervalAndStopsOnSigint) {
  init("commit_interval_ms = 200");
  testing::Background serve(testing::pulsemon_binary(),
                            {"-c", config().string(), "serve", "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(serve.wait_for_line("serving", 20s)) << serve.output();
  std::int64_t stored = 0;
  for (int i = 0; i < 100 && stored < 5; ++i) {
    serve.wait_for_line("pulses accepted", 1s);
    stored = stored_pulses();
  }
  EXPECT_GE(stored, 5) << serve.output();
  serve.signal(SIGINT);
  EXPECT_EQ(serve.wait(20s), 0) << serve.output();
  EXPECT_GE(stored_pulses(), stored);
}

// `meter set` and `meter add` from the CLI, another process, while serve
// runs: the running lane takes the new filter at once (pulses 100 ms apart
// against a 150 ms minimum: every other one is now a bounce), and the new
// meter gets a lane of its own, without a restart.
TEST_F(Daemon, AMeterChangedOrAddedWithTheCliReachesTheRunningDaemon) {
  init("commit_interval_ms = 100");
  auto daemon = testing::start_daemon(config());
  testing::Background &serve = *daemon.process;
  ASSERT_GE(wait_until_accepted(serve, 10), 10) << serve.output();
  const std::regex bounces("too_close [1-9]");
  EXPECT_FALSE(std::regex_search(serve.output(), bounces)) << "no bounce before";

  const auto cli = [this](std::vector<std::string> args) {
    args.insert(args.begin(), {"-c", config().string()});
    return testing::run(testing::pulsemon_binary(), args);
  };
  const auto set = cli({"meter", "set", "1", "min_interval_ms=150"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_NE(set.out.find("a running 'pulsemon serve' applies it within a second"),
            std::string::npos)
      << set.out;
  EXPECT_TRUE(serve.wait_for_line("changed settings apply from now on", 10s)) << serve.output();
  for (int i = 0; i < 100 && !std::regex_search(serve.output(), bounces); ++i) {
    (void)serve.wait_for_line("pulses accepted", 2s);
  }
  EXPECT_TRUE(std::regex_search(serve.output(), bounces)) << serve.output();

  const auto added = cli(
      {"meter", "add", "--id", "5", "--name", "Added", "--kind", "electricity", "--ppu", "1000"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  EXPECT_TRUE(serve.wait_for_line("meter 5 'Added' was added", 10s)) << serve.output();
  EXPECT_TRUE(serve.wait_for_line("meter 5 'Added': ", 10s)) << "its lane reports its status";
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait(20s), 0) << serve.output();
}

TEST_F(Daemon, RefusesToStartWhenASimulatorFeedsAMissingMeter) {
  init("commit_interval_ms = 1000");
  std::ofstream(config(), std::ios::app) << "\n[[simulator]]\nmeter = 9\n";
  const auto done = testing::run(testing::pulsemon_binary(), {"-c", config().string(), "serve"});
  EXPECT_EQ(done.exit_code, 2);
  EXPECT_NE(done.err.find("simulator[1].meter"), std::string::npos) << done.err;
}

// A port on loopback that nothing listens on any more.
unsigned short closed_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

// Start-up stopped at each stage ends as a clean exit: the parts that had
// started stop in order, what was queued is committed, and nothing ends in
// std::terminate (which a thread still running at an exception used to).
TEST_F(Daemon, APortInUseStopsTheStartCleanly) {
  init("commit_interval_ms = 1000");
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor taken(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  const std::string address = "127.0.0.1:" + std::to_string(taken.local_endpoint().port());
  const auto done = testing::run(testing::pulsemon_binary(),
                                 {"-c", config().string(), "serve", "--listen", address});
  EXPECT_EQ(done.exit_code, 1) << done.err;
  EXPECT_NE(done.err.find("cannot listen on " + address), std::string::npos) << done.err;
  EXPECT_EQ(done.err.find("terminate"), std::string::npos) << done.err;
}

TEST_F(Daemon, AnMqttSubscriberThatCannotStartStopsTheStartCleanly) {
  // libmosquitto refuses an empty client id, so the subscriber fails in its
  // constructor: after the API's event loop and the simulator have started.
  init("commit_interval_ms = 60000");
  std::ofstream(config(), std::ios::app)
      << "\n[mqtt]\nbroker = \"127.0.0.1:" << closed_port() << "\"\nclient_id = \"\"\n";
  const auto done = testing::run(testing::pulsemon_binary(),
                                 {"-c", config().string(), "serve", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(done.exit_code, 1) << done.out << done.err;
  EXPECT_NE(done.err.find("mqtt: cannot create a client with client_id"), std::string::npos)
      << done.err;
  EXPECT_EQ(done.err.find("terminate"), std::string::npos) << done.err;
  const std::string log = done.out + done.err;
  EXPECT_NE(log.find("is fed by a simulated"), std::string::npos) << "the simulator had started";
  const auto stopped = stopped_in(log);
  ASSERT_TRUE(stopped) << log;
  EXPECT_EQ(stopped->committed, stopped->accepted) << "whatever was accepted was committed";
  EXPECT_EQ(stored_pulses(), stopped->committed);
}

TEST_F(Daemon, AnUnreachableBrokerStillLetsTheDaemonStopWithEveryPulseCommitted) {
  init("commit_interval_ms = 60000");
  std::ofstream(config(), std::ios::app)
      << "\n[mqtt]\nbroker = \"127.0.0.1:" << closed_port() << "\"\n";
  testing::Background serve(testing::pulsemon_binary(),
                            {"-c", config().string(), "serve", "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(serve.wait_for_line("serving", 20s)) << serve.output();
  const std::int64_t accepted = wait_until_accepted(serve, 10);
  ASSERT_GE(accepted, 10) << serve.output();
  ASSERT_TRUE(serve.wait_for_line("mqtt: NOT connected", 20s)) << serve.output();
  expect_clean_stop_with_everything_committed(serve, accepted);
}

} // namespace
} // namespace pulsemon

// GET /metrics of a real daemon with a simulated meter: Prometheus's own
// promtool accepts the text, it opens with the metrics token or a login and
// to nothing else, and under load its counters only grow between scrapes.
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <csignal>

#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

namespace pulsemon {
namespace {

using namespace std::chrono_literals;

// "name{labels} value" lines → series → value (comments skipped).
std::map<std::string, double> samples_of(const std::string &text) {
  std::map<std::string, double> samples;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line.starts_with('#')) {
      continue;
    }
    const auto space = line.rfind(' ');
    samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return samples;
}

bool is_counter_like(const std::string &series) {
  const std::string name = series.substr(0, series.find('{'));
  return name.ends_with("_total") || name.ends_with("_bucket") || name.ends_with("_count") ||
         name.ends_with("_sum");
}

TEST(Metrics, PromtoolAcceptsThemTheyNeedATokenAndCountersOnlyGrow) {
  testing::TempDir dir;
  const auto config = testing::init_steady_data_folder(dir / "data");
  const std::string token(64, 'a');
  std::ofstream(dir / "data/metrics.token") << token << "\n";
  std::filesystem::permissions(dir / "data/metrics.token", std::filesystem::perms::owner_read);
  std::ofstream(config, std::ios::app) << "\n[metrics]\ntoken_file = \"metrics.token\"\n";
  auto daemon = testing::start_daemon(config);
  for (int i = 0; i < 5; ++i) {
    (void)testing::http_request(daemon.port, "GET", "/healthz"); // for the HTTP counts
  }

  const std::map<std::string, std::string> bearer{{"Authorization", "Bearer " + token}};
  const auto stored = [](const std::map<std::string, double> &samples) {
    for (const auto &[series, value] : samples) {
      if (series.starts_with("pulsemon_pulses_stored_total{meter=\"1\"")) {
        return value;
      }
    }
    return -1.0;
  };
  // Scrapes until the stored pulses pass `above` (the simulated meter
  // pulses about once a second; the writer commits every second): waits
  // for what the test needs rather than a guessed time, at most 20 s.
  const auto scrape_once_stored_above = [&](double above) {
    testing::HttpResult scraped;
    for (int i = 0; i < 200; ++i) {
      scraped = testing::http_request(daemon.port, "GET", "/metrics", "", bearer);
      if (scraped.status != 200U || stored(samples_of(scraped.body)) > above) {
        break;
      }
      std::this_thread::sleep_for(100ms);
    }
    return scraped;
  };
  const auto first = scrape_once_stored_above(0.0);
  ASSERT_EQ(first.status, 200U) << first.body;
  EXPECT_EQ(first.headers.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");

  const auto checked = testing::run("/usr/bin/promtool", {"check", "metrics"}, first.body);
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err << first.body;

  for (const char *family :
       {"pulsemon_pulses_stored_total{meter=\"1\"", "pulsemon_energy_joules_total{meter=\"1\"",
        "pulsemon_power_watts{meter=\"1\"", "pulsemon_writer_commit_seconds_bucket",
        "pulsemon_http_requests_total{route=", "pulsemon_build_info{version="}) {
    EXPECT_NE(first.body.find(family), std::string::npos) << family << " is missing:\n"
                                                          << first.body;
  }

  // Load between the scrapes: pulses keep coming, the API is asked.
  for (int i = 0; i < 50; ++i) {
    (void)testing::http_request(daemon.port, "GET", "/healthz");
  }
  const auto before = samples_of(first.body);
  const auto second = scrape_once_stored_above(stored(before));
  ASSERT_EQ(second.status, 200U);
  const auto after = samples_of(second.body);
  std::size_t counters = 0;
  for (const auto &[series, value] : before) {
    if (!is_counter_like(series) || !after.contains(series)) {
      continue;
    }
    ++counters;
    EXPECT_GE(after.at(series), value) << series << " went down";
  }
  EXPECT_GT(counters, 10U);
  EXPECT_GT(stored(after), stored(before)) << "pulses kept coming";
  EXPECT_GT(stored(before), 0.0);

  // Not open by accident.
  EXPECT_EQ(testing::http_request(daemon.port, "GET", "/metrics").status, 401U);
  EXPECT_EQ(testing::http_request(daemon.port, "GET", "/metrics", "",
                                  {{"Authorization", "Bearer " + std::string(64, 'b')}})
                .status,
            401U);
}

// A metrics token file that is not a small private file with one token is
// refused at start with a message naming it: never read without a bound
// (a symlink to /dev/zero once took the daemon to 16.5 GB), never waited on
// (a FIFO), never taken when others can read it or with spaces in it.
TEST(Metrics, ATokenFileThatIsNotOneTokenInAPrivateFileIsRefusedAtStart) {
  testing::TempDir dir;
  const auto config = testing::init_steady_data_folder(dir / "data");
  std::ofstream(config, std::ios::app) << "\n[metrics]\ntoken_file = \"metrics.token\"\n";
  const auto token_file = dir / "data/metrics.token";
  using std::filesystem::perms;
  const std::vector<std::pair<std::string, std::function<void()>>> cases{
      {"is not a regular file", [&] { std::filesystem::create_symlink("/dev/zero", token_file); }},
      {"is not a regular file", [&] { ASSERT_EQ(::mkfifo(token_file.c_str(), 0600), 0); }},
      {"readable or writable by other users",
       [&] {
         std::ofstream(token_file) << std::string(64, 'a') << "\n";
         std::filesystem::permissions(token_file, perms::owner_read | perms::owner_write |
                                                      perms::group_read | perms::others_read);
       }},
      {"without spaces",
       [&] {
         std::ofstream(token_file) << std::string(32, 'a') << " " << std::string(32, 'b') << "\n";
         std::filesystem::permissions(token_file, perms::owner_read);
       }},
      {"without spaces",
       [&] {
         std::ofstream(token_file) << std::string(64, 'a') << "\n" << std::string(64, 'b');
         std::filesystem::permissions(token_file, perms::owner_read);
       }},
      {"holds more than", [&] {
         std::ofstream(token_file) << std::string(100'000, 'a');
         std::filesystem::permissions(token_file, perms::owner_read);
       }}};
  for (const auto &[expected, make] : cases) {
    std::filesystem::remove(token_file);
    make();
    testing::Background serve(testing::pulsemon_binary(),
                              {"-c", config.string(), "serve", "--listen", "127.0.0.1:0"});
    const int exit_code = serve.wait(std::chrono::seconds{20});
    if (exit_code == -1) {
      serve.signal(SIGKILL);
      (void)serve.wait(std::chrono::seconds{5});
    }
    EXPECT_EQ(exit_code, 2) << expected << ": " << serve.output();
    EXPECT_NE(serve.output().find("metrics.token_file"), std::string::npos) << serve.output();
    EXPECT_NE(serve.output().find(expected), std::string::npos) << serve.output();
  }
}

} // namespace
} // namespace pulsemon

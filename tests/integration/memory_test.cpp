// The daemon's resident memory does not grow with the pulse rate: a
// simulated meter at 100 pulses a second (a 10 000 imp/kWh meter at 36 kW)
// took it to 372 MB in 4 seconds, because the simulator made a whole day of
// pulses at once. Sampled at the start and the end of bounded runs; the
// sanitizers' shadow memory and quarantine make the figure meaningless
// there, so those builds skip.
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <thread>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PULSEMON_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define PULSEMON_SANITIZED 1
#endif
#endif

namespace pulsemon {
namespace {

using namespace std::chrono_literals;
using testing::Completed;

constexpr double limit_mb = 30.0;

double resident_mb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::stod(line.substr(6)) / 1024.0;
    }
  }
  return -1.0;
}

class Memory : public ::testing::Test {
protected:
  testing::TempDir dir;
  std::filesystem::path config;

  void SetUp() override {
#ifdef PULSEMON_SANITIZED
    GTEST_SKIP() << "resident memory is not the daemon's own under a sanitizer";
#endif
    config = dir / "data/pulsemon.toml";
  }

  Completed cli(std::vector<std::string> args, const std::string &input = {}) const {
    args.insert(args.begin(), {"-c", config.string()});
    return testing::run(testing::pulsemon_binary(), args, input);
  }
};

TEST_F(Memory, StaysBoundedAtAHundredPulsesASecond) {
  (void)testing::init_data_folder(dir / "data", true);
  ASSERT_EQ(cli({"meter", "set", "1", "ppu=10000"}).exit_code, 0);
  testing::edit_file(config, "\nprofile = \"household\"", "\nwatts = 36000");
  auto daemon = testing::start_daemon(config);
  std::this_thread::sleep_for(2s);
  const double start = resident_mb(daemon.process->pid());
  std::this_thread::sleep_for(6s);
  const double end = resident_mb(daemon.process->pid());
  EXPECT_GT(start, 0.0);
  EXPECT_LT(start, limit_mb);
  EXPECT_LT(end, limit_mb) << "at the start " << start << " MB";

  daemon.process->signal(SIGTERM);
  ASSERT_EQ(daemon.process->wait(30s), 0);
  const auto meters = nlohmann::json::parse(cli({"meter", "list", "--json"}).out);
  EXPECT_GT(meters[0]["pulses"].get<std::int64_t>(), 500) << "the pulses did flow";
}

TEST_F(Memory, StaysBoundedThroughAnIngestBurstOfAHundredThousandPulses) {
  (void)testing::init_data_folder(dir / "data", false);
  ASSERT_EQ(
      cli({"meter", "add", "--id", "1", "--name", "S0", "--kind", "electricity", "--ppu", "10000"})
          .exit_code,
      0);
  const Completed key_added = cli({"key", "add", "--meter", "1"});
  std::smatch match;
  ASSERT_TRUE(std::regex_search(key_added.out, match, std::regex("pmk_\\d+_[0-9a-f]{32}")));
  const std::string key = match.str();
  auto daemon = testing::start_daemon(config);
  const double start = resident_mb(daemon.process->pid());

  constexpr std::int64_t base_us = 1'767'225'600LL * 1'000'000; // 2026-01-01
  for (std::int64_t batch = 0; batch < 10; ++batch) {
    std::vector<std::int64_t> pulses(10'000);
    for (std::int64_t i = 0; i < 10'000; ++i) {
      pulses[static_cast<std::size_t>(i)] = base_us + (batch * 10'000 + i) * 10'000;
    }
    const nlohmann::json body{
        {"node", "burst"}, {"boot", 1}, {"seq", batch + 1}, {"meter", 1}, {"pulses", pulses}};
    const auto answer = testing::http_request(
        daemon.port, "POST", "/api/ingest", body.dump(),
        {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + key}});
    ASSERT_EQ(answer.status, 200U) << answer.body;
    EXPECT_EQ(nlohmann::json::parse(answer.body)["accepted"], 10'000);
  }
  const double end = resident_mb(daemon.process->pid());
  EXPECT_LT(start, limit_mb);
  EXPECT_LT(end, limit_mb) << "at the start " << start << " MB";
}

} // namespace
} // namespace pulsemon

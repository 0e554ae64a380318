// A store that cannot be written (here: a file-size limit of 0 set on the
// running daemon, so every write fails with EFBIG, as on a full disk): the
// daemon says so, keeps the simulator's pulses in memory, and stores every
// one of them by itself once writing works again.
#include "support/daemon.h"
#include "support/database_file.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>

namespace pulsemon {
namespace {

using namespace std::chrono_literals;

std::vector<std::int64_t> stored_pulses(const std::filesystem::path &database) {
  return testing::stored_pulse_times(database, 1);
}

void set_file_size_limit(pid_t pid, rlim_t limit) {
  const rlimit value{limit, RLIM_INFINITY};
  ASSERT_EQ(::prlimit(pid, RLIMIT_FSIZE, &value, nullptr), 0) << std::strerror(errno);
}

TEST(DiskFull, TheDaemonSaysSoKeepsThePulsesAndStoresThemWhenItCanAgain) {
  testing::TempDir dir;
  testing::init_data_folder(dir / "data", true);
  const auto config = dir / "data/pulsemon.toml";
  const auto database = dir / "data/pulsemon.db";
  // A pulse every 100 ms, exactly: any lost pulse shows as a longer interval.
  testing::edit_file(config, "\nprofile = \"household\"", "\nwatts = 36000");
  testing::edit_file(config, "status_interval_s = 60", "status_interval_s = 1");
  auto daemon = testing::start_daemon(config);
  for (int i = 0; i < 100 && stored_pulses(database).empty(); ++i) {
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_FALSE(stored_pulses(database).empty()) << daemon.process->output();

  set_file_size_limit(daemon.process->pid(), 0);
  ASSERT_TRUE(daemon.process->wait_for_line("writer: cannot store pulses", 20s))
      << daemon.process->output();
  ASSERT_TRUE(daemon.process->wait_for_line("NOT storing", 10s)) << daemon.process->output();
  const std::size_t while_full = stored_pulses(database).size();
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(stored_pulses(database).size(), while_full) << "stored although writes fail";

  set_file_size_limit(daemon.process->pid(), RLIM_INFINITY);
  ASSERT_TRUE(daemon.process->wait_for_line("writer: storing again", 20s))
      << daemon.process->output();
  std::this_thread::sleep_for(1500ms);
  daemon.process->signal(SIGTERM);
  EXPECT_EQ(daemon.process->wait(30s), 0) << daemon.process->output();

  const std::vector<std::int64_t> times = stored_pulses(database);
  ASSERT_GT(times.size(), while_full + 30) << "the pulses of the outage were not stored";
  for (std::size_t i = 1; i < times.size(); ++i) {
    ASSERT_LT(times[i] - times[i - 1], 150'000) << "pulses lost before pulse " << i;
  }
}

std::uintmax_t wal_bytes(const std::filesystem::path &database) {
  std::error_code ignored;
  const auto size = std::filesystem::file_size(database.string() + "-wal", ignored);
  return ignored ? 0 : size;
}

// On a 3 MiB file system the write-ahead log filled the disk and kept its
// 3 MB after space came back and after a clean stop: SQLite reuses the log
// but never shrinks it. It is truncated once writing works again, and at
// the stop. A node's upload refused meanwhile is logged, not only answered.
TEST(DiskFull, TheWriteAheadLogGivesItsSpaceBackAndRefusedUploadsAreLogged) {
  testing::TempDir dir;
  testing::init_data_folder(dir / "data", false);
  const auto config = dir / "data/pulsemon.toml";
  const auto database = dir / "data/pulsemon.db";
  const auto cli = [&config](std::vector<std::string> args) {
    args.insert(args.begin(), {"-c", config.string()});
    return testing::run(testing::pulsemon_binary(), args);
  };
  ASSERT_EQ(
      cli({"meter", "add", "--id", "1", "--name", "S0", "--kind", "electricity", "--ppu", "10000"})
          .exit_code,
      0);
  const testing::Completed key_added = cli({"key", "add", "--meter", "1"});
  const auto key_at = key_added.out.find("pmk_");
  ASSERT_NE(key_at, std::string::npos) << key_added.out;
  const std::string key =
      key_added.out.substr(key_at, key_added.out.find_first_of(" \n", key_at) - key_at);
  auto daemon = testing::start_daemon(config);

  constexpr std::int64_t base_us = 1'767'225'600LL * 1'000'000;
  const auto upload = [&](std::int64_t seq) {
    std::vector<std::int64_t> pulses(10'000);
    for (std::size_t i = 0; i < pulses.size(); ++i) {
      pulses[i] = base_us + (seq * 10'000 + static_cast<std::int64_t>(i)) * 10'000;
    }
    const nlohmann::json body{
        {"node", "s0"}, {"boot", 1}, {"seq", seq}, {"meter", 1}, {"pulses", pulses}};
    return testing::http_request(
        daemon.port, "POST", "/api/ingest", body.dump(),
        {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + key}});
  };
  std::int64_t seq = 1;
  for (; seq <= 8; ++seq) {
    ASSERT_EQ(upload(seq).status, 200U);
  }
  const std::uintmax_t grown = wal_bytes(database);
  ASSERT_GT(grown, 1'000'000U) << "80 000 pulses should have grown the log";

  set_file_size_limit(daemon.process->pid(), 0);
  const testing::HttpResult refused = upload(seq);
  EXPECT_EQ(refused.status, 503U) << refused.body;
  ASSERT_TRUE(daemon.process->wait_for_line("ingest: cannot store node s0's batch", 10s))
      << daemon.process->output();
  for (int again = 0; again < 5; ++again) {
    EXPECT_EQ(upload(seq).status, 503U) << "resent while the disk is still full";
  }

  set_file_size_limit(daemon.process->pid(), RLIM_INFINITY);
  ASSERT_EQ(upload(seq).status, 200U) << "the node resends, and now it is stored";
  ASSERT_TRUE(daemon.process->wait_for_line("ingest: storing node batches again", 10s));
  EXPECT_LT(wal_bytes(database), grown / 4) << "the log kept the space it had grown to";

  daemon.process->signal(SIGTERM);
  EXPECT_EQ(daemon.process->wait(30s), 0) << daemon.process->output();
  EXPECT_EQ(wal_bytes(database), 0U) << "a clean stop leaves no log behind";
  const auto said = [&](const std::string &text) {
    std::size_t times = 0;
    for (auto at = daemon.process->output().find(text); at != std::string::npos;
         at = daemon.process->output().find(text, at + 1)) {
      ++times;
    }
    return times;
  };
  EXPECT_EQ(said("cannot store node s0's batch"), 1U) << "once per episode, not per upload";
  EXPECT_EQ(said("answered 503"), 0U) << daemon.process->output();
  EXPECT_EQ(testing::stored_pulse_times(database, 1).size(), 90'000U);
}

} // namespace
} // namespace pulsemon

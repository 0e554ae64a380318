// A store that cannot be written (here: a file-size limit of 0 set on the
// running daemon, so every write fails with EFBIG, as on a full disk): the
// daemon says so, keeps the simulator's pulses in memory, and stores every
// one of them by itself once writing works again.
#include "support/daemon.h"
#include "support/database_file.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

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

} // namespace
} // namespace pulsemon

// `pulsemon serve` under a stand-in for systemd: $NOTIFY_SOCKET points at
// the test's socket and $WATCHDOG_USEC asks for watchdog pings, as a unit
// with Type=notify and WatchdogSec=2 would. READY=1 and readable STATUS=
// lines arrive, WATCHDOG=1 comes while all is well and stops while the
// writer is stuck in a commit (another process holds the database's write
// lock, so SQLite waits in its busy handler), and comes again after.
#include "support/daemon.h"
#include "support/notify_socket.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>

namespace pulsemon {
namespace {

using namespace std::chrono_literals;
using Message = testing::NotifySocket::Message;

std::size_t pings_in(const std::vector<Message> &messages) {
  return static_cast<std::size_t>(std::count_if(
      messages.begin(), messages.end(), [](const Message &m) { return m.text == "WATCHDOG=1"; }));
}

// The longest time between two pings in `messages` (or from `from` to the first).
std::chrono::steady_clock::duration longest_silence(const std::vector<Message> &messages,
                                                    std::chrono::steady_clock::time_point from,
                                                    std::chrono::steady_clock::time_point to) {
  std::chrono::steady_clock::duration longest{};
  auto last = from;
  for (const Message &message : messages) {
    if (message.text == "WATCHDOG=1") {
      longest = std::max(longest, message.at - last);
      last = message.at;
    }
  }
  return std::max(longest, to - last);
}

TEST(Systemd, ReadyStatusAndWatchdogPingsThatStopWhileTheWriterIsStuck) {
  testing::TempDir dir;
  const auto config = testing::init_steady_data_folder(dir / "data");

  testing::NotifySocket systemd(dir / "notify");
  ::setenv("WATCHDOG_USEC", "2000000", 1); // NOLINT(concurrency-mt-unsafe): before any thread
  auto daemon = testing::start_daemon(config);
  ::unsetenv("WATCHDOG_USEC"); // NOLINT(concurrency-mt-unsafe)

  ASSERT_TRUE(systemd.wait_for("READY=1")) << daemon.process->output();
  const auto healthy = systemd.read_for(2s);
  EXPECT_GE(pings_in(healthy), 3U) << "one ping every half second";

  // Another process takes the database's write lock and keeps it: the
  // writer's next commit waits in SQLite's busy handler (5 s).
  sqlite3 *other = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "data/pulsemon.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  const auto locked_at = std::chrono::steady_clock::now();
  const auto stalled = systemd.read_for(4s);
  const auto released_at = std::chrono::steady_clock::now();
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);

  EXPECT_TRUE(std::any_of(stalled.begin(), stalled.end(), [](const Message &m) {
    return m.text.starts_with("STATUS=stalled: the writer has been in one commit");
  })) << daemon.process->output();
  EXPECT_GE(longest_silence(stalled, locked_at, released_at), 2s)
      << "no ping for longer than WatchdogSec, so systemd would restart pulsemon";

  EXPECT_TRUE(systemd.wait_for("WATCHDOG=1", 8s)) << "pings again once commits end";
  EXPECT_TRUE(daemon.process->wait_for_line("the writer and the API answer again", 10s))
      << daemon.process->output();

  daemon.process->signal(SIGTERM);
  EXPECT_TRUE(systemd.wait_for("STOPPING=1"));
  EXPECT_EQ(daemon.process->wait(20s), 0) << daemon.process->output();
  const auto &all = systemd.all();
  EXPECT_TRUE(std::any_of(all.begin(), all.end(), [](const Message &m) {
    return m.text.find("STATUS=serving") != std::string::npos;
  }));
}

} // namespace
} // namespace pulsemon

// pulsemon backup and restore against the real binary: a copy taken while
// a meter pulses 100 times a second and a node uploads is the store at one
// moment; a copy killed half-way or short of disk never passes as a
// backup; restore refuses while a daemon serves, keeps what it replaces,
// and the daemon then serves the backup's totals.
#include "support/daemon.h"
#include "support/database_file.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <fstream>
#include <map>
#include <regex>
#include <thread>

namespace pulsemon {
namespace {

using namespace std::chrono_literals;
using testing::Completed;

Completed cli(const std::filesystem::path &config, std::vector<std::string> args) {
  args.insert(args.begin(), {"-c", config.string()});
  return testing::run(testing::pulsemon_binary(), args);
}

std::int64_t count_of(const std::filesystem::path &database, const std::string &sql) {
  const auto rows = testing::rows_of(database, sql);
  return rows.empty() ? -1 : std::stoll(rows.front());
}

std::vector<std::filesystem::path> files_in(const std::filesystem::path &folder,
                                            const std::string &ending) {
  std::vector<std::filesystem::path> found;
  for (const auto &entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().string().ends_with(ending)) {
      found.push_back(entry.path());
    }
  }
  return found;
}

std::vector<std::string> files_in_sorted(const std::filesystem::path &folder) {
  std::vector<std::string> names;
  for (const auto &file : files_in(folder, ".db")) {
    names.push_back(file.filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// The copy is consistent in itself: its per-meter counts and every rollup
// equal what its pulses say.
void expect_consistent(const std::filesystem::path &copy) {
  EXPECT_EQ(testing::rows_of(copy, "PRAGMA integrity_check"), std::vector<std::string>{"ok"});
  const auto pulses = testing::stored_pulses(copy);
  for (const std::string &row :
       testing::rows_of(copy, "SELECT meter_id, pulses FROM meter_stats")) {
    const auto bar = row.find('|');
    const auto meter = pulses.find(std::stoll(row.substr(0, bar)));
    EXPECT_EQ(std::stoll(row.substr(bar + 1)),
              meter == pulses.end() ? 0 : static_cast<std::int64_t>(meter->second.size()))
        << "a meter's count is not its pulses': " << row;
  }
  for (const int slot : {900, 3600, 86400}) {
    // meter|slot_start|pulses, as the rollups keep them and as the pulses say.
    std::vector<std::string> rebuilt;
    for (const auto &[meter_id, times] : pulses) {
      std::map<std::int64_t, std::int64_t> slots;
      for (const std::int64_t us : times) {
        ++slots[us / 1'000'000 / slot * slot];
      }
      for (const auto &[start, n] : slots) {
        rebuilt.push_back(std::to_string(meter_id) + "|" + std::to_string(start) + "|" +
                          std::to_string(n));
      }
    }
    std::vector<std::string> kept =
        testing::rows_of(copy, "SELECT meter_id, slot_start, pulses FROM rollups WHERE "
                               "slot_seconds = " +
                                   std::to_string(slot) + " AND pulses != 0");
    std::sort(rebuilt.begin(), rebuilt.end());
    std::sort(kept.begin(), kept.end());
    EXPECT_EQ(kept, rebuilt) << "rollups of " << slot << " s differ from a rebuild";
  }
}

TEST(Backup, ACopyTakenWhilePulsesArriveIsTheStoreAtOneMoment) {
  testing::TempDir dir;
  const auto config = testing::init_steady_data_folder(dir / "data");
  // 36 kW at 10 000 imp/kWh: 100 pulses a second.
  ASSERT_EQ(cli(config, {"meter", "set", "1", "ppu=10000"}).exit_code, 0);
  const Completed key_made = cli(config, {"key", "add", "--meter", "1", "--name", "hall"});
  std::smatch match;
  ASSERT_TRUE(std::regex_search(key_made.out, match, std::regex("pmk_\\d+_[0-9a-f]{32}")));
  const std::string key = match.str();
  auto daemon = testing::start_daemon(config);

  // A node uploads batches without a pause meanwhile.
  std::atomic<bool> uploading{true};
  std::atomic<int> uploads{0};
  std::thread node([&] {
    for (std::int64_t seq = 1; uploading; ++seq) {
      nlohmann::json pulses = nlohmann::json::array();
      for (int i = 0; i < 20; ++i) {
        pulses.push_back(std::int64_t{1'600'000'000'000'000} + seq * 20'000'000 + i * 1'000'000);
      }
      const nlohmann::json batch = {
          {"node", "hall"}, {"boot", 1}, {"seq", seq}, {"meter", 1}, {"pulses", pulses}};
      if (testing::http_request(
              daemon.port, "POST", "/api/ingest", batch.dump(),
              {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + key}})
              .status == 200U) {
        ++uploads;
      }
    }
  });
  const auto database = dir / "data/pulsemon.db";
  for (int i = 0; i < 100 && testing::stored_pulse_count(database) < 300; ++i) {
    std::this_thread::sleep_for(100ms);
  }
  const Completed backup = cli(config, {"backup", "--to", (dir / "copies").string() + "/"});
  const int uploads_during = uploads;
  std::this_thread::sleep_for(300ms);
  uploading = false;
  node.join();
  ASSERT_EQ(backup.exit_code, 0) << backup.out << backup.err;
  EXPECT_GT(uploads.load(), uploads_during) << "the daemon kept taking uploads";

  const auto copies = files_in(dir / "copies", ".db");
  ASSERT_EQ(copies.size(), 1U);
  EXPECT_TRUE(files_in(dir / "copies", ".partial").empty());
  EXPECT_EQ(files_in(dir / "copies", ".toml").size(), 1U) << "the config beside it";
  EXPECT_TRUE(files_in(dir / "copies", ".jwt.secret").empty()) << "no secret unless asked";
  const auto copy = copies.front();
  EXPECT_EQ(std::filesystem::status(copy).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none)
      << "a backup holds password hashes";
  EXPECT_FALSE(std::filesystem::exists(copy.string() + "-wal")) << "one file, no log beside it";
  expect_consistent(copy);

  daemon.process->signal(SIGTERM);
  ASSERT_EQ(daemon.process->wait(30s), 0);
  // None torn, none from after: every pulse of the copy is in the store,
  // and the store went on past it.
  const std::vector<std::int64_t> in_copy = testing::stored_pulse_times(copy, 1);
  const std::vector<std::int64_t> in_store = testing::stored_pulse_times(database, 1);
  EXPECT_GT(in_copy.size(), 300U);
  EXPECT_GT(in_store.size(), in_copy.size());
  EXPECT_TRUE(std::includes(in_store.begin(), in_store.end(), in_copy.begin(), in_copy.end()))
      << "pulses in the copy that the store never had";
  // The meter's statistics in the copy are those of the same moment.
  EXPECT_EQ(count_of(copy, "SELECT pulses FROM meter_stats WHERE meter_id = 1"),
            static_cast<std::int64_t>(in_copy.size()));
}

TEST(Backup, ACopyKilledHalfWayOrShortOfDiskNeverPassesAsABackup) {
  testing::TempDir dir;
  testing::init_data_folder(dir / "data", true);
  const auto config = dir / "data/pulsemon.toml";
  // A year of a household: a copy that takes a moment.
  ASSERT_EQ(cli(config, {"simulate", "--meter", "1", "--days", "365"}).exit_code, 0);
  const auto copies = dir / "copies";
  ASSERT_EQ(cli(config, {"backup", "--to", copies.string() + "/"}).exit_code, 0);
  const auto good = files_in(copies, ".db");
  ASSERT_EQ(good.size(), 1U);
  std::this_thread::sleep_for(1100ms); // the next copy's name is a second later

  for (const auto pause : {0ms, 5ms, 20ms, 60ms}) {
    testing::Background copying(testing::pulsemon_binary(),
                                {"-c", config.string(), "backup", "--to", copies.string() + "/"});
    std::this_thread::sleep_for(pause);
    copying.signal(SIGKILL);
    (void)copying.wait(10s);
    for (const auto &file : files_in(copies, ".db")) {
      if (file == good.front()) {
        continue;
      }
      // Finished before the kill: then it must be whole.
      EXPECT_EQ(testing::rows_of(file, "PRAGMA integrity_check"), std::vector<std::string>{"ok"});
      std::filesystem::remove(file);
    }
    std::this_thread::sleep_for(1100ms);
  }

  // Short of disk (a file-size limit stands for a full USB stick).
  const Completed short_of_disk =
      testing::run("/usr/bin/prlimit", {"--fsize=65536", testing::pulsemon_binary().string(), "-c",
                                        config.string(), "backup", "--to", copies.string() + "/"});
  EXPECT_EQ(short_of_disk.exit_code, 1) << short_of_disk.out << short_of_disk.err;
  EXPECT_NE(short_of_disk.err.find("copy"), std::string::npos) << short_of_disk.err;
  EXPECT_EQ(files_in(copies, ".db"), good) << "the older backup stays, nothing else passes";
  EXPECT_TRUE(files_in(copies, ".partial").empty()) << "what was written is cleared";
  EXPECT_EQ(testing::rows_of(good.front(), "PRAGMA integrity_check"),
            std::vector<std::string>{"ok"});
}

TEST(Backup, RestoreRefusesWhileServingThenTheDaemonServesTheBackupsTotals) {
  testing::TempDir dir;
  const auto config = testing::init_steady_data_folder(dir / "data");
  auto daemon = testing::start_daemon(config);
  const auto database = dir / "data/pulsemon.db";
  for (int i = 0; i < 100 && testing::stored_pulse_count(database) < 20; ++i) {
    std::this_thread::sleep_for(100ms);
  }
  const auto backup_file = dir / "saved.db";
  const Completed saved = cli(config, {"backup", "--to", backup_file.string(), "--with-secrets"});
  ASSERT_EQ(saved.exit_code, 0) << saved.err;
  EXPECT_TRUE(std::filesystem::exists(dir / "saved.jwt.secret"));
  const std::int64_t backed_up = testing::stored_pulse_count(backup_file);

  const Completed refused = cli(config, {"restore", backup_file.string()});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("serves"), std::string::npos) << refused.err;
  // The daemon runs on past the backup (so the restore has something to undo).
  for (int i = 0; i < 100 && testing::stored_pulse_count(database) <= backed_up; ++i) {
    std::this_thread::sleep_for(100ms);
  }
  daemon.process->signal(SIGTERM);
  ASSERT_EQ(daemon.process->wait(30s), 0);
  EXPECT_GT(testing::stored_pulse_count(database), backed_up) << "it ran on";

  // Onto a new card: a fresh install, then the backup in its place.
  const auto fresh_config = [&] {
    testing::init_data_folder(dir / "fresh", false);
    return dir / "fresh/pulsemon.toml";
  }();
  // A file that is not a whole backup is refused and changes nothing.
  const auto torn = dir / "torn.db";
  std::filesystem::copy_file(backup_file, torn);
  std::filesystem::resize_file(torn, std::filesystem::file_size(torn) / 2);
  std::ofstream(dir / "notes.txt") << "not a database";
  for (const auto &bad : {torn, dir / "notes.txt", dir / "missing.db"}) {
    const Completed refused_file = cli(fresh_config, {"restore", bad.string()});
    EXPECT_EQ(refused_file.exit_code, 2) << bad << refused_file.out << refused_file.err;
    EXPECT_NE(refused_file.err.find(bad.string()), std::string::npos) << refused_file.err;
  }
  EXPECT_EQ(files_in(dir / "fresh", ".db").size(), 1U);
  EXPECT_FALSE(std::filesystem::exists(dir / "fresh/pulsemon.db.restoring"));
  EXPECT_EQ(count_of(dir / "fresh/pulsemon.db", "SELECT count(*) FROM meters"), 0);

  const Completed restored = cli(fresh_config, {"restore", backup_file.string()});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_NE(restored.out.find(std::to_string(backed_up) + " pulses"), std::string::npos)
      << restored.out;
  EXPECT_EQ(files_in(dir / "fresh", ".db").size(), 1U);
  bool kept = false;
  for (const auto &entry : std::filesystem::directory_iterator(dir / "fresh")) {
    kept = kept || entry.path().filename().string().starts_with("pulsemon.db.replaced-");
  }
  EXPECT_TRUE(kept) << "the replaced database is set aside";
  EXPECT_EQ(testing::stored_pulse_count(dir / "fresh/pulsemon.db"), backed_up);

  auto serving = testing::start_daemon(fresh_config);
  const Completed meters = cli(fresh_config, {"meter", "list", "--json"});
  ASSERT_EQ(meters.exit_code, 0) << meters.err;
  const auto listed = nlohmann::json::parse(meters.out);
  ASSERT_EQ(listed.size(), 1U);
  EXPECT_EQ(listed[0]["pulses"].get<std::int64_t>(), backed_up) << listed.dump();
  EXPECT_EQ(testing::http_request(serving.port, "GET", "/healthz").status, 200U);
}

// What a viewer sees of the daemon's state.
nlohmann::json api_status(const std::filesystem::path &config, unsigned short port) {
  (void)testing::run(testing::pulsemon_binary(),
                     {"-c", config.string(), "user", "add", "watcher", "--role", "viewer"},
                     "a long password\n");
  const auto login = testing::http_request(port, "POST", "/api/login",
                                           R"({"username":"watcher","password":"a long password"})",
                                           {{"Content-Type", "application/json"}});
  const std::string token = nlohmann::json::parse(login.body).value("token", "");
  const auto status =
      testing::http_request(port, "GET", "/api/status", "", {{"Authorization", "Bearer " + token}});
  return nlohmann::json::parse(status.body);
}

// A backup missed while the machine was off is made at the start; only
// then do the oldest beyond `keep` go; the status, /metrics and the log say
// where it is.
TEST(Backup, TheDaemonMakesAMissedBackupAtStartAndKeepsTheNewest) {
  testing::TempDir dir;
  const auto config = testing::init_steady_data_folder(dir / "data");
  const auto folder = dir / "usb";
  // Backups from long ago (made by hand, renamed as the schedule names them).
  ASSERT_EQ(cli(config, {"backup", "--to", (dir / "old.db").string()}).exit_code, 0);
  std::filesystem::create_directories(folder);
  for (const char *stamp :
       {"20200101T013000Z", "20200102T013000Z", "20200103T013000Z", "20200104T013000Z"}) {
    std::filesystem::copy_file(dir / "old.db", folder / ("pulsemon-" + std::string(stamp) + ".db"));
  }
  std::ofstream(folder / "pulsemon-20200105T013000Z.db.partial") << "killed half-way";
  std::ofstream(folder / "notes.txt") << "not a backup";
  const std::string token(64, 'm');
  std::ofstream(dir / "data/metrics.token") << token << "\n";
  std::filesystem::permissions(dir / "data/metrics.token", std::filesystem::perms::owner_read);
  testing::edit_file(config, "[backup]\ndir = \"\"", "[backup]\ndir = \"" + folder.string() + "\"");
  testing::edit_file(config, "keep = 7", "keep = 3");
  std::ofstream(config, std::ios::app) << "\n[metrics]\ntoken_file = \"metrics.token\"\n";
  auto daemon = testing::start_daemon(config);
  ASSERT_TRUE(daemon.process->wait_for_line("older removed (keep = 3)", 30s))
      << daemon.process->output();

  const std::vector<std::string> names = files_in_sorted(folder);
  ASSERT_EQ(names.size(), 3U) << "keep = 3";
  EXPECT_EQ(names[0], "pulsemon-20200103T013000Z.db");
  EXPECT_EQ(names[1], "pulsemon-20200104T013000Z.db");
  EXPECT_TRUE(names[2].starts_with("pulsemon-20")) << names[2];
  EXPECT_NE(names[2], "pulsemon-20200104T013000Z.db");
  EXPECT_TRUE(files_in(folder, ".partial").empty());
  EXPECT_TRUE(std::filesystem::exists(folder / "notes.txt")) << "not pulsemon's to remove";
  expect_consistent(folder / names[2]);

  const nlohmann::json status = api_status(config, daemon.port);
  ASSERT_TRUE(status["backup"].is_object()) << status.dump();
  EXPECT_EQ(status["backup"]["last"]["file"], (folder / names[2]).string()) << status.dump();
  EXPECT_GT(status["backup"]["last"]["bytes"].get<std::int64_t>(), 0);
  EXPECT_FALSE(status["backup"]["overdue"].get<bool>());
  EXPECT_EQ(status["backup"]["every"], "daily");
  EXPECT_EQ(status["backup"]["last_failure"], "");
  const auto metrics = testing::http_request(daemon.port, "GET", "/metrics", "",
                                             {{"Authorization", "Bearer " + token}});
  EXPECT_NE(metrics.body.find("pulsemon_last_backup_timestamp_seconds "), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("pulsemon_backup_overdue 0"), std::string::npos);

  // Restarted, the daemon finds today's backup and makes none until the
  // next quiet time: the schedule survives restarts.
  daemon.process->signal(SIGTERM);
  ASSERT_EQ(daemon.process->wait(30s), 0);
  auto again = testing::start_daemon(config);
  const auto next = again.process->wait_for_line("backup: the next is due at", 30s);
  ASSERT_TRUE(next) << again.process->output();
  EXPECT_NE(next->find("the newest is of"), std::string::npos) << *next;
  // The same three (keep = 3 would hide a fourth made and one removed).
  EXPECT_EQ(files_in_sorted(folder), names) << again.process->output();
}

// A backup that cannot be written is reported, the daemon serves on, and
// nothing already there is removed.
TEST(Backup, AFailedScheduledBackupIsReportedAndTheDaemonServesOn) {
  testing::TempDir dir;
  const auto config = testing::init_steady_data_folder(dir / "data");
  std::ofstream(dir / "a-file") << "a share that is not mounted: not a folder";
  testing::edit_file(config, "[backup]\ndir = \"\"",
                     "[backup]\ndir = \"" + (dir / "a-file/backups").string() + "\"");
  auto daemon = testing::start_daemon(config);
  ASSERT_TRUE(daemon.process->wait_for_line("backup: could not back up", 30s))
      << daemon.process->output();
  const nlohmann::json status = api_status(config, daemon.port);
  EXPECT_NE(status["backup"]["last_failure"].get<std::string>(), "") << status.dump();
  EXPECT_TRUE(status["backup"]["last_failure_at"].is_string());
  EXPECT_TRUE(status["backup"]["overdue"].get<bool>()) << "none was ever made";
  EXPECT_TRUE(status["backup"]["last"].is_null());
  EXPECT_EQ(testing::http_request(daemon.port, "GET", "/healthz").status, 200U);
  EXPECT_TRUE(std::filesystem::is_regular_file(dir / "a-file"));
}

} // namespace
} // namespace pulsemon

// An installation upgraded from a pulsemon that kept a row per pulse
// (schema 11): its pulses are sealed into blocks by `pulsemon compact` (or
// the daemon, in the background), checked against the counts per meter and
// day it held before, exported exactly as before, and a compact killed
// half-way goes on where it stopped without losing or doubling a pulse.
#include "support/database_file.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <thread>

namespace pulsemon {
namespace {

using namespace std::chrono_literals;
using testing::Completed;
using testing::pulsemon_binary;

class SealingUpgrade : public ::testing::Test {
protected:
  testing::TempDir dir;

  std::filesystem::path config() const { return dir / "data/pulsemon.toml"; }
  std::filesystem::path database() const { return dir / "data/pulsemon.db"; }

  Completed pulsemon(std::vector<std::string> args) const {
    args.insert(args.begin(), {"-c", config().string()});
    return testing::run(pulsemon_binary(), args);
  }
  Completed sql(const std::string &statements) const {
    return testing::run("/usr/bin/sqlite3", {database().string(), statements});
  }

  // A data folder as schema 11 left it: every pulse a row of `pulses`,
  // `count` of them a second apart with a wandering millisecond jitter
  // from 2026-01-01, the meter's statistics and rollups made from them.
  void make_schema_11_store(std::int64_t count) {
    ASSERT_EQ(testing::run(pulsemon_binary(),
                           {"init", "--dir", (dir / "data").string(), "--with-simulator"})
                  .exit_code,
              0);
    const std::string fill =
        "DROP TABLE pulse_blocks; DROP TABLE pulse_counts_before_sealing;"
        "ALTER TABLE meter_stats DROP COLUMN unsealed;"
        "WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < " +
        std::to_string(count - 1) +
        ") INSERT INTO pulses (meter_id, ts_us) SELECT 1, 1767225600000000 + i * 1000000 + "
        "(i * 7919) % 5000 FROM s;"
        "UPDATE meter_stats SET pulses = (SELECT count(*) FROM pulses), first_pulse_us = (SELECT "
        "min(ts_us) FROM pulses), last_pulse_us = (SELECT max(ts_us) FROM pulses);"
        "PRAGMA user_version = 11;";
    const Completed done = sql(fill);
    ASSERT_EQ(done.exit_code, 0) << done.err;
    ASSERT_EQ(pulsemon({"rollup", "--rebuild"}).exit_code, 0) << "opened, and so upgraded";
  }

  std::string export_all() const {
    const Completed exported = pulsemon({"export", "csv", "--meter", "1"});
    EXPECT_EQ(exported.exit_code, 0) << exported.err;
    return exported.out;
  }
};

TEST_F(SealingUpgrade, CompactSealsChecksAndShrinksAndTheExportIsTheSame) {
  make_schema_11_store(300'000); // about three and a half days
  const std::string before = export_all();
  const auto bytes_before = std::filesystem::file_size(database());

  const Completed done = pulsemon({"compact"});
  ASSERT_EQ(done.exit_code, 0) << done.out << done.err;
  EXPECT_NE(done.out.find("Sealed 292 blocks"), std::string::npos) << done.out;
  EXPECT_NE(done.out.find("Checked 4 meter-days against the counts from before the upgrade: "
                          "none lost"),
            std::string::npos)
      << done.out;
  EXPECT_EQ(export_all(), before);
  EXPECT_EQ(testing::rows_of(database(), "SELECT count(*) FROM pulses"),
            std::vector<std::string>{"992"})
      << "what does not fill a block waits in the tail";
  EXPECT_EQ(testing::rows_of(database(), "SELECT count(*) FROM pulse_counts_before_sealing"),
            std::vector<std::string>{"0"})
      << "checked, and forgotten";
  const auto bytes_after = std::filesystem::file_size(database());
  EXPECT_LT(bytes_after * 3, bytes_before) << bytes_before << " bytes became " << bytes_after;

  const Completed again = pulsemon({"compact"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("Sealed 0 blocks"), std::string::npos) << again.out;
  EXPECT_EQ(again.out.find("Checked"), std::string::npos) << "nothing left to check";
}

TEST_F(SealingUpgrade, APulseLostFromTheUpgradedStoreIsNamedAndTheCountsAreKept) {
  make_schema_11_store(20'000);
  // Three pulses of the first day go missing (a damaged file, a bug).
  ASSERT_EQ(sql("DELETE FROM pulses WHERE ts_us IN (SELECT ts_us FROM pulses LIMIT 3)").exit_code,
            0);
  const Completed done = pulsemon({"compact"});
  EXPECT_EQ(done.exit_code, 1) << done.out << done.err;
  EXPECT_NE(done.err.find("meter 1, 2026-01-01: 20000 pulses before sealing, 19997 now"),
            std::string::npos)
      << done.err;
  EXPECT_NE(done.err.find("meter 1: 19997 pulses read back, its statistics say 20000"),
            std::string::npos)
      << done.err;
  EXPECT_EQ(testing::rows_of(database(), "SELECT sum(pulses) FROM pulse_counts_before_sealing"),
            std::vector<std::string>{"20000"})
      << "kept for the next check";
}

TEST_F(SealingUpgrade, ACompactKilledHalfWayGoesOnWhereItStoppedLosingNothing) {
  make_schema_11_store(2'000'000);
  const std::string before = export_all();
  // Killed a little later each time, until one run finishes by itself:
  // each run seals some more before it is killed, so some kills land
  // half-way, whatever this machine's speed.
  int killed_half_way = 0;
  bool finished = false;
  std::string said; // what every run printed, killed ones too
  for (int delay_ms = 20; !finished && delay_ms < 60'000; delay_ms += 20) {
    testing::Background compact(pulsemon_binary(), {"-c", config().string(), "compact"});
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    compact.signal(SIGKILL);
    finished = compact.wait(30s) == 0; // it ended before the signal
    said += compact.output();
    EXPECT_EQ(testing::rows_of(database(), "PRAGMA integrity_check"),
              std::vector<std::string>{"ok"});
    const auto blocks = testing::rows_of(database(), "SELECT count(*) FROM pulse_blocks");
    const auto tail = testing::rows_of(database(), "SELECT count(*) FROM pulses");
    if (!finished && blocks != std::vector<std::string>{"0"} && std::stoll(tail.at(0)) > 1024) {
      ++killed_half_way;
      const auto stored = testing::stored_pulse_times(database(), 1);
      EXPECT_EQ(stored.size(), 2'000'000U) << "none lost, none twice, blocks and tail together";
      EXPECT_TRUE(std::adjacent_find(stored.begin(), stored.end()) == stored.end());
    }
  }
  EXPECT_GT(killed_half_way, 0) << "no kill landed while it sealed";
  const Completed done = pulsemon({"compact"});
  ASSERT_EQ(done.exit_code, 0) << done.out << done.err;
  said += done.out;
  // The kept counts go only when the check agreed (whichever run made it:
  // a run killed just after its check took its words with it).
  EXPECT_EQ(testing::rows_of(database(), "SELECT count(*) FROM pulse_counts_before_sealing"),
            std::vector<std::string>{"0"})
      << said;
  EXPECT_EQ(export_all(), before);
}

} // namespace
} // namespace pulsemon

// The pulsemon binary as users and scripts call it: exit codes, messages
// that name the bad argument or key, and what lands on disk.
#include "support/process.h"
#include "support/temp_dir.h"

#include <date/date.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <regex>

namespace pulsemon {
namespace {

using testing::Completed;
using testing::pulsemon_binary;

class Cli : public ::testing::Test {
protected:
  testing::TempDir dir;

  std::filesystem::path config() const { return dir / "data/pulsemon.toml"; }

  Completed pulsemon(std::vector<std::string> args, const std::string &input = {}) const {
    args.insert(args.begin(), {"-c", config().string()});
    return testing::run(pulsemon_binary(), args, input);
  }

  void init(bool with_simulator = true) const {
    std::vector<std::string> args{"init", "--dir", (dir / "data").string(), "--zone",
                                  "Europe/Amsterdam"};
    if (with_simulator) {
      args.emplace_back("--with-simulator");
    }
    const Completed done = testing::run(pulsemon_binary(), args);
    ASSERT_EQ(done.exit_code, 0) << done.err;
  }

  void append_to_config(const std::string &text) const {
    std::ofstream(config(), std::ios::app) << text;
  }

  nlohmann::json meters() const {
    const Completed list = pulsemon({"meter", "list", "--json"});
    EXPECT_EQ(list.exit_code, 0) << list.err;
    return nlohmann::json::parse(list.out);
  }
};

TEST_F(Cli, InitCreatesConfigDatabaseSecretAndAnAdminWhosePasswordIsShownOnce) {
  const Completed done = testing::run(
      pulsemon_binary(), {"init", "--dir", (dir / "data").string(), "--zone", "Europe/Amsterdam"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  std::smatch match;
  ASSERT_TRUE(std::regex_search(done.out, match, std::regex("Admin login: admin / (\\S{20})")))
      << done.out;
  EXPECT_TRUE(std::filesystem::exists(dir / "data/pulsemon.db"));
  struct stat info {};
  ASSERT_EQ(stat((dir / "data/jwt.secret").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600U) << "the secret is readable by its owner only";
  std::string secret;
  std::ifstream(dir / "data/jwt.secret") >> secret;
  EXPECT_EQ(secret.size(), 64U) << "256 bits as hex";

  // A second init refuses and changes nothing.
  const auto before = std::filesystem::last_write_time(dir / "data/pulsemon.db");
  const Completed again =
      testing::run(pulsemon_binary(), {"init", "--dir", (dir / "data").string()});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  EXPECT_EQ(std::filesystem::last_write_time(dir / "data/pulsemon.db"), before);
  EXPECT_EQ(again.out.find(match[1].str()), std::string::npos);
}

TEST_F(Cli, InitWithABadZoneFailsWithUsageAndLeavesNothingBehind) {
  const Completed done = testing::run(
      pulsemon_binary(), {"init", "--dir", (dir / "data").string(), "--zone", "Mars/Olympus"});
  EXPECT_EQ(done.exit_code, 2);
  EXPECT_NE(done.err.find("--zone"), std::string::npos) << done.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "data"));
}

TEST_F(Cli, InitCanPutTheConfigElsewhereNamingTheDataByAbsolutePaths) {
  // As the Debian package does: the config in /etc, the data in /var/lib.
  std::filesystem::create_directories(dir / "etc");
  const auto config = dir / "etc/pulsemon.toml";
  const Completed done = testing::run(
      pulsemon_binary(), {"init", "--dir", (dir / "var").string(), "--config", config.string(),
                          "--listen", "0.0.0.0:8080", "--zone", "Europe/Amsterdam"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  std::ifstream file(config);
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("path = \"" + (dir / "var/pulsemon.db").string() + "\""), std::string::npos)
      << text;
  EXPECT_NE(text.find("secret_file = \"" + (dir / "var/jwt.secret").string() + "\""),
            std::string::npos);
  EXPECT_NE(text.find("listen = \"0.0.0.0:8080\""), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir / "var/pulsemon.toml"));
  // Used from anywhere, the config finds its data.
  const Completed listed = testing::run(pulsemon_binary(), {"-c", config.string(), "user", "list"});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("admin"), std::string::npos) << listed.out;

  const Completed bad = testing::run(
      pulsemon_binary(), {"init", "--dir", (dir / "other").string(), "--listen", "everywhere"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--listen"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "other"));
}

TEST_F(Cli, UnknownConfigKeysAndWrongTypesNameTheKeyAndExitWithTwo) {
  init();
  append_to_config("\n[extra]\nthing = 1\n");
  Completed done = pulsemon({"meter", "list"});
  EXPECT_EQ(done.exit_code, 2);
  EXPECT_NE(done.err.find("'extra'"), std::string::npos) << done.err;

  std::filesystem::remove_all(dir / "data");
  init(false);
  std::string text;
  {
    std::ifstream in(config());
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  text.replace(text.find("commit_interval_ms = 1000"), 25, "commit_interval_ms = \"1s\"");
  std::ofstream(config()) << text;
  done = pulsemon({"meter", "list"});
  EXPECT_EQ(done.exit_code, 2);
  EXPECT_NE(done.err.find("store.commit_interval_ms"), std::string::npos) << done.err;
  EXPECT_NE(done.err.find("\"1s\""), std::string::npos) << done.err;
  EXPECT_NE(done.err.find("whole number"), std::string::npos) << done.err;
}

TEST_F(Cli, AMissingConfigOrDatabaseFolderIsExplained) {
  Completed done = pulsemon({"meter", "list"});
  EXPECT_EQ(done.exit_code, 2);
  EXPECT_NE(done.err.find("pulsemon init"), std::string::npos) << done.err;

  init();
  append_to_config("");
  std::string text;
  {
    std::ifstream in(config());
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  text.replace(text.find("path = \"pulsemon.db\""), 20, "path = \"no/such/folder/x.db\"");
  std::ofstream(config()) << text;
  done = pulsemon({"meter", "list"});
  EXPECT_EQ(done.exit_code, 1);
  EXPECT_NE(done.err.find("folder"), std::string::npos) << done.err;
  EXPECT_EQ(done.err.find("terminate"), std::string::npos) << "no stack trace or abort";
}

TEST_F(Cli, TheStoreCanBeNamedByAUrlAndABadUrlIsRefusedNamingTheKey) {
  init();
  std::string text;
  {
    std::ifstream in(config());
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto with_store = [&](const std::string &lines) {
    std::string changed = text;
    changed.replace(changed.find("path = \"pulsemon.db\""), 20, "");
    changed.replace(changed.find("url = \"\""), 8, lines);
    std::ofstream(config()) << changed;
  };

  with_store("url = \"sqlite:pulsemon.db\"");
  EXPECT_EQ(meters().size(), 1U) << "the simulator's meter, in the file init made";
  with_store("url = \"sqlite://" + (dir / "data/pulsemon.db").string() + "\"");
  EXPECT_EQ(meters().size(), 1U) << "the same file by its absolute path";

  with_store("url = \"postgresql://pulsemon:hunter2@db.example/pulsemon\"");
  Completed done = pulsemon({"meter", "list"});
  EXPECT_EQ(done.exit_code, 2);
  EXPECT_NE(done.err.find("store.url"), std::string::npos) << done.err;
  EXPECT_NE(done.err.find("PGPASSWORD"), std::string::npos) << done.err;
  EXPECT_EQ(done.err.find("hunter2"), std::string::npos) << "the password is not repeated";

  with_store("url = \"sqlite:other.db\"\npath = \"pulsemon.db\"");
  done = pulsemon({"meter", "list"});
  EXPECT_EQ(done.exit_code, 2);
  EXPECT_NE(done.err.find("both name the store"), std::string::npos) << done.err;

  // Backups copy a SQLite file: on another store they say so and make
  // nothing (a copy of no file must not look like a backup).
  with_store("url = \"memory:\"");
  for (const char *command : {"backup", "restore"}) {
    std::vector<std::string> args{command};
    if (std::string(command) == "restore") {
      args.push_back((dir / "data/pulsemon.db").string());
    }
    done = pulsemon(args);
    EXPECT_EQ(done.exit_code, 2) << command << ": " << done.err;
    EXPECT_NE(done.err.find("works on a SQLite store"), std::string::npos) << done.err;
    EXPECT_NE(done.err.find("pg_basebackup"), std::string::npos) << done.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "data/backups"));
}

TEST_F(Cli, AGpioLineOnAChipThatDoesNotExistStopsServeSayingWhichChipsDo) {
  init();
  append_to_config("\n[[gpio]]\nmeter = 1\nchip = \"nosuchchip\"\nline = \"GPIO17\"\n");
  const Completed done = pulsemon({"serve", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(done.exit_code, 1);
  EXPECT_NE(done.err.find("gpio: no chip 'nosuchchip'"), std::string::npos) << done.err;
  EXPECT_EQ(done.err.find("terminate"), std::string::npos) << "a clean stop: " << done.err;

  append_to_config("\n[[gpio]]\nmeter = 9\nline = 4\n");
  const Completed unknown_meter = pulsemon({"serve", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(unknown_meter.exit_code, 2);
  EXPECT_NE(unknown_meter.err.find("'gpio[1].meter': meter 9 does not exist"), std::string::npos)
      << unknown_meter.err;
}

TEST_F(Cli, ALockedDatabaseIsAClearRuntimeFailure) {
  init();
  sqlite3 *db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "data/pulsemon.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  const Completed done =
      pulsemon({"meter", "add", "--id", "2", "--name", "Gas", "--kind", "gas", "--ppu", "100"});
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  EXPECT_EQ(done.exit_code, 1);
  EXPECT_NE(done.err.find("another process"), std::string::npos) << done.err;
}

TEST_F(Cli, MeterAddListAndSetKeepTheScriptContract) {
  init(false);
  Completed done = pulsemon({"meter", "add", "--id", "3", "--name", "Gas meter", "--kind", "gas",
                             "--ppu", "100", "--location", "cellar"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  const nlohmann::json list = meters();
  ASSERT_EQ(list.size(), 1U);
  const nlohmann::json &meter = list[0];
  for (const char *key :
       {"id", "name", "kind", "unit", "ppu", "pulses", "total", "power", "gaps"}) {
    EXPECT_TRUE(meter.contains(key)) << key;
  }
  EXPECT_EQ(meter["id"], 3);
  EXPECT_EQ(meter["unit"], "m³");
  EXPECT_EQ(meter["kind"], "gas");
  EXPECT_EQ(meter["pulses"], 0);

  done =
      pulsemon({"meter", "add", "--id", "3", "--name", "Again", "--kind", "gas", "--ppu", "100"});
  EXPECT_EQ(done.exit_code, 1);
  EXPECT_NE(done.err.find("already exists"), std::string::npos);

  done = pulsemon({"meter", "add", "--id", "4", "--name", "X", "--kind", "steam", "--ppu", "100"});
  EXPECT_EQ(done.exit_code, 2);
  EXPECT_NE(done.err.find("kind"), std::string::npos) << done.err;

  done = pulsemon({"meter", "add", "--id", "4", "--name", "X", "--kind", "water", "--ppu", "-1"});
  EXPECT_EQ(done.exit_code, 2);
  EXPECT_NE(done.err.find("ppu"), std::string::npos) << done.err;

  done = pulsemon({"meter", "set", "3", "name=Gas", "tariff=0.9;night=0.5@all 23:00-07:00"});
  EXPECT_EQ(done.exit_code, 0) << done.err;
  EXPECT_EQ(meters()[0]["name"], "Gas");

  done = pulsemon({"meter", "set", "3", "colour=blue"});
  EXPECT_EQ(done.exit_code, 2);
  EXPECT_NE(done.err.find("colour"), std::string::npos) << done.err;

  done = pulsemon({"meter", "set", "3", "tariff=cheap"});
  EXPECT_EQ(done.exit_code, 2);
  EXPECT_NE(done.err.find("tariff"), std::string::npos) << done.err;

  done = pulsemon({"meter", "frobnicate"});
  EXPECT_EQ(done.exit_code, 2);
}

TEST_F(Cli, UsersAreAddedWithAPasswordFromStandardInputAndTheLastAdminStays) {
  init(false);
  Completed done = pulsemon({"user", "add", "carol", "--role", "user"}, "correct horse battery\n");
  ASSERT_EQ(done.exit_code, 0) << done.err;
  done = pulsemon({"user", "list", "--json"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  const auto users = nlohmann::json::parse(done.out);
  ASSERT_EQ(users.size(), 2U);
  EXPECT_EQ(users[1]["name"], "carol");
  EXPECT_EQ(users[1]["role"], "user");
  EXPECT_EQ(done.out.find("correct horse"), std::string::npos);

  EXPECT_EQ(pulsemon({"user", "add", "carol"}, "another password\n").exit_code, 1) << "exists";
  done = pulsemon({"user", "add", "dave"}, "short\n");
  EXPECT_EQ(done.exit_code, 2);
  EXPECT_NE(done.err.find("password"), std::string::npos) << done.err;
  done = pulsemon({"user", "add", "erin", "--role", "root"}, "long enough password\n");
  EXPECT_EQ(done.exit_code, 2);
  EXPECT_NE(done.err.find("role"), std::string::npos) << done.err;

  done = pulsemon({"user", "del", "admin"});
  EXPECT_NE(done.exit_code, 0);
  EXPECT_NE(done.err.find("last admin"), std::string::npos) << done.err;
  EXPECT_EQ(pulsemon({"user", "del", "carol"}).exit_code, 0);
  EXPECT_EQ(pulsemon({"user", "del", "carol"}).exit_code, 1) << "gone";
}

TEST_F(Cli, SimulateIsDeterministicAndItsEnergyIsExactlyPulsesOverPulsesPerUnit) {
  init();
  Completed done = pulsemon(
      {"simulate", "--meter", "1", "--days", "20", "--seed", "7", "--start", "2026-03-20"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  const nlohmann::json clean = meters()[0];
  const auto pulses = clean["pulses"].get<std::int64_t>();
  EXPECT_GT(pulses, 20 * 3000) << "a household uses several kWh a day";
  EXPECT_EQ(clean["total"].get<double>(), static_cast<double>(pulses) / 1000.0);

  // Simulating the same days again stores nothing new: every pulse is a duplicate.
  done = pulsemon(
      {"simulate", "--meter", "1", "--days", "20", "--seed", "7", "--start", "2026-03-20"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_NE(done.out.find("0 pulses stored (" + std::to_string(pulses) + " already there)"),
            std::string::npos)
      << done.out;
  EXPECT_EQ(meters()[0]["duplicates"].get<std::int64_t>(), pulses);
}

// A water meter gets a household's water, not its electricity: a few
// hundred litres a day, none between midnight and six.
TEST_F(Cli, SimulateStopsAtNowAndSaysSo) {
  init();
  // Two days from yesterday: the second one is still going on.
  const auto now = std::chrono::system_clock::now();
  const std::string yesterday =
      date::format("%F", std::chrono::floor<date::days>(now - std::chrono::hours{24}));
  const Completed done =
      pulsemon({"simulate", "--meter", "1", "--days", "2", "--start", yesterday + "T00:00:00Z"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_NE(done.out.find("the future has no pulses"), std::string::npos) << done.out;
  const std::string last = meters()[0]["last_pulse"].get<std::string>();
  const auto after_now = date::format(
      "%FT%TZ", std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  EXPECT_LT(last, after_now) << "no pulse later than now";
  EXPECT_GT(meters()[0]["total"].get<double>(), 1.0) << "yesterday's and today's so far";
}

TEST_F(Cli, SimulateGivesAWaterMeterItsOwnDay) {
  init();
  ASSERT_EQ(
      pulsemon({"meter", "add", "--id", "3", "--name", "Water", "--kind", "water", "--ppu", "1000"})
          .exit_code,
      0);
  const Completed done =
      pulsemon({"simulate", "--meter", "3", "--days", "10", "--start", "2026-03-01"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  const nlohmann::json water = meters()[1];
  const double per_day = water["total"].get<double>() / 10.0;
  EXPECT_GT(per_day, 0.1) << "m³ a day";
  EXPECT_LT(per_day, 0.5) << "m³ a day (the electricity profile gave about 7)";
  const Completed pulses = pulsemon({"export", "csv", "--meter", "3"});
  ASSERT_EQ(pulses.exit_code, 0) << pulses.err;
  std::istringstream lines(pulses.out);
  int at_night = 0;
  for (std::string line; std::getline(lines, line);) {
    // Stamps are UTC; the household is in Amsterdam (UTC+1 in early
    // March): its midnight to six is 23:00 to 05:00 UTC.
    const std::string hour = line.size() > 13 && line[10] == 'T' ? line.substr(11, 2) : "12";
    if (hour == "23" || hour < "05") {
      ++at_night;
    }
  }
  EXPECT_EQ(at_night, 0) << "no water between midnight and six";
  EXPECT_EQ(pulsemon({"simulate", "--meter", "3", "--days", "1", "--profile", "steam"}).exit_code,
            2);
}

TEST_F(Cli, TheFilterRemovesSimulatedBounceAndGlitchesWithoutLosingAPulse) {
  init();
  Completed done = pulsemon({"meter", "add", "--id", "2", "--name", "Noisy twin", "--kind",
                             "electricity", "--ppu", "1000"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  ASSERT_EQ(
      pulsemon({"simulate", "--meter", "1", "--days", "5", "--seed", "3", "--start", "2026-01-01"})
          .exit_code,
      0);
  done = pulsemon({"simulate", "--meter", "2", "--days", "5", "--seed", "3", "--start",
                   "2026-01-01", "--bounce", "--glitches"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  const nlohmann::json list = meters();
  EXPECT_EQ(list[1]["pulses"], list[0]["pulses"]);
  EXPECT_GT(list[1]["rejected"]["too_short"].get<int>(), 100);
  EXPECT_EQ(list[0]["rejected"]["too_short"], 0);
}

TEST_F(Cli, ExportThenImportIntoAnEmptyDatabaseReproducesEveryPulse) {
  init();
  ASSERT_EQ(
      pulsemon({"simulate", "--meter", "1", "--days", "3", "--start", "2026-10-24", "--bounce"})
          .exit_code,
      0);
  const Completed exported = pulsemon({"export", "csv", "--meter", "1"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const auto lines = std::count(exported.out.begin(), exported.out.end(), '\n');
  EXPECT_EQ(lines, meters()[0]["pulses"].get<std::int64_t>() + 1)
      << "a header and a line per pulse";
  std::ofstream(dir / "pulses.csv") << exported.out;

  // A second, empty data folder.
  const auto other = (dir / "other").string();
  ASSERT_EQ(testing::run(pulsemon_binary(), {"init", "--dir", other}).exit_code, 0);
  const std::vector<std::string> in_other{"-c", other + "/pulsemon.toml"};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.begin(), in_other.begin(), in_other.end());
    return testing::run(pulsemon_binary(), args);
  };
  ASSERT_EQ(with({"meter", "add", "--id", "1", "--name", "Copy", "--kind", "electricity", "--ppu",
                  "1000"})
                .exit_code,
            0);
  Completed imported = with({"import", "csv", (dir / "pulses.csv").string(), "--meter", "1"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_EQ(with({"export", "csv", "--meter", "1"}).out, exported.out);

  imported = with({"import", "csv", (dir / "pulses.csv").string(), "--meter", "1"});
  ASSERT_EQ(imported.exit_code, 0);
  EXPECT_NE(imported.out.find(" 0 new"), std::string::npos) << imported.out;
}

TEST_F(Cli, ABadLineInAnImportNamesItAndStoresNothing) {
  init();
  std::ofstream(dir / "bad.csv") << "time\n2026-01-01T00:00:00Z\n1767225601000000\nlast tuesday\n";
  const Completed done = pulsemon({"import", "csv", (dir / "bad.csv").string(), "--meter", "1"});
  EXPECT_EQ(done.exit_code, 2);
  EXPECT_NE(done.err.find("line 4"), std::string::npos) << done.err;
  EXPECT_EQ(meters()[0]["pulses"], 0);
}

// The rollups themselves, not only the per-meter figures: damaged ones (a
// count off by one, slots missing) come back exactly as the writer made
// them, from the raw pulses.
TEST_F(Cli, RollupRebuildRemakesDamagedRollupsFromThePulses) {
  init();
  ASSERT_EQ(
      pulsemon({"simulate", "--meter", "1", "--days", "10", "--start", "2026-10-20"}).exit_code, 0);
  const auto database = (dir / "data/pulsemon.db").string();
  const auto rollups = [&] {
    return testing::run("/usr/bin/sqlite3",
                        {database, "SELECT meter_id, slot_seconds, slot_start, pulses FROM rollups "
                                   "ORDER BY 1, 2, 3"})
        .out;
  };
  const std::string made = rollups();
  ASSERT_GT(std::count(made.begin(), made.end(), '\n'), 1000) << "ten days of 15-minute slots";
  const nlohmann::json before = meters();
  ASSERT_EQ(
      testing::run("/usr/bin/sqlite3",
                   {database, "UPDATE rollups SET pulses = pulses + 1 WHERE slot_start % 3 = 0; "
                              "DELETE FROM rollups WHERE slot_start % 7 = 0;"})
          .exit_code,
      0);
  ASSERT_NE(rollups(), made) << "the damage took";

  const Completed done = pulsemon({"rollup", "--rebuild"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_EQ(rollups(), made);
  EXPECT_EQ(meters(), before);
}

TEST_F(Cli, ReadingsMoveTheTotalUpButNeverBackwards) {
  init();
  ASSERT_EQ(
      pulsemon({"simulate", "--meter", "1", "--days", "2", "--start", "2026-01-01"}).exit_code, 0);
  Completed done = pulsemon({"meter", "reading", "1", "12345.6", "--at", "2025-12-31T00:00Z"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  const double total = meters()[0]["total"].get<double>();
  const double counted = meters()[0]["pulses"].get<double>() / 1000.0;
  EXPECT_NEAR(total, 12345.6 + counted, 1e-6);

  done = pulsemon({"meter", "reading", "1", "12345.7", "--at", "2026-01-02T12:00Z"});
  EXPECT_EQ(done.exit_code, 2) << "below what the meter had counted by then";
  EXPECT_NE(done.err.find("replacement"), std::string::npos) << done.err;

  done = pulsemon({"meter", "reading", "1", "0", "--at", "2026-01-02T12:00Z", "--replacement"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_NEAR(meters()[0]["total"].get<double>(), total, 1e-6) << "a replacement keeps the total";
  EXPECT_LT(meters()[0]["register"].get<double>(), 100.0);

  done = pulsemon({"meter", "reading", "1", "5", "--at", "yesterday-ish"});
  EXPECT_EQ(done.exit_code, 2);
  EXPECT_NE(done.err.find("time"), std::string::npos);
}

} // namespace
} // namespace pulsemon

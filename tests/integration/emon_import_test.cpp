// pulsemon import emon-db: an old-stack database moves over without loss,
// a second import adds nothing, and a damaged or foreign file is refused
// before the target changes.
#include "emon_import_fixture.h"

#include "support/daemon.h"
#include "support/http_client.h"

#include <fstream>

namespace pulsemon {
namespace {

using testing::Completed;

// The old logger's layout: one row per falling edge, whole epoch seconds.
constexpr const char *old_schema = R"sql(
CREATE TABLE meter (id INTEGER PRIMARY KEY, created TEXT, updated TEXT, description TEXT,
                    location TEXT, ipu REAL);
CREATE TABLE measurement (id INTEGER PRIMARY KEY AUTOINCREMENT, meterid INTEGER, epoch INTEGER);
CREATE TABLE user (id INTEGER PRIMARY KEY, username TEXT, password TEXT);
INSERT INTO meter VALUES (3, '2019-05-01 10:00:00', '2023-11-14 22:13:20', 'Hoofdmeter',
                          'meterkast', 0.42);
INSERT INTO meter VALUES (7, NULL, NULL, 'Garage', '', NULL);
-- 1700000000 = 2023-11-14T22:13:20Z; three pulses share that second.
INSERT INTO measurement (meterid, epoch) VALUES (3, 1700000000), (3, 1700000000),
       (3, 1700000000), (3, 1700000005), (3, 1700000009);
-- Text times, as CURRENT_TIMESTAMP wrote them in some versions.
INSERT INTO measurement (meterid, epoch) VALUES (7, '2023-11-14 22:13:20'),
       (7, '2023-11-14 22:14:00');
-- A meter the meter table never listed still has pulses.
INSERT INTO measurement (meterid, epoch) VALUES (9, 1700000100);
INSERT INTO user (username, password) VALUES ('pi', 'raspberry'), ('nopass', '');
)sql";

// The old stack's schema exactly as its logger, schema file and cron job
// made it: the meter column is m_id, `created` is datetime('now') text,
// the schema file's sample user sits in a user table that the old service
// never read, and emoncollect.py (-i 60, -i 3600, -i 86400) left one table
// per meter and interval.
constexpr const char *real_schema = R"sql(
CREATE TABLE meter (id INTEGER PRIMARY KEY, created NUMERIC NOT NULL, description TEXT NOT NULL,
                    location TEXT NOT NULL, ipu INTEGER DEFAULT 0);
CREATE TABLE measurement (id INTEGER PRIMARY KEY, epoch NUMERIC NOT NULL, m_id INTEGER NOT NULL,
                          FOREIGN KEY (m_id) REFERENCES meter(id) ON UPDATE CASCADE);
CREATE TABLE user (id INTEGER PRIMARY KEY, username TEXT, password TEXT);
INSERT INTO user (username, password) VALUES ('admin', 'admin');
INSERT INTO meter (id, created, description, location) VALUES
  (1, datetime('now'), 'Elektra', 'meterkast'), (2, datetime('now'), 'Gas', 'kelder');
-- 1700000000 = 2023-11-14T22:13:20Z; two pulses share a second, one falls
-- in the next hour and day.
INSERT INTO measurement (epoch, m_id) VALUES (1700000000, 1), (1700000000, 1), (1700000030, 1),
  (1700000090, 1), (1700003600, 1), (1700100000, 1), (1700000500, 2), (1700090000, 2);
)sql";

// What emoncollect.py does for meter M and interval S on every run.
std::string cron_table(int meter, int seconds) {
  const std::string name = "emon_" + std::to_string(meter) + "_" + std::to_string(seconds);
  return "DROP TABLE IF EXISTS " + name + "; CREATE TABLE " + name +
         " (id INTEGER PRIMARY KEY, epoch INTEGER NOT NULL, ticks INTEGER NOT NULL, m_id INTEGER "
         "NOT NULL); INSERT INTO " +
         name + " (epoch, ticks, m_id) SELECT epoch, count(epoch), " + std::to_string(meter) +
         " FROM measurement WHERE m_id = " + std::to_string(meter) + " GROUP BY (epoch / " +
         std::to_string(seconds) + ");";
}

std::string cron_run() {
  std::string sql;
  for (const int meter : {1, 2}) {
    for (const int seconds : {60, 3600, 86400}) {
      sql += cron_table(meter, seconds);
    }
  }
  return sql;
}

TEST_F(EmonImport, MetersPulsesAndUsersArriveWithoutLoss) {
  write_database(dir / "emon.db", old_schema);
  const Completed done = import(dir / "emon.db");
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_NE(done.out.find("8 measurement rows, 8 new"), std::string::npos) << done.out;
  EXPECT_NE(done.out.find("3 rows shared their time"), std::string::npos) << done.out;

  const nlohmann::json list = meters();
  ASSERT_EQ(list.size(), 3U) << list.dump();
  EXPECT_EQ(list[0]["id"], 3);
  EXPECT_EQ(list[0]["name"], "Hoofdmeter");
  EXPECT_EQ(list[0]["location"], "meterkast");
  EXPECT_EQ(list[0]["ppu"], 1000.0);
  EXPECT_EQ(list[0]["pulses"], 5);
  EXPECT_EQ(list[1]["id"], 7);
  EXPECT_EQ(list[1]["pulses"], 2);
  EXPECT_EQ(list[2]["id"], 9);
  EXPECT_EQ(list[2]["name"], "emon meter 9");
  EXPECT_EQ(list[2]["pulses"], 1);

  EXPECT_EQ(pulsemon({"export", "csv", "--meter", "3"}).out, "time\n"
                                                             "2023-11-14T22:13:20Z\n"
                                                             "2023-11-14T22:13:20.333333Z\n"
                                                             "2023-11-14T22:13:20.666666Z\n"
                                                             "2023-11-14T22:13:25Z\n"
                                                             "2023-11-14T22:13:29Z\n");
  EXPECT_EQ(pulsemon({"export", "csv", "--meter", "7"}).out,
            "time\n2023-11-14T22:13:20Z\n2023-11-14T22:14:00Z\n");

  const nlohmann::json people = users();
  EXPECT_EQ(people.size(), 1U) << "only init's admin: the user table is not imported";
  EXPECT_NE(done.out.find("the file's user table has 2 rows; none was imported"), std::string::npos)
      << done.out;
}

TEST_F(EmonImport, TheRealOldSchemaImportsAndIsCheckedAgainstTheCronTables) {
  write_database(dir / "emon.db", std::string(real_schema) + cron_run());
  const Completed done = import(dir / "emon.db");
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_NE(done.out.find("8 measurement rows, 8 new"), std::string::npos) << done.out;
  for (const char *table : {"emon_1_60 (meter 1, counts per 60 s): 4 intervals, all agree",
                            "emon_1_3600 (meter 1, counts per 3600 s): 3 intervals, all agree",
                            "emon_1_86400 (meter 1, counts per 86400 s): 2 intervals, all agree",
                            "emon_2_60 (meter 2, counts per 60 s): 2 intervals, all agree",
                            "emon_2_86400 (meter 2, counts per 86400 s): 2 intervals, all agree"}) {
    EXPECT_NE(done.out.find(table), std::string::npos) << table << "\n" << done.out;
  }
  const nlohmann::json list = meters();
  ASSERT_EQ(list.size(), 2U);
  EXPECT_EQ(list[0]["name"], "Elektra");
  EXPECT_EQ(list[0]["pulses"], 6);
  EXPECT_EQ(list[1]["pulses"], 2);
  const Completed again = import(dir / "emon.db");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("8 measurement rows, 0 new, 8 already there"), std::string::npos)
      << again.out;
  EXPECT_EQ(meters()[0]["pulses"], 6);
}

// The cron job last ran, then the logger wrote on (a new hour and day);
// and one count was changed by hand. Each table says where it first
// differs; the import is the measurement table's.
TEST_F(EmonImport, StaleCronTablesAreReportedWithTheirFirstDifferingInterval) {
  write_database(dir / "emon.db",
                 std::string(real_schema) + cron_run() +
                     "INSERT INTO measurement (epoch, m_id) VALUES (1700200000, 1), "
                     "(1700200001, 1);"
                     "UPDATE emon_2_60 SET ticks = 5 WHERE epoch = 1700000500;" +
                     cron_table(5, 60));
  const Completed done = import(dir / "emon.db");
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_NE(done.out.find("10 measurement rows, 10 new"), std::string::npos) << done.out;
  // 1700200000 = 2023-11-17T05:46:40Z.
  for (const char *line :
       {"emon_1_60 (meter 1, counts per 60 s): 4 intervals, 1 disagree (the first: "
        "2023-11-17T05:46:00Z: the table says 0, stored 2); the table ends at "
        "2023-11-16T02:00:00Z, the pulses go on to 2023-11-17T05:46:00Z: the cron job has not run "
        "since",
        "emon_1_3600 (meter 1, counts per 3600 s): 3 intervals, 1 disagree (the first: "
        "2023-11-17T05:00:00Z: the table says 0, stored 2)",
        "emon_1_86400 (meter 1, counts per 86400 s): 2 intervals, 1 disagree (the first: "
        "2023-11-17T00:00:00Z: the table says 0, stored 2)",
        "emon_2_60 (meter 2, counts per 60 s): 2 intervals, 1 disagree (the first: "
        "2023-11-14T22:21:00Z: the table says 5, stored 1); the cron job's table is likely stale",
        "emon_2_3600 (meter 2, counts per 3600 s): 2 intervals, all agree",
        "emon_5_60 (meter 5, counts per 60 s): not checked: meter 5 has no measurement rows in "
        "the file"}) {
    EXPECT_NE(done.out.find(line), std::string::npos) << line << "\n" << done.out;
  }
  EXPECT_EQ(meters()[0]["pulses"], 8) << "the pulses are the measurement table's";
}

// An emon_<seconds> form with a meter column and counts per epoch / seconds,
// which an earlier brief described, is still read where a file has it.
TEST_F(EmonImport, TheEmonSecondsFormIsCheckedToo) {
  write_database(
      dir / "emon.db",
      std::string(real_schema) +
          "CREATE TABLE emon_3600 AS SELECT m_id, epoch / 3600 AS epoch, count(*) AS "
          "count FROM measurement GROUP BY m_id, epoch / 3600;"
          "UPDATE emon_3600 SET count = 9 WHERE m_id = 1 AND epoch = 1700000000 / 3600;");
  const Completed done = import(dir / "emon.db");
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_NE(done.out.find("emon_3600 (counts per 3600 s): 5 intervals, 1 disagree (the first: "
                          "meter 1, 2023-11-14T22:00:00Z: the table says 9, stored 4)"),
            std::string::npos)
      << done.out;
  EXPECT_NE(done.out.find("likely stale"), std::string::npos) << done.out;
}

// The schema file's sample user (admin/admin) could never log in to the old
// service, which checked only its config.json; it must not log in now. The
// config.json's user does, with its old password, told to change it.
TEST_F(EmonImport, OnlyTheOldServicesConfiguredUserLogsIn) {
  write_database(dir / "emon.db", real_schema);
  std::ofstream(dir / "config.json") << R"({"secretkey":"s3cret","username":"pi",)"
                                     << R"("password":"raspberry","webPort":3000,)"
                                     << R"("database":"emon.db"})";
  const Completed done = pulsemon({"import", "emon-db", (dir / "emon.db").string(), "--users-from",
                                   (dir / "config.json").string()});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_NE(done.out.find("users: 'pi' from"), std::string::npos) << done.out;
  EXPECT_NE(done.out.find("user table has 1 rows; none was imported"), std::string::npos)
      << done.out;

  const testing::RunningDaemon daemon = testing::start_daemon(target() / "pulsemon.toml");
  const auto login = [&](const std::string &user, const std::string &password) {
    return testing::http_request(daemon.port, "POST", "/apiv2/login",
                                 nlohmann::json{{"username", user}, {"password", password}}.dump(),
                                 {{"Content-Type", "application/json"}});
  };
  EXPECT_EQ(login("admin", "admin").status, 401U) << "the sample row is not an account";
  const testing::HttpResult ok = login("pi", "raspberry");
  ASSERT_EQ(ok.status, 200U) << ok.body;
  EXPECT_EQ(nlohmann::json::parse(ok.body)["password_change_required"], true);
  EXPECT_EQ(login("pi", "Raspberry").status, 401U);

  std::ofstream(dir / "broken.json") << R"({"username":"pi"})";
  const Completed refused = pulsemon({"import", "emon-db", (dir / "emon.db").string(),
                                      "--users-from", (dir / "broken.json").string()});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("--users-from"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("\"password\""), std::string::npos) << refused.err;
}

TEST_F(EmonImport, ImportingTheSameFileTwiceAddsNothing) {
  write_database(dir / "emon.db", old_schema);
  ASSERT_EQ(import(dir / "emon.db").exit_code, 0);
  const std::string before = target_state();
  const Completed again = import(dir / "emon.db");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("8 measurement rows, 0 new, 8 already there"), std::string::npos)
      << again.out;
  EXPECT_EQ(target_state(), before);
}

TEST_F(EmonImport, AFileThatIsNotADatabaseIsRefused) {
  std::ofstream(dir / "notes.db") << "these are my meter notes, not a database\n";
  expect_refused(dir / "notes.db", "not a readable SQLite database");
  expect_refused(dir / "missing.db", "does not exist");
}

TEST_F(EmonImport, AForeignDatabaseIsRefusedNamingWhatIsMissing) {
  write_database(dir / "shop.db", "CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL);");
  expect_refused(dir / "shop.db", "no 'meter' table");
  write_database(dir / "odd.db", "CREATE TABLE meter (id INTEGER PRIMARY KEY);"
                                 "CREATE TABLE measurement (id INTEGER, value REAL);");
  expect_refused(dir / "odd.db", "needs a meter column");
}

TEST_F(EmonImport, ADamagedFileIsRefusedAndTheTargetIsUntouched) {
  // Enough rows for several pages, then garbage over the middle of the file.
  std::string sql = old_schema;
  sql += "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
         "INSERT INTO measurement (meterid, epoch) SELECT 3, 1700001000 + i FROM n;";
  write_database(dir / "emon.db", sql);
  const auto size = std::filesystem::file_size(dir / "emon.db");
  ASSERT_GT(size, 16384U);
  {
    std::fstream file(dir / "emon.db", std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(size / 2));
    const std::string garbage(8192, '\x5a');
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  expect_refused(dir / "emon.db", "cannot be imported");
}

TEST_F(EmonImport, ARowWithoutATimeRefusesTheWholeFile) {
  write_database(dir / "emon.db",
                 std::string(old_schema) +
                     "INSERT INTO measurement (meterid, epoch) VALUES (3, 'last tuesday');"
                     "INSERT INTO measurement (meterid, epoch) VALUES (3, 1700000000000);");
  expect_refused(dir / "emon.db", "measurement row");
}

TEST_F(EmonImport, AMeterIdTakenByAnotherMeterIsRefusedBeforeAnythingIsWritten) {
  ASSERT_EQ(pulsemon({"meter", "add", "--id", "3", "--name", "Solar", "--kind", "electricity",
                      "--ppu", "1000"})
                .exit_code,
            0);
  write_database(dir / "emon.db", old_schema);
  const std::string before = target_state();
  const Completed done = import(dir / "emon.db");
  EXPECT_EQ(done.exit_code, 1);
  EXPECT_NE(done.err.find("meter 3 already exists in the target as 'Solar'"), std::string::npos)
      << done.err;
  EXPECT_EQ(target_state(), before);
}

} // namespace
} // namespace pulsemon

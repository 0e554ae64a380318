// pulsemon import emon-db at the edges of real old installations: epochs
// that mix numbers and texts, fractions that collide, a logger that keeps
// writing, a journal left by a crash, read-only media, a meter id that is
// not a number, and a long import on a terminal.
#include "emon_import_fixture.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <map>
#include <random>
#include <thread>

namespace pulsemon {
namespace {

constexpr const char *logger_schema = R"sql(
CREATE TABLE meter (id INTEGER PRIMARY KEY, created NUMERIC NOT NULL, description TEXT NOT NULL,
                    location TEXT NOT NULL, ipu INTEGER DEFAULT 0);
CREATE TABLE measurement (id INTEGER PRIMARY KEY, epoch NUMERIC NOT NULL, m_id INTEGER NOT NULL);
INSERT INTO meter (id, created, description, location) VALUES (1, '2026-01-01 00:00:00',
                                                               'Elektra', 'meterkast');
)sql";

// Runs `sql` on the file in a child process that then exits without closing
// the database, as a logger killed mid-work would.
void run_and_die(const std::filesystem::path &file, const char *sql) {
  const pid_t child = fork();
  if (child == 0) {
    sqlite3 *db = nullptr;
    sqlite3_open(file.c_str(), &db);
    sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
}

std::string utc_text(std::int64_t epoch_s, const char *format) {
  const std::time_t t = epoch_s;
  std::tm parts{};
  gmtime_r(&t, &parts);
  char text[32];
  std::strftime(text, sizeof text, format, &parts);
  return text;
}

// Pulse counts per UTC hour, from export csv's ISO times ("2026-12-01T23").
std::map<std::string, int> hours_of_export(const std::string &csv) {
  std::map<std::string, int> hours;
  std::size_t at = csv.find('\n') + 1; // past the header
  while (at < csv.size()) {
    const std::size_t end = csv.find('\n', at);
    ++hours[csv.substr(at, 13)];
    at = end + 1;
  }
  return hours;
}

struct OldRow {
  double epoch;    // seconds, maybe with a fraction
  std::string sql; // how the logger (or a hand) wrote it: a number or a text
};

// Numbers, texts and fractions in one NUMERIC column, with collisions,
// and the field's case: 1796255999.5, .5, .75 in the last second of a UTC
// day (1796256000 = 2026-12-03T00:00:00Z).
TEST_F(EmonImport, MixedAndFractionalEpochsImportEveryRowInItsOwnHourAndDay) {
  std::vector<OldRow> rows{{1796255999.5, "1796255999.5"},
                           {1796255999.5, "1796255999.5"},
                           {1796255999.75, "1796255999.75"}};
  std::mt19937 random(42);
  std::int64_t second = 1'796'250'000;
  for (int i = 0; i < 3000; ++i) {
    second += static_cast<std::int64_t>(random() % 4); // 0: the same second again
    switch (random() % 4) {
    case 0:
      rows.push_back({static_cast<double>(second), "'" + utc_text(second, "%F %T") + "'"});
      break;
    case 1:
      rows.push_back({static_cast<double>(second) + 0.25, std::to_string(second) + ".25"});
      break;
    default:
      rows.push_back({static_cast<double>(second), std::to_string(second)});
    }
  }
  std::string sql = logger_schema;
  std::shuffle(rows.begin(), rows.end(), random); // row order is not time order
  for (const OldRow &row : rows) {
    sql += "INSERT INTO measurement (epoch, m_id) VALUES (" + row.sql + ", 1);";
  }
  write_database(dir / "emon.db", sql);

  const Completed done = import(dir / "emon.db");
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_NE(done.out.find(std::to_string(rows.size()) + " measurement rows, " +
                          std::to_string(rows.size()) + " new"),
            std::string::npos)
      << done.out;
  const std::string csv = pulsemon({"export", "csv", "--meter", "1"}).out;
  std::map<std::string, int> expected_hours;
  for (const OldRow &row : rows) {
    ++expected_hours[utc_text(static_cast<std::int64_t>(row.epoch), "%FT%H")];
  }
  EXPECT_EQ(hours_of_export(csv), expected_hours) << "SQL's epoch / 3600, hour by hour";
  EXPECT_NE(csv.find("2026-12-02T23:59:59.500000Z\n2026-12-02T23:59:59.625000Z\n"
                     "2026-12-02T23:59:59.750000Z\n"),
            std::string::npos)
      << "the two rows at .5 share [.5, .75); none moves into the next day";
}

TEST_F(EmonImport, RowsAddedToAnImportedSecondAreAddedOnceAndSaidSo) {
  write_database(dir / "emon.db", std::string(logger_schema) +
                                      "INSERT INTO measurement (epoch, m_id) VALUES "
                                      "(1700000000, 1), (1700000000, 1), (1700000005, 1);");
  ASSERT_EQ(import(dir / "emon.db").exit_code, 0);
  write_database(dir / "emon.db", "INSERT INTO measurement (epoch, m_id) VALUES "
                                  "(1700000005, 1), (1700000000, 1), (1700000009, 1);");
  const Completed again = import(dir / "emon.db");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("6 measurement rows, 3 new, 3 already there"), std::string::npos)
      << again.out;
  EXPECT_NE(again.out.find("2 seconds had fewer pulses here than rows in the file (the old "
                           "logger wrote into them after an earlier import): their 2 missing "
                           "pulses were added, none doubled"),
            std::string::npos)
      << again.out;
  EXPECT_EQ(meters()[0]["pulses"], 6);
  const Completed third = import(dir / "emon.db");
  EXPECT_NE(third.out.find("6 measurement rows, 0 new, 6 already there"), std::string::npos)
      << third.out;
}

// The old logger commits row by row, several rows in some seconds, while
// the import runs again and again; once it stops, one more import leaves
// exactly one pulse per row.
class EmonImportWhileLogging : public EmonImport,
                               public ::testing::WithParamInterface<const char *> {};

TEST_P(EmonImportWhileLogging, EndsWithOnePulsePerRow) {
  write_database(dir / "emon.db",
                 std::string("PRAGMA journal_mode = ") + GetParam() + ";" + logger_schema);
  std::atomic<bool> stop = false;
  std::atomic<int> written = 0;
  std::thread logger([&] {
    sqlite3 *db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "emon.db").c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 10'000);
    for (int i = 0; !stop; ++i) {
      // Three rows in every second, one row per commit, as the logger did
      // (a thousand commits a second: far faster than any meter pulses).
      const std::string insert = "INSERT INTO measurement (epoch, m_id) VALUES (" +
                                 std::to_string(1'700'000'000 + i / 3) + ", 1)";
      ASSERT_EQ(sqlite3_exec(db, insert.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
      ++written;
      std::this_thread::sleep_for(std::chrono::milliseconds{1});
    }
    sqlite3_close(db);
  });
  while (written < 200) {
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  for (int round = 0; round < 4; ++round) {
    const Completed done = import(dir / "emon.db");
    EXPECT_EQ(done.exit_code, 0) << done.err;
    EXPECT_EQ(done.out.find("hold more pulses here"), std::string::npos) << done.out;
  }
  stop = true;
  logger.join();
  const Completed last = import(dir / "emon.db");
  ASSERT_EQ(last.exit_code, 0) << last.err;
  EXPECT_EQ(meters()[0]["pulses"], written.load()) << last.out;
  EXPECT_NE(last.out.find(std::to_string(written.load()) + " measurement rows"), std::string::npos)
      << last.out;
}

INSTANTIATE_TEST_SUITE_P(JournalModes, EmonImportWhileLogging, ::testing::Values("wal", "delete"));

// A logger killed inside a transaction leaves a hot journal beside the file.
TEST_F(EmonImport, AHotJournalIsRefusedWithWhatToDo) {
  write_database(dir / "emon.db", std::string(logger_schema) +
                                      "INSERT INTO measurement (epoch, m_id) VALUES "
                                      "(1700000000, 1);");
  // Killed inside the transaction: no commit, no rollback.
  run_and_die(dir / "emon.db",
              "PRAGMA cache_size = 2; BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
              "SELECT i + 1 FROM n WHERE i < 5000) INSERT INTO measurement (epoch, m_id) "
              "SELECT 1700000000 + i, 1 FROM n;");
  ASSERT_TRUE(std::filesystem::exists(dir / "emon.db-journal"));
  expect_refused(dir / "emon.db",
                 "a crashed writer left a journal (" + (dir / "emon.db").string() +
                     "-journal); open it once with sqlite3 or the old logger to roll it back, "
                     "or copy it");
  EXPECT_TRUE(std::filesystem::exists(dir / "emon.db-journal")) << "the file is left alone";
}

TEST_F(EmonImport, AMeterIdThatIsNotANumberIsNamedWithItsRow) {
  write_database(dir / "emon.db", std::string(logger_schema) +
                                      "INSERT INTO measurement (epoch, m_id) VALUES "
                                      "(1700000000, 1), (1700000001, 'abc'), (1700000002, 1);");
  expect_refused(dir / "emon.db", "measurement row 2: column 'm_id' is 'abc', not a meter id "
                                  "(a whole number)");
  write_database(dir / "text-id.db", std::string(logger_schema) +
                                         "INSERT INTO measurement (epoch, m_id) VALUES "
                                         "(1700000000, 1), (1700000001, '1');");
  const Completed done = import(dir / "text-id.db");
  EXPECT_EQ(done.exit_code, 0) << done.err;
  EXPECT_NE(done.out.find("2 measurement rows, 2 new"), std::string::npos) << done.out;
}

// Read-only media: the folder is bind-mounted read-only in a mount
// namespace of the import's own, so SQLite cannot make its -shm index.
class EmonImportReadOnly : public EmonImport {
protected:
  Completed import_read_only(const std::filesystem::path &folder,
                             const std::filesystem::path &file) const {
    return testing::run(
        "/usr/bin/unshare",
        {"--mount", "sh", "-c", "mount --bind -o ro \"$1\" \"$1\" && shift && exec \"$@\"", "sh",
         folder.string(), pulsemon_binary().string(), "-c", (target() / "pulsemon.toml").string(),
         "import", "emon-db", file.string()});
  }

  void SetUp() override {
    EmonImport::SetUp();
    const Completed probe = testing::run(
        "/usr/bin/unshare", {"--mount", "sh", "-c", "mount --bind -o ro /tmp /tmp && true"});
    if (probe.exit_code != 0) {
      GTEST_SKIP() << "no mount namespace here (needs root): " << probe.err;
    }
  }
};

TEST_F(EmonImportReadOnly, ACleanlyClosedWalDatabaseIsReadImmutable) {
  std::filesystem::create_directory(dir / "media");
  write_database(dir / "media/emon.db",
                 std::string("PRAGMA journal_mode = wal;") + logger_schema +
                     "INSERT INTO measurement (epoch, m_id) VALUES (1700000000, 1), "
                     "(1700000007, 1);");
  ASSERT_FALSE(std::filesystem::exists(dir / "media/emon.db-wal")) << "closed cleanly";
  const Completed done = import_read_only(dir / "media", dir / "media/emon.db");
  ASSERT_EQ(done.exit_code, 0) << done.err << done.out;
  EXPECT_NE(done.out.find("the file was read as an immutable file (it is on read-only media)"),
            std::string::npos)
      << done.out;
  EXPECT_EQ(meters()[0]["pulses"], 2);
}

TEST_F(EmonImportReadOnly, AWalThatWaitsToBeAppliedIsReadFromAPrivateCopy) {
  std::filesystem::create_directory(dir / "media");
  write_database(dir / "media/emon.db", std::string("PRAGMA journal_mode = wal;") + logger_schema);
  // Gone without closing: the rows live only in the WAL.
  run_and_die(dir / "media/emon.db",
              "PRAGMA wal_autocheckpoint = 0; INSERT INTO measurement (epoch, m_id) VALUES "
              "(1700000000, 1), (1700000000, 1), (1700000003, 1);");
  ASSERT_GT(std::filesystem::file_size(dir / "media/emon.db-wal"), 0U);
  // Copied to a stick without its -shm index, which SQLite cannot rebuild
  // in a read-only folder.
  std::filesystem::remove(dir / "media/emon.db-shm");
  const Completed done = import_read_only(dir / "media", dir / "media/emon.db");
  ASSERT_EQ(done.exit_code, 0) << done.err << done.out;
  EXPECT_NE(done.out.find("read from a private copy with its WAL applied"), std::string::npos)
      << done.out;
  EXPECT_EQ(meters()[0]["pulses"], 3);
}

// On writable media, a folder this user may not write (another user's
// home) could hold a file a logger still writes: an immutable read could
// see it torn, so the import refuses and says what to do.
TEST_F(EmonImport, AFolderThisUserMayNotWriteOnWritableMediaIsRefusedWithWhatToDo) {
  std::filesystem::create_directory(dir / "home");
  write_database(dir / "home/emon.db", std::string("PRAGMA journal_mode = wal;") + logger_schema +
                                           "INSERT INTO measurement (epoch, m_id) VALUES "
                                           "(1700000000, 1);");
  ASSERT_FALSE(std::filesystem::exists(dir / "home/emon.db-shm"));
  namespace fs = std::filesystem;
  fs::permissions(dir / "home", fs::perms::owner_read | fs::perms::owner_exec |
                                    fs::perms::group_read | fs::perms::group_exec |
                                    fs::perms::others_read | fs::perms::others_exec);
  std::vector<std::string> command{"-c", (target() / "pulsemon.toml").string(), "import", "emon-db",
                                   (dir / "home/emon.db").string()};
  std::filesystem::path program = pulsemon_binary();
  if (::geteuid() == 0) {
    // Root may write anywhere: run as nobody, who may write the target.
    fs::permissions(dir.path(), fs::perms::others_exec, fs::perm_options::add);
    for (const auto &entry : fs::recursive_directory_iterator(target())) {
      fs::permissions(entry.path(), fs::perms::others_all, fs::perm_options::add);
    }
    fs::permissions(target(), fs::perms::others_all, fs::perm_options::add);
    command.insert(command.begin(),
                   {"--reuid=65534", "--regid=65534", "--clear-groups", program.string()});
    program = "/usr/bin/setpriv";
  }
  const Completed done = testing::run(program, command);
  EXPECT_EQ(done.exit_code, 2) << done.out << done.err;
  EXPECT_NE(done.err.find("SQLite cannot read it without writing beside it (its -shm index), "
                          "and this user may not write in " +
                          (dir / "home").string()),
            std::string::npos)
      << done.err;
  EXPECT_FALSE(fs::exists(dir / "home/emon.db-shm")) << "nothing written beside it";
}

// A long import on a terminal shows its progress, redrawn in place, and
// ends with the summary; with standard error redirected, the summary alone.
TEST_F(EmonImport, ProgressOnATerminalAndOnlyTheSummaryElsewhere) {
  write_database(dir / "emon.db",
                 std::string(logger_schema) +
                     "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < "
                     "300000) INSERT INTO measurement (epoch, m_id) SELECT 1700000000 + i / 2, 1 "
                     "FROM n;");
  const Completed shown = testing::run_on_terminal(
      pulsemon_binary(), {"-c", (target() / "pulsemon.toml").string(), "import", "emon-db",
                          (dir / "emon.db").string()});
  ASSERT_EQ(shown.exit_code, 0) << shown.out;
  const std::size_t checking = shown.out.find("\rchecking rows: ");
  const std::size_t importing = shown.out.find("\rimporting rows: ");
  const std::size_t summary = shown.out.find("Imported ");
  ASSERT_NE(checking, std::string::npos) << shown.out;
  ASSERT_NE(importing, std::string::npos) << shown.out;
  ASSERT_NE(summary, std::string::npos) << shown.out;
  EXPECT_LT(checking, importing);
  EXPECT_LT(importing, summary);
  EXPECT_EQ(shown.out.find("rows: ", summary), std::string::npos)
      << "no progress after the summary";
  EXPECT_NE(shown.out.find("300000 measurement rows", summary), std::string::npos) << shown.out;

  const Completed quiet = import(dir / "emon.db");
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.err, "") << "nothing but the summary when standard error is not a terminal";
  EXPECT_EQ(quiet.out.find('\r'), std::string::npos) << quiet.out;
  EXPECT_NE(quiet.out.find("300000 measurement rows, 0 new, 300000 already there"),
            std::string::npos)
      << quiet.out;
}

} // namespace
} // namespace pulsemon

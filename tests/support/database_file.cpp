#include "support/database_file.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

namespace pulsemon::testing {

std::vector<std::string> rows_of(const std::filesystem::path &database, const std::string &sql) {
  sqlite3 *db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK)
      << database;
  sqlite3_busy_timeout(db, 5000);
  std::vector<std::string> rows;
  sqlite3_stmt *statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr), SQLITE_OK)
      << sql << ": " << sqlite3_errmsg(db);
  while (statement != nullptr && sqlite3_step(statement) == SQLITE_ROW) {
    std::string row;
    for (int column = 0; column < sqlite3_column_count(statement); ++column) {
      const unsigned char *text = sqlite3_column_text(statement, column);
      row += (column > 0 ? "|" : "") +
             std::string(text != nullptr ? reinterpret_cast<const char *>(text) : "");
    }
    rows.push_back(std::move(row));
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return rows;
}

std::vector<std::int64_t> stored_pulse_times(const std::filesystem::path &database,
                                             std::int64_t meter_id) {
  std::vector<std::int64_t> times;
  // Ids are numbers from the test itself, so splicing one in is safe here.
  for (const std::string &row :
       rows_of(database, "SELECT ts_us FROM pulses WHERE meter_id = " + std::to_string(meter_id) +
                             " ORDER BY ts_us")) {
    times.push_back(std::stoll(row));
  }
  return times;
}

} // namespace pulsemon::testing

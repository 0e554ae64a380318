#include "support/database_file.h"

#include "core/pulse_block.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>

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

std::map<std::int64_t, std::vector<std::int64_t>>
stored_pulses(const std::filesystem::path &database) {
  std::map<std::int64_t, std::vector<std::int64_t>> pulses;
  for (const std::string &row : rows_of(database, "SELECT meter_id, ts_us FROM pulses")) {
    const auto bar = row.find('|');
    pulses[std::stoll(row.substr(0, bar))].push_back(std::stoll(row.substr(bar + 1)));
  }
  if (rows_of(database, "SELECT 1 FROM sqlite_schema WHERE name = 'pulse_blocks'").empty()) {
    return pulses; // a store from before sealed blocks
  }
  // The blocks' bytes as hex, so that they pass through rows_of's text.
  for (const std::string &row :
       rows_of(database, "SELECT meter_id, hex(data) FROM pulse_blocks ORDER BY meter_id")) {
    const auto bar = row.find('|');
    const std::string hex = row.substr(bar + 1);
    std::string bytes;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
      bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    const Result<std::vector<UtcTime>> block = decode_pulse_block(bytes);
    EXPECT_TRUE(block.ok()) << database << ": a block does not decode";
    if (!block) {
      continue;
    }
    auto &times = pulses[std::stoll(row.substr(0, bar))];
    for (const UtcTime t : *block) {
      times.push_back(to_epoch_us(t));
    }
  }
  for (auto &[meter_id, times] : pulses) {
    std::sort(times.begin(), times.end());
  }
  return pulses;
}

std::vector<std::int64_t> stored_pulse_times(const std::filesystem::path &database,
                                             std::int64_t meter_id) {
  auto pulses = stored_pulses(database);
  return std::move(pulses[meter_id]);
}

std::int64_t stored_pulse_count(const std::filesystem::path &database) {
  std::int64_t count = 0;
  for (const auto &[meter_id, times] : stored_pulses(database)) {
    count += static_cast<std::int64_t>(times.size());
  }
  return count;
}

} // namespace pulsemon::testing

#pragma once
// Reads an old-stack emon.db (the Python logger's SQLite file) without ever
// writing to it. The old layout, as its services used it:
//
//   meter(id, created, updated, description, location, ipu)
//   measurement(…, <meter id>, <time>)   one row per falling edge
//   user(username, password)             plaintext passwords, optional
//
// The logger's column names varied between versions, so the measurement's
// meter column may be meterid | meter_id | mid | meter and its time column
// epoch | timestamp | time | ts | created | datetime; times are whole or
// fractional epoch seconds or "YYYY-MM-DD HH:MM:SS" (UTC). Anything else is
// refused with a message saying what was expected.

#include "core/time.h"
#include "store/sqlite/sqlite_handle.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pulsemon {

struct EmonMeter {
  std::int64_t id = 0;
  std::string description;
  std::string location;
  std::optional<UtcTime> created;
  bool listed = true; // false: only measurements name it, the meter table does not
};

struct EmonUser {
  std::string name;
  std::string password; // plaintext, as the old stack kept it
};

class EmonDb {
public:
  // Opens read-only and checks integrity and layout; throws
  // Failure(invalid_argument) saying what is wrong with the file.
  explicit EmonDb(const std::filesystem::path &path);

  [[nodiscard]] std::vector<EmonMeter> meters();
  [[nodiscard]] std::vector<EmonUser> users(); // empty without a user table
  [[nodiscard]] std::int64_t measurement_count();

  // Calls visit(meter, stamp) for every measurement in (meter, time, row)
  // order. Throws Failure(invalid_argument) naming the row whose time is
  // not a time, lies outside 1990–2100, or goes back within its meter.
  void for_each_measurement(const std::function<void(std::int64_t, UtcTime)> &visit);

private:
  [[nodiscard]] std::string refuse_prefix() const;

  std::filesystem::path path_;
  sqlite::Database db_;
  std::string meter_column_;
  std::string time_column_;
  std::string user_table_;
  std::string user_name_column_;
};

} // namespace pulsemon

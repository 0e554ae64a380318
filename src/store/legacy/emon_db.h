#pragma once
// Reads an old-stack emon.db (the Python logger's SQLite file) without ever
// writing to it. The old layout, as its services used it:
//
//   meter(id, created, description, location, ipu)
//   measurement(id, epoch, m_id)         one row per falling edge
//   emon_<seconds>(…)                    the cron job's counts per interval, optional
//   user(username, password)             a table the old service never read, optional
//
// The logger's column names varied between versions, so the measurement's
// meter column may be m_id | meterid | meter_id | mid | meter and its time column
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

// One of the cron job's count tables, emon_<seconds>: pulses per interval
// of `seconds`, per meter when it has a meter column.
struct EmonCountTable {
  std::string name;
  std::int64_t seconds = 0;
};

// A row of such a table: the interval [start, start + seconds).
struct EmonCount {
  std::optional<std::int64_t> meter_id; // none: all meters together
  UtcTime start;
  std::int64_t pulses = 0;
};

class EmonDb {
public:
  // Opens read-only and checks integrity and layout; throws
  // Failure(invalid_argument) saying what is wrong with the file.
  explicit EmonDb(const std::filesystem::path &path);

  [[nodiscard]] std::vector<EmonMeter> meters();
  // Rows of a user/users table (0 without one). The old service never read
  // them (it checked the one user of its config.json), so they are counted
  // for the report, never imported.
  [[nodiscard]] std::int64_t user_rows();
  [[nodiscard]] std::int64_t measurement_count();

  // The cron job's count tables whose layout is recognised: a count column
  // (count | cnt | pulses | total | n), an interval column (epoch / seconds,
  // or the interval's start in epoch seconds) and optionally a meter column.
  [[nodiscard]] std::vector<EmonCountTable> count_tables();
  // Calls visit for every row of `table` (one of count_tables()).
  void for_each_count(const EmonCountTable &table,
                      const std::function<void(const EmonCount &)> &visit);

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
};

} // namespace pulsemon

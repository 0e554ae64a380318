#pragma once
// Reads an old-stack emon.db (the Python logger's SQLite file) without ever
// writing to it. The old layout, as its services used it:
//
//   meter(id, created, description, location, ipu)
//   measurement(id, epoch, m_id)         one row per falling edge
//   emon_<meter>_<seconds>(id, epoch, ticks, m_id)
//                                        the cron job emoncollect.py's counts per
//                                        interval: `epoch` is one measurement's
//                                        epoch inside the interval, `ticks` its count
//   user(username, password)             a table the old service never read, optional
//
// The logger's column names varied between versions, so the measurement's
// meter column may be m_id | meterid | meter_id | mid | meter and its time column
// epoch | timestamp | time | ts | created | datetime; times are whole or
// fractional epoch seconds or "YYYY-MM-DD HH:MM:SS" (UTC), mixed in one
// column as NUMERIC affinity allows. Anything else is refused with a
// message naming the row, the column and the value.

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

// One of the cron job's count tables: emon_<meter>_<seconds> as every old
// installation has them, or an emon_<seconds> form with a meter column.
struct EmonCountTable {
  std::string name;
  std::int64_t seconds = 0;
  std::optional<std::int64_t> meter_id; // from the name; none: from a column
  std::string time_column;
  std::string count_column;
  std::string meter_column; // empty: the table counts every meter together
};

// A row of such a table: the interval [start, start + seconds).
struct EmonCount {
  UtcTime start;
  std::int64_t pulses = 0;
};

// The measurement rows one import reads: those up to `last_row`, so that
// rows a running logger adds meanwhile wait for the next import instead of
// being read by one pass and not the other.
struct MeasurementSnapshot {
  std::int64_t last_row = 0; // the largest rowid
  std::int64_t rows = 0;
  // Every meter an integer and every time a number, as the logger wrote
  // them: then SQLite orders the rows by the columns themselves, which
  // sorts a ten-year file markedly faster than by computed keys.
  bool numbers_only = true;
};

class EmonDb {
public:
  // Opens read-only and checks integrity and layout; throws
  // Failure(invalid_argument) saying what is wrong with the file. A file
  // that cannot be opened in place without writing beside it is opened
  // immutable on read-only media (from a private copy when it has a WAL to
  // apply), and refused, saying what to do, on media a logger could still
  // be writing.
  explicit EmonDb(const std::filesystem::path &path);
  ~EmonDb();
  EmonDb(const EmonDb &) = delete;
  EmonDb &operator=(const EmonDb &) = delete;

  // How the file was opened when not simply read-only in place; empty otherwise.
  [[nodiscard]] const std::string &opened_note() const { return opened_note_; }

  [[nodiscard]] MeasurementSnapshot snapshot();
  // Rows added after the snapshot (by a logger still writing).
  [[nodiscard]] std::int64_t rows_after(const MeasurementSnapshot &snapshot);

  // Meters of the meter table, and those only measurements name.
  [[nodiscard]] std::vector<EmonMeter> meters(const MeasurementSnapshot &snapshot);
  // Rows of a user/users table (0 without one). The old service never read
  // them (it checked the one user of its config.json), so they are counted
  // for the report, never imported.
  [[nodiscard]] std::int64_t user_rows();

  // The cron job's count tables whose layout is recognised.
  [[nodiscard]] std::vector<EmonCountTable> count_tables();
  // The meters a table counts, for a table with a meter column.
  [[nodiscard]] std::vector<std::int64_t> meters_in(const EmonCountTable &table);
  // Calls visit for the table's rows of `meter_id` (all rows for a table
  // that counts every meter together), in time order.
  void for_each_count(const EmonCountTable &table, std::optional<std::int64_t> meter_id,
                      const std::function<void(const EmonCount &)> &visit);

  // Calls visit(meter, stamp) for every measurement of the snapshot in
  // (meter, time, row) order. Throws Failure(invalid_argument) naming the
  // row, column and value of a meter that is not a whole number or a time
  // that is not a time or lies outside 1990–2100.
  void for_each_measurement(const MeasurementSnapshot &snapshot,
                            const std::function<void(std::int64_t, UtcTime)> &visit);

private:
  [[nodiscard]] std::string refuse_prefix() const;
  sqlite::Database open_for_reading();

  std::filesystem::path path_;
  std::filesystem::path private_copy_; // a folder to remove, when one was made
  std::string opened_note_;
  sqlite::Database db_;
  std::string meter_column_;
  std::string time_column_;
  std::string user_table_;
};

} // namespace pulsemon

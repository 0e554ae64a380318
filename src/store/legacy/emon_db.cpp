#include "store/legacy/emon_db.h"

#include "core/quoted_input.h"
#include "core/time_text.h"

#include <date/tz.h>
#include <sqlite3.h>

#include <sys/statvfs.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <map>
#include <string_view>
#include <system_error>

namespace pulsemon {

namespace {

// Column names are chosen from these fixed lists, never taken from the file,
// so they are safe to place in SQL text (SQL cannot bind identifiers).
constexpr std::array<std::string_view, 5> meter_column_names{"m_id", "meterid", "meter_id", "mid",
                                                             "meter"};
constexpr std::array<std::string_view, 7> count_column_names{"ticks", "count", "cnt",     "pulses",
                                                             "total", "n",     "count(*)"};
constexpr std::array<std::string_view, 7> interval_column_names{
    "epoch", "interval", "slot", "period", "bucket", "time", "start"};
constexpr std::array<std::string_view, 6> time_column_names{"epoch", "timestamp", "time",
                                                            "ts",    "created",   "datetime"};

// 1990-01-01 and 2100-01-01: anything outside is not epoch seconds (most
// likely milliseconds) and would land pulses in the wrong century.
constexpr std::int64_t earliest_epoch_s = 631'152'000;
constexpr std::int64_t latest_epoch_s = 4'102'444'800;

std::string sql_identifier(std::string_view identifier) {
  return "\"" + std::string(identifier) + "\"";
}

std::vector<std::string> columns_of(sqlite::Database &db, std::string_view table) {
  sqlite::Statement info(db, "SELECT name FROM pragma_table_info(?1)");
  info.bind(1, table);
  std::vector<std::string> names;
  while (info.step()) {
    names.push_back(info.column_text(0));
  }
  return names;
}

template <std::size_t N>
std::string first_present(const std::vector<std::string> &columns,
                          const std::array<std::string_view, N> &wanted) {
  for (const std::string_view name : wanted) {
    for (const std::string &column : columns) {
      if (column == name) {
        return column;
      }
    }
  }
  return {};
}

std::string join(const std::vector<std::string> &names) {
  std::string text;
  for (const std::string &name : names) {
    text += (text.empty() ? "" : ", ") + name;
  }
  return text.empty() ? "none" : text;
}

template <std::size_t N> std::string join(const std::array<std::string_view, N> &names) {
  std::string text;
  for (const std::string_view name : names) {
    text += (text.empty() ? "" : " | ") + std::string(name);
  }
  return text;
}

bool has_column(const std::vector<std::string> &columns, std::string_view name) {
  for (const std::string &column : columns) {
    if (column == name) {
      return true;
    }
  }
  return false;
}

std::optional<UtcTime> parse_old_time(const std::string &text) {
  auto parsed = parse_time(text, *date::locate_zone("UTC"));
  if (!parsed.ok()) {
    return std::nullopt;
  }
  const auto seconds = std::chrono::floor<std::chrono::seconds>(*parsed).time_since_epoch().count();
  if (seconds < earliest_epoch_s || seconds >= latest_epoch_s) {
    return std::nullopt;
  }
  return *parsed;
}

// The time column as a number to sort by: epoch seconds as stored, or a
// date text's seconds (to the millisecond), so that numbers and texts in
// one NUMERIC column sort together rather than numbers first.
std::string time_sort_key(const std::string &column) {
  const std::string t = sql_identifier(column);
  return "CASE WHEN typeof(" + t + ") IN ('integer', 'real') THEN " + t + " WHEN typeof(" + t +
         ") = 'text' AND trim(" + t + ") GLOB '[0-9][0-9][0-9][0-9]-*' THEN round((julianday(" + t +
         ") - 2440587.5) * 86400000.0) / 1000.0 ELSE CAST(" + t + " AS REAL) END";
}

// A meter id as the logger wrote it: an integer, or a real or text that
// holds one (NUMERIC affinity keeps '7' as text in some layouts).
std::optional<std::int64_t> meter_id_of(const sqlite::Statement &row, int column) {
  switch (row.column_type(column)) {
  case SQLITE_INTEGER:
    return row.column_int(column);
  case SQLITE_FLOAT: {
    const double value = row.column_double(column);
    if (value >= -9e15 && value <= 9e15 &&
        value == static_cast<double>(static_cast<std::int64_t>(value))) {
      return static_cast<std::int64_t>(value);
    }
    return std::nullopt;
  }
  case SQLITE_TEXT: {
    const std::string text = row.column_text(column);
    if (text.empty() || text.size() > 18 ||
        text.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    return std::stoll(text);
  }
  default:
    return std::nullopt;
  }
}

std::filesystem::path folder_of(const std::filesystem::path &file) {
  return file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
}

bool can_write_beside(const std::filesystem::path &file) {
  return ::access(folder_of(file).c_str(), W_OK) == 0 && ::access(file.c_str(), W_OK) == 0;
}

// Media nothing can write to (a stick mounted read-only): only there is an
// immutable read safe, since no logger can be changing the file meanwhile.
bool on_read_only_media(const std::filesystem::path &file) {
  struct statvfs figures {};
  return ::statvfs(folder_of(file).c_str(), &figures) == 0 && (figures.f_flag & ST_RDONLY) != 0;
}

bool has_wal_to_apply(const std::filesystem::path &file) {
  std::error_code error;
  const auto size = std::filesystem::file_size(file.string() + "-wal", error);
  return !error && size > 0;
}

} // namespace

EmonDb::EmonDb(const std::filesystem::path &path) : path_(path), db_(open_for_reading()) {
  try {
    sqlite::Statement check(db_, "PRAGMA quick_check");
    check.step();
    const std::string verdict = check.column_text(0);
    if (verdict != "ok") {
      throw Failure(ErrorCode::invalid_argument,
                    refuse_prefix() + "the file is damaged (SQLite quick_check: " + verdict + ")");
    }
  } catch (const Failure &failure) {
    if (std::string_view(failure.what()).starts_with(refuse_prefix())) {
      throw;
    }
    throw Failure(ErrorCode::invalid_argument,
                  refuse_prefix() + "not a readable SQLite database (" + failure.what() + ")");
  }

  const auto meter_columns = columns_of(db_, "meter");
  if (meter_columns.empty()) {
    throw Failure(ErrorCode::invalid_argument,
                  refuse_prefix() + "it has no 'meter' table, so it is not an old-stack emon.db");
  }
  if (!has_column(meter_columns, "id")) {
    throw Failure(ErrorCode::invalid_argument, refuse_prefix() +
                                                   "its 'meter' table has no 'id' column (it has " +
                                                   join(meter_columns) + ")");
  }
  const auto measurement_columns = columns_of(db_, "measurement");
  if (measurement_columns.empty()) {
    throw Failure(ErrorCode::invalid_argument,
                  refuse_prefix() +
                      "it has no 'measurement' table, so it is not an old-stack emon.db");
  }
  meter_column_ = first_present(measurement_columns, meter_column_names);
  time_column_ = first_present(measurement_columns, time_column_names);
  if (meter_column_.empty() || time_column_.empty()) {
    throw Failure(ErrorCode::invalid_argument,
                  refuse_prefix() + "its 'measurement' table needs a meter column (" +
                      join(meter_column_names) + ") and a time column (" + join(time_column_names) +
                      "); it has " + join(measurement_columns));
  }
  for (const std::string_view table : {"user", "users"}) {
    if (!columns_of(db_, table).empty()) {
      user_table_ = table;
      break;
    }
  }
}

EmonDb::~EmonDb() {
  if (!private_copy_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(private_copy_, ignored);
  }
}

// Read-only in place where SQLite can do that. It cannot when a crashed
// writer left a hot journal (rolling it back means writing), nor for a WAL
// database whose folder it may not write its -shm index into (read-only
// media): that is read immutable when no WAL waits to be applied, else
// from a private copy of the file and its WAL.
sqlite::Database EmonDb::open_for_reading() {
  if (!std::filesystem::is_regular_file(path_)) {
    throw Failure(ErrorCode::invalid_argument, "FILE: " + path_.string() + " does not exist");
  }
  const auto unreadable = [this](const std::string &said) {
    return Failure(ErrorCode::invalid_argument,
                   refuse_prefix() + "not a readable SQLite database (" + said + ")");
  };
  int code = SQLITE_OK;
  std::string said;
  try {
    sqlite::Database db(path_, sqlite::OpenMode::read_only);
    // The old logger may be committing row after row while this reads.
    db.poll_while_busy();
    try {
      sqlite::Statement probe(db, "SELECT count(*) FROM sqlite_master");
      probe.step();
      return db;
    } catch (const Failure &failure) {
      code = db.extended_error_code();
      said = failure.what();
    }
  } catch (const Failure &failure) {
    throw unreadable(failure.what());
  }
  if (code == SQLITE_READONLY_ROLLBACK) {
    throw Failure(ErrorCode::invalid_argument,
                  refuse_prefix() + "a crashed writer left a journal (" + path_.string() +
                      "-journal); open it once with sqlite3 or the old logger to roll it back, "
                      "or copy it together with that journal to a writable folder and import "
                      "the copy");
  }
  const int primary = code & 0xff;
  if ((primary != SQLITE_CANTOPEN && primary != SQLITE_READONLY) || can_write_beside(path_)) {
    throw unreadable(said);
  }
  if (!on_read_only_media(path_)) {
    throw Failure(ErrorCode::invalid_argument,
                  refuse_prefix() +
                      "SQLite cannot read it without writing beside it (its -shm "
                      "index), and this user may not write in " +
                      folder_of(path_).string() +
                      ": run the import as a user who may (the file is still only read), or "
                      "copy the file with its -wal to a folder this user can write and import "
                      "the copy");
  }
  if (!has_wal_to_apply(path_)) {
    opened_note_ = "read as an immutable file (it is on read-only media)";
    return sqlite::Database(path_, sqlite::OpenMode::read_only_immutable);
  }
  std::string folder = (std::filesystem::temp_directory_path() / "pulsemon-emon-XXXXXX").string();
  if (::mkdtemp(folder.data()) == nullptr) {
    throw Failure(ErrorCode::unavailable,
                  refuse_prefix() +
                      "it is on read-only media and its WAL must be applied, but "
                      "no private copy could be made in " +
                      std::filesystem::temp_directory_path().string());
  }
  private_copy_ = folder;
  const auto copy = private_copy_ / "emon.db";
  try {
    std::filesystem::copy_file(path_, copy);
    std::filesystem::copy_file(path_.string() + "-wal", copy.string() + "-wal");
  } catch (const std::filesystem::filesystem_error &error) {
    std::error_code ignored;
    std::filesystem::remove_all(private_copy_, ignored);
    throw Failure(ErrorCode::unavailable,
                  refuse_prefix() +
                      "it is on read-only media and its WAL must be applied, but "
                      "the private copy failed: " +
                      error.code().message());
  }
  opened_note_ = "read from a private copy with its WAL applied (it is on read-only media)";
  return sqlite::Database(copy, sqlite::OpenMode::read_write);
}

std::string EmonDb::refuse_prefix() const {
  return "FILE: " + path_.string() + " cannot be imported: ";
}

MeasurementSnapshot EmonDb::snapshot() {
  const std::string meter = sql_identifier(meter_column_);
  const std::string time = sql_identifier(time_column_);
  // One pass over the table for all three figures.
  sqlite::Statement select(db_, "SELECT coalesce(max(rowid), 0), count(*), coalesce(sum(typeof(" +
                                    time + ") NOT IN ('integer', 'real') OR typeof(" + meter +
                                    ") <> 'integer'), 0) FROM measurement");
  select.step();
  return MeasurementSnapshot{select.column_int(0), select.column_int(1), select.column_int(2) == 0};
}

std::int64_t EmonDb::rows_after(const MeasurementSnapshot &snapshot) {
  sqlite::Statement select(db_, "SELECT count(*) FROM measurement WHERE rowid > ?1");
  select.bind(1, snapshot.last_row);
  select.step();
  return select.column_int(0);
}

std::vector<EmonMeter> EmonDb::meters(const MeasurementSnapshot &snapshot) {
  const auto columns = columns_of(db_, "meter");
  const auto text_or_empty = [&](std::string_view column) {
    return has_column(columns, column)
               ? "COALESCE(CAST(" + sql_identifier(column) + " AS TEXT), '')"
               : std::string("''");
  };
  std::map<std::int64_t, EmonMeter> by_id;
  sqlite::Statement listed(db_, "SELECT id, " + text_or_empty("description") + ", " +
                                    text_or_empty("location") + ", " + text_or_empty("created") +
                                    " FROM meter ORDER BY id");
  while (listed.step()) {
    if (listed.column_is_null(0)) {
      continue;
    }
    EmonMeter meter{listed.column_int(0), listed.column_text(1), listed.column_text(2),
                    parse_old_time(listed.column_text(3)), true};
    by_id[meter.id] = meter;
  }
  // Pulses of a meter the meter table forgot are still pulses.
  const std::string meter = sql_identifier(meter_column_);
  sqlite::Statement referenced(db_, "SELECT DISTINCT CAST(" + meter + " AS INTEGER) FROM " +
                                        "measurement WHERE rowid <= ?1 AND " + meter +
                                        " IS NOT NULL");
  referenced.bind(1, snapshot.last_row);
  while (referenced.step()) {
    const std::int64_t id = referenced.column_int(0);
    if (!by_id.contains(id)) {
      by_id[id] = EmonMeter{id, "", "", std::nullopt, false};
    }
  }
  std::vector<EmonMeter> result;
  result.reserve(by_id.size());
  for (auto &[id, old_meter] : by_id) {
    result.push_back(std::move(old_meter));
  }
  return result;
}

std::int64_t EmonDb::user_rows() {
  if (user_table_.empty()) {
    return 0;
  }
  sqlite::Statement count(db_, "SELECT count(*) FROM " + sql_identifier(user_table_));
  count.step();
  return count.column_int(0);
}

std::vector<EmonCountTable> EmonDb::count_tables() {
  std::vector<EmonCountTable> tables;
  sqlite::Statement names(db_, "SELECT name FROM sqlite_master WHERE type = 'table' AND name "
                               "GLOB 'emon_[0-9]*' ORDER BY name");
  const auto number = [](std::string_view digits) -> std::optional<std::int64_t> {
    if (digits.empty() || digits.size() > 9 ||
        digits.find_first_not_of("0123456789") != std::string_view::npos) {
      return std::nullopt;
    }
    return std::stoll(std::string(digits));
  };
  while (names.step()) {
    EmonCountTable table;
    table.name = names.column_text(0);
    const std::string_view rest = std::string_view(table.name).substr(5);
    const auto underscore = rest.find('_');
    const auto seconds =
        number(underscore == std::string_view::npos ? rest : rest.substr(underscore + 1));
    if (underscore != std::string_view::npos) {
      table.meter_id = number(rest.substr(0, underscore));
      if (!table.meter_id) {
        continue;
      }
    }
    if (!seconds || *seconds <= 0) {
      continue;
    }
    table.seconds = *seconds;
    const auto columns = columns_of(db_, table.name);
    table.time_column = first_present(columns, interval_column_names);
    table.count_column = first_present(columns, count_column_names);
    if (!table.meter_id) {
      table.meter_column = first_present(columns, meter_column_names);
    }
    if (!table.time_column.empty() && !table.count_column.empty()) {
      tables.push_back(std::move(table));
    }
  }
  return tables;
}

std::vector<std::int64_t> EmonDb::meters_in(const EmonCountTable &table) {
  std::vector<std::int64_t> ids;
  if (table.meter_id) {
    ids.push_back(*table.meter_id);
  } else if (!table.meter_column.empty()) {
    sqlite::Statement select(db_, "SELECT DISTINCT CAST(" + sql_identifier(table.meter_column) +
                                      " AS INTEGER) FROM " + sql_identifier(table.name) +
                                      " ORDER BY 1");
    while (select.step()) {
      ids.push_back(select.column_int(0));
    }
  }
  return ids;
}

void EmonDb::for_each_count(const EmonCountTable &table, std::optional<std::int64_t> meter_id,
                            const std::function<void(const EmonCount &)> &visit) {
  const std::string time = sql_identifier(table.time_column);
  const bool filtered = meter_id && !table.meter_id && !table.meter_column.empty();
  sqlite::Statement select(
      db_, "SELECT CAST(" + time + " AS INTEGER), CAST(" + sql_identifier(table.count_column) +
               " AS INTEGER) FROM " + sql_identifier(table.name) +
               (filtered ? " WHERE CAST(" + sql_identifier(table.meter_column) + " AS INTEGER) = ?1"
                         : std::string()) +
               " ORDER BY 1");
  if (filtered) {
    select.bind(1, *meter_id);
  }
  std::optional<EmonCount> pending;
  while (select.step()) {
    const std::int64_t value = select.column_int(0);
    // The interval's index (epoch / seconds, as older forms stored it) or
    // an epoch inside it (emoncollect.py's one measurement of the group):
    // whichever lands in 1990–2100.
    const bool is_index = value > 0 && value <= latest_epoch_s / table.seconds &&
                          value * table.seconds >= earliest_epoch_s;
    const std::int64_t start =
        is_index ? value * table.seconds
                 : value - (value % table.seconds + table.seconds) % table.seconds;
    if (start < earliest_epoch_s || start >= latest_epoch_s) {
      continue;
    }
    const UtcTime bucket = utc_from_epoch_us(start * 1'000'000);
    if (pending && pending->start == bucket) {
      pending->pulses += select.column_int(1);
      continue;
    }
    if (pending) {
      visit(*pending);
    }
    pending = EmonCount{bucket, select.column_int(1)};
  }
  if (pending) {
    visit(*pending);
  }
}

void EmonDb::for_each_measurement(const MeasurementSnapshot &snapshot,
                                  const std::function<void(std::int64_t, UtcTime)> &visit) {
  const std::string meter = sql_identifier(meter_column_);
  const std::string time = sql_identifier(time_column_);
  sqlite::Statement select(db_, "SELECT rowid, " + meter + ", CAST(" + time +
                                    " AS TEXT) FROM measurement WHERE rowid <= ?1 ORDER BY " +
                                    (snapshot.numbers_only ? meter + ", " + time
                                                           : "CAST(" + meter + " AS INTEGER), " +
                                                                 time_sort_key(time_column_)) +
                                    ", rowid");
  select.bind(1, snapshot.last_row);
  std::optional<std::int64_t> previous_meter;
  UtcTime previous_stamp{};
  while (select.step()) {
    const std::int64_t row = select.column_int(0);
    const auto meter_id = meter_id_of(select, 1);
    if (!meter_id) {
      throw Failure(ErrorCode::invalid_argument,
                    refuse_prefix() + "measurement row " + std::to_string(row) + ": column " +
                        quoted_input(meter_column_) + " is " +
                        (select.column_is_null(1) ? std::string("empty (NULL)")
                                                  : quoted_input(select.column_text(1))) +
                        ", not a meter id (a whole number)");
    }
    const std::string text = select.column_is_null(2) ? "" : select.column_text(2);
    const auto stamp = parse_old_time(text);
    if (!stamp) {
      throw Failure(ErrorCode::invalid_argument,
                    refuse_prefix() + "measurement row " + std::to_string(row) + ": column " +
                        quoted_input(time_column_) + " is " + quoted_input(text) +
                        ", not epoch seconds or YYYY-MM-DD HH:MM:SS between 1990 and 2100");
    }
    if (previous_meter == *meter_id && *stamp < previous_stamp) {
      throw Failure(ErrorCode::invalid_argument,
                    refuse_prefix() + "measurement row " + std::to_string(row) + ": column " +
                        quoted_input(time_column_) + " is " + quoted_input(text) +
                        ", a time SQLite cannot order among the others (write it as "
                        "YYYY-MM-DD HH:MM:SS or as epoch seconds)");
    }
    previous_meter = *meter_id;
    previous_stamp = *stamp;
    visit(*meter_id, *stamp);
  }
}

} // namespace pulsemon

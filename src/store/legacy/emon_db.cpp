#include "store/legacy/emon_db.h"

#include "core/quoted_input.h"
#include "core/time_text.h"

#include <date/tz.h>

#include <array>
#include <map>
#include <string_view>

namespace pulsemon {

namespace {

// Column names are chosen from these fixed lists, never taken from the file,
// so they are safe to place in SQL text (SQL cannot bind identifiers).
constexpr std::array<std::string_view, 5> meter_column_names{"m_id", "meterid", "meter_id", "mid",
                                                             "meter"};
constexpr std::array<std::string_view, 6> count_column_names{"count", "cnt", "pulses",
                                                             "total", "n",   "count(*)"};
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

} // namespace

EmonDb::EmonDb(const std::filesystem::path &path)
    : path_(path), db_([&path] {
        if (!std::filesystem::is_regular_file(path)) {
          throw Failure(ErrorCode::invalid_argument, "FILE: " + path.string() + " does not exist");
        }
        return sqlite::Database(path, sqlite::OpenMode::read_only);
      }()) {
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

std::string EmonDb::refuse_prefix() const {
  return "FILE: " + path_.string() + " cannot be imported: ";
}

std::vector<EmonMeter> EmonDb::meters() {
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
  sqlite::Statement referenced(db_, "SELECT DISTINCT " + sql_identifier(meter_column_) +
                                        " FROM measurement WHERE " + sql_identifier(meter_column_) +
                                        " IS NOT NULL");
  while (referenced.step()) {
    const std::int64_t id = referenced.column_int(0);
    if (!by_id.contains(id)) {
      by_id[id] = EmonMeter{id, "", "", std::nullopt, false};
    }
  }
  std::vector<EmonMeter> result;
  result.reserve(by_id.size());
  for (auto &[id, meter] : by_id) {
    result.push_back(std::move(meter));
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
  while (names.step()) {
    const std::string name = names.column_text(0);
    const std::string digits = name.substr(5);
    if (digits.empty() || digits.size() > 7 ||
        digits.find_first_not_of("0123456789") != std::string::npos) {
      continue; // emon_<meter>_<seconds> and the like: not a layout we know
    }
    const std::int64_t seconds = std::stoll(digits);
    const auto columns = columns_of(db_, name);
    if (seconds > 0 && !first_present(columns, count_column_names).empty() &&
        !first_present(columns, interval_column_names).empty()) {
      tables.push_back(EmonCountTable{name, seconds});
    }
  }
  return tables;
}

void EmonDb::for_each_count(const EmonCountTable &table,
                            const std::function<void(const EmonCount &)> &visit) {
  const auto columns = columns_of(db_, table.name);
  const std::string count = sql_identifier(first_present(columns, count_column_names));
  const std::string interval = sql_identifier(first_present(columns, interval_column_names));
  const std::string meter = first_present(columns, meter_column_names);
  sqlite::Statement select(db_, "SELECT " + (meter.empty() ? "NULL" : sql_identifier(meter)) +
                                    ", CAST(" + interval + " AS INTEGER), CAST(" + count +
                                    " AS INTEGER) FROM " + sql_identifier(table.name));
  while (select.step()) {
    const std::int64_t value = select.column_int(1);
    // epoch / seconds (what the cron job grouped by), or the interval's
    // start in epoch seconds: whichever lands in 1990–2100.
    const bool is_index = value > 0 && value <= latest_epoch_s / table.seconds &&
                          value * table.seconds >= earliest_epoch_s;
    const std::int64_t start = is_index ? value * table.seconds : value;
    if (start < earliest_epoch_s || start >= latest_epoch_s) {
      continue;
    }
    visit(EmonCount{select.column_is_null(0) ? std::nullopt
                                             : std::optional<std::int64_t>(select.column_int(0)),
                    utc_from_epoch_us(start * 1'000'000), select.column_int(2)});
  }
}

std::int64_t EmonDb::measurement_count() {
  sqlite::Statement count(db_, "SELECT count(*) FROM measurement");
  count.step();
  return count.column_int(0);
}

void EmonDb::for_each_measurement(const std::function<void(std::int64_t, UtcTime)> &visit) {
  const std::string meter = sql_identifier(meter_column_);
  const std::string time = sql_identifier(time_column_);
  sqlite::Statement select(db_, "SELECT rowid, " + meter + ", CAST(" + time +
                                    " AS TEXT) FROM measurement ORDER BY " + meter + ", " + time +
                                    ", rowid");
  std::optional<std::int64_t> previous_meter;
  UtcTime previous_stamp{};
  while (select.step()) {
    const std::int64_t row = select.column_int(0);
    if (select.column_is_null(1)) {
      throw Failure(ErrorCode::invalid_argument,
                    refuse_prefix() + "measurement row " + std::to_string(row) +
                        " has no meter in column " + quoted_input(meter_column_));
    }
    const std::int64_t meter_id = select.column_int(1);
    const std::string text = select.column_is_null(2) ? "" : select.column_text(2);
    const auto stamp = parse_old_time(text);
    if (!stamp) {
      throw Failure(ErrorCode::invalid_argument,
                    refuse_prefix() + "measurement row " + std::to_string(row) + ": " +
                        quoted_input(time_column_) + " is " + quoted_input(text) +
                        ", not epoch seconds or YYYY-MM-DD HH:MM:SS between 1990 and 2100");
    }
    if (previous_meter == meter_id && *stamp < previous_stamp) {
      throw Failure(ErrorCode::invalid_argument,
                    refuse_prefix() + "measurement row " + std::to_string(row) +
                        ": its time sorts before the row ahead of it (column " +
                        quoted_input(time_column_) +
                        " mixes numbers and text, or text with different offsets)");
    }
    previous_meter = meter_id;
    previous_stamp = *stamp;
    visit(meter_id, *stamp);
  }
}

} // namespace pulsemon

// Opening the store, and the small tables: meters, register records,
// calorific values. Users and sites are in sqlite_users.cpp, pulse writes are in sqlite_writes.cpp,
// queries in sqlite_queries.cpp.
#include "store/sqlite/sqlite_store.h"
#include "core/quoted_input.h"

#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_block_rows.h"
#include "store/sqlite/statements.h"
#include "store/store_rules.h"

namespace pulsemon {

namespace {

sqlite::OpenMode open_mode(const StoreOptions &options) {
  return options.create ? sqlite::OpenMode::read_write_create : sqlite::OpenMode::read_write;
}

Meter read_meter(const sqlite::Statement &row) {
  Meter meter;
  meter.id = row.column_int(0);
  meter.name = row.column_text(1);
  meter.location = row.column_text(2);
  meter.kind = value_or_throw(parse_meter_kind(row.column_text(3)));
  meter.unit = row.column_text(4);
  meter.pulses_per_unit = row.column_double(5);
  meter.tariff = row.column_text(6);
  meter.filter.min_interval = Micros{row.column_int(7)};
  meter.filter.min_width = Micros{row.column_int(8)};
  meter.power_timeout = std::chrono::seconds{row.column_int(9)};
  meter.site_id = row.column_int(10);
  return meter;
}

constexpr const char *meter_columns =
    "SELECT id, name, location, kind, unit, pulses_per_unit, tariff, min_interval_us, "
    "min_width_us, power_timeout_s, site_id FROM meters ";

// Binds ?1 … ?11 in the column order both the INSERT and the UPDATE use.
sqlite::Statement &bind_meter_fields(sqlite::Statement &statement, const Meter &meter) {
  return statement.bind(1, meter.id)
      .bind(2, meter.name)
      .bind(3, meter.location)
      .bind(4, to_string(meter.kind))
      .bind(5, meter.unit)
      .bind(6, meter.pulses_per_unit)
      .bind(7, meter.tariff)
      .bind(8, static_cast<std::int64_t>(meter.filter.min_interval.count()))
      .bind(9, static_cast<std::int64_t>(meter.filter.min_width.count()))
      .bind(10, static_cast<std::int64_t>(meter.power_timeout.count()))
      .bind(11, meter.site_id);
}

} // namespace

SqliteStore::SqliteStore(const std::filesystem::path &path, StoreOptions options)
    : db_(path, open_mode(options)) {
  db_.execute("PRAGMA journal_mode = WAL");
  db_.execute(options.durability == Durability::full ? "PRAGMA synchronous = FULL"
                                                     : "PRAGMA synchronous = NORMAL");
  db_.execute("PRAGMA foreign_keys = ON");
  sqlite::migrate(db_);
  statements_ = std::make_unique<Statements>(db_);
  block_rows_ = std::make_unique<SqliteBlockRows>(db_);
  blocks_ = std::make_unique<PulseBlocks>(*block_rows_);
}

SqliteStore::~SqliteStore() = default;

int SqliteStore::schema_version() {
  sqlite::Statement statement(db_, "PRAGMA user_version");
  statement.step();
  return static_cast<int>(statement.column_int(0));
}

void SqliteStore::add_meter(const Meter &meter, UtcTime now) {
  if (auto error = meter_error(meter)) {
    throw Failure(*error);
  }
  // The check inside the write transaction, which holds the write lock:
  // another handle cannot add the id between the check and the insert.
  sqlite::Transaction transaction(db_);
  if (find_meter(meter.id)) {
    throw Failure(ErrorCode::already_exists,
                  "id: meter " + std::to_string(meter.id) + " already exists");
  }
  check_site(meter.site_id);
  sqlite::Statement insert(db_, R"sql(
    INSERT INTO meters (id, name, location, kind, unit, pulses_per_unit, tariff, min_interval_us,
                        min_width_us, power_timeout_s, site_id, created_us)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12))sql");
  bind_meter_fields(insert, meter).bind(12, to_epoch_us(now)).run();
  sqlite::Statement stats(db_, "INSERT INTO meter_stats (meter_id) VALUES (?1)");
  stats.bind(1, meter.id).run();
  transaction.commit();
  known_meters_.insert(meter.id);
}

void SqliteStore::update_meter(const Meter &meter) {
  if (auto error = meter_error(meter)) {
    throw Failure(*error);
  }
  sqlite::Transaction transaction(db_);
  const Meter before = this->meter(meter.id);
  if (auto error = meter_change_error(before, meter, stats(meter.id).pulses > 0)) {
    throw Failure(*error);
  }
  check_site(meter.site_id);
  sqlite::Statement update(db_, R"sql(
    UPDATE meters SET name = ?2, location = ?3, kind = ?4, unit = ?5, pulses_per_unit = ?6,
                      tariff = ?7, min_interval_us = ?8, min_width_us = ?9, power_timeout_s = ?10,
                      site_id = ?11
    WHERE id = ?1)sql");
  bind_meter_fields(update, meter).run();
  transaction.commit();
}

std::optional<Meter> SqliteStore::find_meter(std::int64_t id) {
  sqlite::Statement select(db_, std::string(meter_columns) + "WHERE id = ?1");
  select.bind(1, id);
  if (!select.step()) {
    return std::nullopt;
  }
  return read_meter(select);
}

Meter SqliteStore::meter(std::int64_t id) {
  auto found = find_meter(id);
  if (!found) {
    throw Failure(ErrorCode::not_found, "meter " + std::to_string(id) + " does not exist");
  }
  return *found;
}

std::vector<Meter> SqliteStore::meters() {
  sqlite::Statement select(db_, std::string(meter_columns) + "ORDER BY id");
  std::vector<Meter> result;
  while (select.step()) {
    result.push_back(read_meter(select));
  }
  return result;
}

bool SqliteStore::meter_exists(std::int64_t meter_id) {
  if (known_meters_.contains(meter_id)) {
    return true;
  }
  if (find_meter(meter_id)) {
    known_meters_.insert(meter_id);
    return true;
  }
  return false;
}

MeterStats SqliteStore::stats(std::int64_t meter_id) {
  sqlite::Statement select(db_, R"sql(
    SELECT pulses, duplicates, too_close, too_short, unpaired, first_pulse_us, last_pulse_us
    FROM meter_stats WHERE meter_id = ?1)sql");
  select.bind(1, meter_id);
  MeterStats stats;
  if (!select.step()) {
    return stats;
  }
  stats.pulses = select.column_int(0);
  stats.duplicates = select.column_int(1);
  stats.rejected.too_close = static_cast<std::uint64_t>(select.column_int(2));
  stats.rejected.too_short = static_cast<std::uint64_t>(select.column_int(3));
  stats.rejected.unpaired = static_cast<std::uint64_t>(select.column_int(4));
  if (!select.column_is_null(5)) {
    stats.first_pulse = utc_from_epoch_us(select.column_int(5));
    stats.last_pulse = utc_from_epoch_us(select.column_int(6));
  }
  return stats;
}

UtcTime SqliteStore::meter_created(std::int64_t meter_id) {
  sqlite::Statement select(db_, "SELECT created_us FROM meters WHERE id = ?1");
  select.bind(1, meter_id);
  if (!select.step()) {
    throw Failure(ErrorCode::not_found, "meter " + std::to_string(meter_id) + " does not exist");
  }
  return utc_from_epoch_us(select.column_int(0));
}

void SqliteStore::record_gap(std::int64_t meter_id, const Gap &gap) {
  (void)meter(meter_id);
  insert_gap(meter_id, gap);
}

void SqliteStore::insert_gap(std::int64_t meter_id, const Gap &gap) {
  sqlite::Statement insert(
      db_, "INSERT INTO gaps (meter_id, at_us, missing_pulses, reason) VALUES (?1, ?2, ?3, ?4)");
  insert.bind(1, meter_id).bind(2, to_epoch_us(gap.at)).bind(4, gap.reason);
  if (gap.missing_pulses) {
    insert.bind(3, *gap.missing_pulses);
  } else {
    insert.bind_null(3);
  }
  insert.run();
}

std::vector<Gap> SqliteStore::gaps(std::int64_t meter_id, std::size_t limit) {
  sqlite::Statement select(db_,
                           "SELECT at_us, missing_pulses, reason FROM gaps WHERE meter_id = ?1 "
                           "ORDER BY at_us DESC, id DESC LIMIT ?2");
  select.bind(1, meter_id).bind(2, static_cast<std::int64_t>(limit));
  std::vector<Gap> result;
  while (select.step()) {
    Gap gap{utc_from_epoch_us(select.column_int(0)), std::nullopt, select.column_text(2)};
    if (!select.column_is_null(1)) {
      gap.missing_pulses = select.column_int(1);
    }
    result.push_back(std::move(gap));
  }
  return result;
}

HouseholdProfile SqliteStore::household() {
  sqlite::Statement select(db_,
                           "SELECT people, floor_area_m2, heating FROM household WHERE id = 1");
  HouseholdProfile profile;
  if (select.step()) {
    if (!select.column_is_null(0)) {
      profile.people = static_cast<int>(select.column_int(0));
    }
    if (!select.column_is_null(1)) {
      profile.floor_area_m2 = select.column_double(1);
    }
    profile.heating = select.column_text(2);
  }
  return profile;
}

void SqliteStore::set_household(const HouseholdProfile &profile) {
  if (auto error = validate_household(profile)) {
    throw Failure(*error);
  }
  sqlite::Statement upsert(
      db_, "INSERT INTO household (id, people, floor_area_m2, heating) VALUES (1, ?1, ?2, ?3) "
           "ON CONFLICT (id) DO UPDATE SET people = ?1, floor_area_m2 = ?2, heating = ?3");
  if (profile.people) {
    upsert.bind(1, std::int64_t{*profile.people});
  } else {
    upsert.bind_null(1);
  }
  if (profile.floor_area_m2) {
    upsert.bind(2, *profile.floor_area_m2);
  } else {
    upsert.bind_null(2);
  }
  upsert.bind(3, profile.heating).run();
}

std::int64_t SqliteStore::begin_run(UtcTime now) {
  sqlite::Statement insert(
      db_, "INSERT INTO daemon_runs (started_us, alive_us) VALUES (?1, ?1) RETURNING id");
  insert.bind(1, to_epoch_us(now));
  insert.step();
  return insert.column_int(0);
}

void SqliteStore::keep_run(std::int64_t run, UtcTime alive, bool stopped) {
  sqlite::Statement update(db_, "UPDATE daemon_runs SET alive_us = max(alive_us, ?2), "
                                "stopped = ?3 WHERE id = ?1");
  update.bind(1, run).bind(2, to_epoch_us(alive)).bind(3, std::int64_t{stopped ? 1 : 0}).run();
}

std::vector<DaemonRun> SqliteStore::runs_around(UtcTime from, UtcTime to, std::size_t limit) {
  sqlite::Statement select(
      db_, "SELECT id, started_us, alive_us, stopped FROM ("
           " SELECT * FROM (SELECT * FROM daemon_runs WHERE started_us < ?1"
           "  ORDER BY started_us DESC LIMIT 1)"
           " UNION ALL SELECT * FROM (SELECT * FROM daemon_runs WHERE started_us >= ?1"
           "  AND started_us < ?2 ORDER BY started_us LIMIT ?3)"
           " UNION ALL SELECT * FROM (SELECT * FROM daemon_runs WHERE started_us >= ?2"
           "  ORDER BY started_us LIMIT 1)"
           ") ORDER BY started_us, id");
  select.bind(1, to_epoch_us(from))
      .bind(2, to_epoch_us(std::max(from, to)))
      .bind(3, static_cast<std::int64_t>(limit));
  std::vector<DaemonRun> runs;
  while (select.step()) {
    runs.push_back({select.column_int(0), utc_from_epoch_us(select.column_int(1)),
                    utc_from_epoch_us(select.column_int(2)), select.column_int(3) != 0});
  }
  return runs;
}

std::vector<RegisterRecord> SqliteStore::register_records(std::int64_t meter_id) {
  sqlite::Statement select(db_, "SELECT at_us, value, replacement FROM register_records "
                                "WHERE meter_id = ?1 ORDER BY at_us");
  select.bind(1, meter_id);
  std::vector<RegisterRecord> records;
  while (select.step()) {
    records.push_back({utc_from_epoch_us(select.column_int(0)), select.column_double(1),
                       select.column_int(2) != 0});
  }
  return records;
}

void SqliteStore::add_register_record(std::int64_t meter_id, const RegisterRecord &record) {
  const Meter found = meter(meter_id);
  sqlite::Transaction transaction(db_);
  if (auto error = check_new_record(register_records(meter_id), record, found.pulses_per_unit,
                                    stored_pulse_counter(*this, meter_id))) {
    throw Failure(*error);
  }
  sqlite::Statement insert(db_, "INSERT INTO register_records (meter_id, at_us, value, "
                                "replacement) VALUES (?1, ?2, ?3, ?4)");
  insert.bind(1, meter_id)
      .bind(2, to_epoch_us(record.at))
      .bind(3, record.value)
      .bind(4, std::int64_t{record.replacement ? 1 : 0})
      .run();
  transaction.commit();
}

RegisterState SqliteStore::register_state(std::int64_t meter_id, UtcTime at) {
  const Meter found = meter(meter_id);
  return register_at(register_records(meter_id), at, found.pulses_per_unit,
                     stored_pulse_counter(*this, meter_id));
}

std::vector<CalorificValue> SqliteStore::calorific_values(std::int64_t meter_id) {
  sqlite::Statement select(db_, "SELECT effective_us, megajoules_per_m3, volume_correction FROM "
                                "calorific_values WHERE meter_id = ?1 ORDER BY effective_us");
  select.bind(1, meter_id);
  std::vector<CalorificValue> values;
  while (select.step()) {
    values.push_back({utc_from_epoch_us(select.column_int(0)), select.column_double(1),
                      select.column_double(2)});
  }
  return values;
}

void SqliteStore::add_calorific_value(std::int64_t meter_id, const CalorificValue &value) {
  if (auto error = calorific_value_error(meter(meter_id), value)) {
    throw Failure(*error);
  }
  sqlite::Statement insert(db_, "INSERT INTO calorific_values (meter_id, effective_us, "
                                "megajoules_per_m3, volume_correction) VALUES (?1, ?2, ?3, ?4)");
  insert.bind(1, meter_id)
      .bind(2, to_epoch_us(value.effective_from))
      .bind(3, value.megajoules_per_m3)
      .bind(4, value.volume_correction)
      .run();
}

ChangeToken SqliteStore::change_token() {
  auto &pragma = statements_->data_version;
  pragma.step();
  const ChangeToken token{pragma.column_int(0), db_.total_changes()};
  pragma.reset();
  return token;
}

namespace {

class SqliteReadScope final : public ReadScope {
public:
  explicit SqliteReadScope(sqlite::Database &db) : snapshot_(db) {}

private:
  sqlite::ReadSnapshot snapshot_;
};

} // namespace

std::unique_ptr<ReadScope> SqliteStore::read_scope() {
  return std::make_unique<SqliteReadScope>(db_);
}

void SqliteStore::checkpoint() {
  db_.execute("PRAGMA wal_checkpoint(TRUNCATE)");
}

} // namespace pulsemon

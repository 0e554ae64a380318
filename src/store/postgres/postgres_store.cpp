// Opening the PostgreSQL store, its transactions, and the small tables:
// meters, gaps, register records, the household, runs, calorific values.
// Users and sites are in postgres_users.cpp, pulses in postgres_pulses.cpp, nodes and keys in
// postgres_nodes.cpp.
#include "store/postgres/postgres_store.h"

#include "core/quoted_input.h"
#include "store/postgres/pg_block_rows.h"
#include "store/postgres/pg_change_feed.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_login_failures.h"
#include "store/postgres/pg_schema.h"
#include "store/postgres/pg_source_claims.h"
#include "store/postgres/postgres_rows.h"
#include "store/store_rules.h"

#include <utility>

namespace pulsemon {

using pg::param;

// "normal" lets a commit return before its WAL is flushed: a crash of the
// server can lose the last commits, as SQLite's synchronous = NORMAL does.
// The setting is the session's, so it is made again on every reconnect.
PostgresStore::PostgresStore(const std::string &url, StoreOptions options)
    : db_(std::make_unique<pg::Connection>(url, options.durability == Durability::full
                                                    ? "SET synchronous_commit = on"
                                                    : "SET synchronous_commit = off")),
      url_(url), feed_origin_(std::move(options.feed_origin)) {
  pg::migrate(*db_);
  block_rows_ = std::make_unique<PgBlockRows>(*db_);
  blocks_ = std::make_unique<PulseBlocks>(*block_rows_);
}

std::unique_ptr<ChangeFeed> PostgresStore::open_change_feed() {
  return pg::open_change_feed(url_);
}

SharedLoginFailures *PostgresStore::shared_login_failures() {
  if (!login_failures_) {
    login_failures_ = std::make_unique<pg::PostgresLoginFailures>(*db_);
  }
  return login_failures_.get();
}

std::unique_ptr<SourceClaims> PostgresStore::open_source_claims() {
  return pg::open_source_claims(url_);
}

PostgresStore::~PostgresStore() = default;

void PostgresStore::begin_write() {
  if (write_depth_++ > 0) {
    return;
  }
  if (in_scope_) {
    write_depth_ = 0;
    throw Failure(ErrorCode::internal, "a write through a handle inside its read scope");
  }
  try {
    db_->begin();
    db_->run("SELECT pg_advisory_xact_lock($1)", {param(pg::writers_lock)});
  } catch (...) {
    write_depth_ = 0;
    db_->rollback();
    throw;
  }
}

void PostgresStore::end_write(bool commit) {
  if (--write_depth_ > 0) {
    return;
  }
  const bool fed = std::exchange(fed_, false);
  if (!commit) {
    db_->rollback();
    known_partitions_.clear(); // a partition made in it is gone with it
    return;
  }
  try {
    db_->execute("UPDATE counters SET value = value + 1 WHERE name = 'changes'");
    if (fed) {
      // Delivered at COMMIT, and only then, to every instance listening.
      db_->execute(std::string("NOTIFY ") + std::string(pg::feed_channel));
    }
    db_->commit();
  } catch (...) {
    db_->rollback(); // a failed COMMIT has rolled back already
    known_partitions_.clear();
    throw;
  }
}

void PostgresStore::atomically(const std::function<void()> &work) {
  writing(work);
}

int PostgresStore::schema_version() {
  return pg::schema_version(*db_);
}

void PostgresStore::add_meter(const Meter &meter, UtcTime now) {
  if (auto error = meter_error(meter)) {
    throw Failure(*error);
  }
  writing([&] {
    if (find_meter(meter.id)) {
      throw Failure(ErrorCode::already_exists,
                    "id: meter " + std::to_string(meter.id) + " already exists");
    }
    check_site(meter.site_id);
    std::vector<pg::Param> values = pg::meter_params(meter);
    values.push_back(param(to_epoch_us(now)));
    db_->run(R"sql(
      INSERT INTO meters (id, name, location, kind, unit, pulses_per_unit, tariff,
                          min_interval_us, min_width_us, power_timeout_s, site_id, created_us)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12))sql",
             values);
    db_->run("INSERT INTO meter_stats (meter_id) VALUES ($1)", {param(meter.id)});
  });
  known_meters_.insert(meter.id);
}

void PostgresStore::update_meter(const Meter &meter) {
  if (auto error = meter_error(meter)) {
    throw Failure(*error);
  }
  writing([&] {
    const Meter before = this->meter(meter.id);
    if (auto error = meter_change_error(before, meter, stats(meter.id).pulses > 0)) {
      throw Failure(*error);
    }
    check_site(meter.site_id);
    db_->run(R"sql(
      UPDATE meters SET name = $2, location = $3, kind = $4, unit = $5, pulses_per_unit = $6,
                        tariff = $7, min_interval_us = $8, min_width_us = $9, power_timeout_s = $10,
                        site_id = $11
      WHERE id = $1)sql",
             pg::meter_params(meter));
  });
}

std::optional<Meter> PostgresStore::find_meter(std::int64_t id) {
  const pg::Rows rows = db_->run(std::string(pg::meter_columns) + "WHERE id = $1", {param(id)});
  if (rows.empty()) {
    return std::nullopt;
  }
  return pg::read_meter(rows, 0);
}

Meter PostgresStore::meter(std::int64_t id) {
  auto found = find_meter(id);
  if (!found) {
    throw Failure(ErrorCode::not_found, "meter " + std::to_string(id) + " does not exist");
  }
  return *found;
}

std::vector<Meter> PostgresStore::meters() {
  return db_->run(std::string(pg::meter_columns) + "ORDER BY id").each(pg::read_meter);
}

bool PostgresStore::meter_exists(std::int64_t meter_id) {
  if (known_meters_.contains(meter_id)) {
    return true;
  }
  if (find_meter(meter_id)) {
    known_meters_.insert(meter_id);
    return true;
  }
  return false;
}

MeterStats PostgresStore::stats(std::int64_t meter_id) {
  const pg::Rows rows = db_->run(R"sql(
    SELECT pulses, duplicates, too_close, too_short, unpaired, first_pulse_us, last_pulse_us
    FROM meter_stats WHERE meter_id = $1)sql",
                                 {param(meter_id)});
  MeterStats stats;
  if (rows.empty()) {
    return stats;
  }
  stats.pulses = rows.integer(0, 0);
  stats.duplicates = rows.integer(0, 1);
  stats.rejected.too_close = static_cast<std::uint64_t>(rows.integer(0, 2));
  stats.rejected.too_short = static_cast<std::uint64_t>(rows.integer(0, 3));
  stats.rejected.unpaired = static_cast<std::uint64_t>(rows.integer(0, 4));
  if (!rows.is_null(0, 5)) {
    stats.first_pulse = utc_from_epoch_us(rows.integer(0, 5));
    stats.last_pulse = utc_from_epoch_us(rows.integer(0, 6));
  }
  return stats;
}

UtcTime PostgresStore::meter_created(std::int64_t meter_id) {
  const pg::Rows rows = db_->run("SELECT created_us FROM meters WHERE id = $1", {param(meter_id)});
  if (rows.empty()) {
    throw Failure(ErrorCode::not_found, "meter " + std::to_string(meter_id) + " does not exist");
  }
  return utc_from_epoch_us(rows.integer(0, 0));
}

void PostgresStore::record_gap(std::int64_t meter_id, const Gap &gap) {
  (void)meter(meter_id);
  writing([&] { insert_gap(meter_id, gap); });
}

void PostgresStore::insert_gap(std::int64_t meter_id, const Gap &gap) {
  db_->run("INSERT INTO gaps (meter_id, at_us, missing_pulses, reason) VALUES ($1, $2, $3, $4)",
           {param(meter_id), param(to_epoch_us(gap.at)),
            gap.missing_pulses ? param(*gap.missing_pulses) : pg::Param{}, param(gap.reason)});
}

std::vector<Gap> PostgresStore::gaps(std::int64_t meter_id, std::size_t limit) {
  const pg::Rows rows = db_->run("SELECT at_us, missing_pulses, reason FROM gaps WHERE meter_id = "
                                 "$1 ORDER BY at_us DESC, id DESC LIMIT $2",
                                 {param(meter_id), param(static_cast<std::int64_t>(limit))});
  std::vector<Gap> result;
  for (int i = 0; i < rows.size(); ++i) {
    Gap gap{utc_from_epoch_us(rows.integer(i, 0)), std::nullopt, rows.text(i, 2)};
    if (!rows.is_null(i, 1)) {
      gap.missing_pulses = rows.integer(i, 1);
    }
    result.push_back(std::move(gap));
  }
  return result;
}

HouseholdProfile PostgresStore::household() {
  const pg::Rows rows =
      db_->run("SELECT people, floor_area_m2, heating FROM household WHERE id = 1");
  HouseholdProfile profile;
  if (!rows.empty()) {
    if (!rows.is_null(0, 0)) {
      profile.people = static_cast<int>(rows.integer(0, 0));
    }
    if (!rows.is_null(0, 1)) {
      profile.floor_area_m2 = rows.number(0, 1);
    }
    profile.heating = rows.text(0, 2);
  }
  return profile;
}

void PostgresStore::set_household(const HouseholdProfile &profile) {
  if (auto error = validate_household(profile)) {
    throw Failure(*error);
  }
  writing([&] {
    db_->run("INSERT INTO household (id, people, floor_area_m2, heating) VALUES (1, $1, $2, $3) "
             "ON CONFLICT (id) DO UPDATE SET people = $1, floor_area_m2 = $2, heating = $3",
             {profile.people ? param(std::int64_t{*profile.people}) : pg::Param{},
              profile.floor_area_m2 ? param(*profile.floor_area_m2) : pg::Param{},
              param(profile.heating)});
  });
}

std::int64_t PostgresStore::begin_run(UtcTime now) {
  return writing([&] {
    return db_
        ->run("INSERT INTO daemon_runs (started_us, alive_us) VALUES ($1, $1) RETURNING id",
              {param(to_epoch_us(now))})
        .integer(0, 0);
  });
}

void PostgresStore::keep_run(std::int64_t run, UtcTime alive, bool stopped) {
  writing([&] {
    db_->run("UPDATE daemon_runs SET alive_us = greatest(alive_us, $2), stopped = $3 "
             "WHERE id = $1",
             {param(run), param(to_epoch_us(alive)), param(stopped)});
  });
}

std::vector<DaemonRun> PostgresStore::runs_around(UtcTime from, UtcTime to, std::size_t limit) {
  const pg::Rows rows = db_->run(
      "SELECT id, started_us, alive_us, stopped FROM ("
      " (SELECT * FROM daemon_runs WHERE started_us < $1 ORDER BY started_us DESC LIMIT 1)"
      " UNION ALL (SELECT * FROM daemon_runs WHERE started_us >= $1 AND started_us < $2"
      "  ORDER BY started_us LIMIT $3)"
      " UNION ALL (SELECT * FROM daemon_runs WHERE started_us >= $2 ORDER BY started_us LIMIT 1)"
      ") AS around ORDER BY started_us, id",
      {param(to_epoch_us(from)), param(to_epoch_us(std::max(from, to))),
       param(static_cast<std::int64_t>(limit))});
  return rows.each([](const pg::Rows &row, int i) {
    return DaemonRun{row.integer(i, 0), utc_from_epoch_us(row.integer(i, 1)),
                     utc_from_epoch_us(row.integer(i, 2)), row.boolean(i, 3)};
  });
}

std::vector<RegisterRecord> PostgresStore::register_records(std::int64_t meter_id) {
  const pg::Rows rows = db_->run("SELECT at_us, value, replacement FROM register_records "
                                 "WHERE meter_id = $1 ORDER BY at_us",
                                 {param(meter_id)});
  return rows.each([](const pg::Rows &row, int i) {
    return RegisterRecord{utc_from_epoch_us(row.integer(i, 0)), row.number(i, 1),
                          row.boolean(i, 2)};
  });
}

void PostgresStore::add_register_record(std::int64_t meter_id, const RegisterRecord &record) {
  const Meter found = meter(meter_id);
  writing([&] {
    if (auto error = check_new_record(register_records(meter_id), record, found.pulses_per_unit,
                                      stored_pulse_counter(*this, meter_id))) {
      throw Failure(*error);
    }
    db_->run("INSERT INTO register_records (meter_id, at_us, value, replacement) "
             "VALUES ($1, $2, $3, $4)",
             {param(meter_id), param(to_epoch_us(record.at)), param(record.value),
              param(record.replacement)});
  });
}

RegisterState PostgresStore::register_state(std::int64_t meter_id, UtcTime at) {
  const Meter found = meter(meter_id);
  return register_at(register_records(meter_id), at, found.pulses_per_unit,
                     stored_pulse_counter(*this, meter_id));
}

std::vector<CalorificValue> PostgresStore::calorific_values(std::int64_t meter_id) {
  const pg::Rows rows =
      db_->run("SELECT effective_us, megajoules_per_m3, volume_correction FROM calorific_values "
               "WHERE meter_id = $1 ORDER BY effective_us",
               {param(meter_id)});
  return rows.each([](const pg::Rows &row, int i) {
    return CalorificValue{utc_from_epoch_us(row.integer(i, 0)), row.number(i, 1), row.number(i, 2)};
  });
}

void PostgresStore::add_calorific_value(std::int64_t meter_id, const CalorificValue &value) {
  if (auto error = calorific_value_error(meter(meter_id), value)) {
    throw Failure(*error);
  }
  writing([&] {
    db_->run("INSERT INTO calorific_values (meter_id, effective_us, megajoules_per_m3, "
             "volume_correction) VALUES ($1, $2, $3, $4)",
             {param(meter_id), param(to_epoch_us(value.effective_from)),
              param(value.megajoules_per_m3), param(value.volume_correction)});
  });
}

ChangeToken PostgresStore::change_token() {
  const std::int64_t changes =
      db_->run("SELECT value FROM counters WHERE name = 'changes'").integer(0, 0);
  return ChangeToken{changes, 0};
}

class PostgresStore::ScopeGuard final : public ReadScope {
public:
  explicit ScopeGuard(PostgresStore &store) : store_(store) {
    store_.db_->begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    store_.in_scope_ = true;
  }
  ~ScopeGuard() override {
    store_.in_scope_ = false;
    store_.db_->rollback(); // it only read
  }
  ScopeGuard(const ScopeGuard &) = delete;
  ScopeGuard &operator=(const ScopeGuard &) = delete;

private:
  PostgresStore &store_;
};

std::unique_ptr<ReadScope> PostgresStore::read_scope() {
  if (in_scope_ || write_depth_ > 0) {
    return std::make_unique<ReadScope>(); // already inside one transaction
  }
  return std::make_unique<ScopeGuard>(*this);
}

} // namespace pulsemon

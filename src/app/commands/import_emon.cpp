// pulsemon import emon-db FILE
//
// Moves an old-stack emon.db into the store: meters keep their ids,
// descriptions and locations; every measurement row becomes a pulse; users
// come along with their plaintext passwords hashed and flagged for a change.
// The whole file is read and checked before anything is written, so a
// damaged or foreign file leaves the target as it was; importing the same
// file again stores nothing new.
#include "api/auth/secrets.h"
#include "app/cli_context.h"
#include "core/same_time_spreader.h"
#include "store/legacy/emon_db.h"

#include <spdlog/spdlog.h>

#include <iostream>
#include <map>

namespace pulsemon {

namespace {

struct EmonImportOptions {
  std::string file;
  double pulses_per_unit = 1000.0; // the old stack assumed 1000 imp/kWh everywhere
};

Meter meter_from(const EmonMeter &old, double pulses_per_unit) {
  Meter meter;
  meter.id = old.id;
  meter.name = old.description.empty() ? "emon meter " + std::to_string(old.id) : old.description;
  meter.location = old.location;
  meter.kind = MeterKind::electricity;
  meter.unit = "kWh";
  meter.pulses_per_unit = pulses_per_unit;
  return meter;
}

// A meter id that is already taken by a different meter is refused before
// anything is written; the same meter (from an earlier import) is reused.
void check_meter_ids_are_free(SqliteStore &store, const std::vector<Meter> &wanted) {
  for (const Meter &meter : wanted) {
    const auto existing = store.find_meter(meter.id);
    if (existing && existing->name != meter.name) {
      throw Failure(ErrorCode::already_exists,
                    "meter " + std::to_string(meter.id) + " already exists in the target as '" +
                        existing->name + "', not '" + meter.name +
                        "' from the old file; import into a fresh database ('pulsemon init "
                        "--dir NEW' without --with-simulator) or delete that meter first");
    }
  }
}

struct PulseTotals {
  std::int64_t rows = 0;
  std::int64_t stored = 0;
  std::int64_t duplicates = 0;
  std::int64_t spread = 0;
};

PulseTotals import_pulses(EmonDb &old, SqliteStore &store) {
  PulseTotals totals;
  PulseBatch batch{0, {}, {}, {}};
  SameTimeSpreader spreader;
  const auto commit = [&] {
    if (batch.pulses.empty()) {
      return;
    }
    const BatchOutcome outcome = store.commit_or_throw(batch);
    totals.stored += outcome.stored;
    totals.duplicates += outcome.duplicates;
    batch.pulses.clear();
  };
  const auto keep = [&](UtcTime t) {
    batch.pulses.push_back(t);
    if (batch.pulses.size() >= pulses_per_commit) {
      commit();
    }
  };
  bool started = false;
  old.for_each_measurement([&](std::int64_t meter_id, UtcTime stamp) {
    if (!started || meter_id != batch.meter_id) {
      spreader.finish(keep);
      commit();
      totals.spread += spreader.spread_rows();
      spreader = SameTimeSpreader{};
      batch.meter_id = meter_id;
      started = true;
    }
    ++totals.rows;
    spreader.add(stamp, keep);
  });
  spreader.finish(keep);
  commit();
  totals.spread += spreader.spread_rows();
  return totals;
}

void import_emon_db(CliContext &context, const EmonImportOptions &options) {
  if (!(options.pulses_per_unit > 0)) {
    throw Failure(ErrorCode::invalid_argument, "--ppu: must be greater than 0");
  }
  EmonDb old(options.file);
  const std::vector<EmonMeter> old_meters = old.meters();
  const std::vector<EmonUser> old_users = old.users();
  // Read every row once before writing: a bad row refuses the whole file.
  std::map<std::int64_t, std::int64_t> rows_per_meter;
  old.for_each_measurement([&](std::int64_t meter_id, UtcTime) { ++rows_per_meter[meter_id]; });

  std::vector<Meter> meters;
  for (const EmonMeter &old_meter : old_meters) {
    Meter meter = meter_from(old_meter, options.pulses_per_unit);
    if (auto invalid = validate_meter(meter)) {
      throw Failure(ErrorCode::invalid_argument,
                    "meter " + std::to_string(meter.id) + " in the old file: " + invalid->message);
    }
    meters.push_back(std::move(meter));
  }
  auto store = context.open_store();
  check_meter_ids_are_free(*store, meters);

  const UtcTime now = wall_now();
  int new_meters = 0;
  for (std::size_t i = 0; i < meters.size(); ++i) {
    if (!store->find_meter(meters[i].id)) {
      store->add_meter(meters[i], old_meters[i].created.value_or(now));
      ++new_meters;
    }
  }
  const PulseTotals pulses = import_pulses(old, *store);

  int new_users = 0;
  std::vector<std::string> kept_users;
  std::vector<std::string> users_without_password;
  for (const EmonUser &old_user : old_users) {
    if (store->find_user(old_user.name)) {
      kept_users.push_back(old_user.name);
      continue;
    }
    if (old_user.password.empty()) {
      users_without_password.push_back(old_user.name);
      continue;
    }
    store->add_user(
        User{0, old_user.name, Role::viewer, auth::hash_password(old_user.password), 0, true}, now);
    ++new_users;
  }

  std::cout << "Imported " << options.file << ":\n"
            << "  meters: " << meters.size() << " (" << new_meters << " new, "
            << meters.size() - static_cast<std::size_t>(new_meters) << " already there)\n"
            << "  pulses: " << pulses.rows << " measurement rows, " << pulses.stored << " new, "
            << pulses.duplicates << " already there\n"
            << "  " << pulses.spread
            << " rows shared their second with another row and were spread evenly within it\n"
            << "  users: " << new_users << " new, role viewer, flagged to change their password "
            << "(the old one works until 'pulsemon user passwd NAME' sets a new one)\n";
  for (const std::string &name : kept_users) {
    std::cout << "  user '" << name << "' already exists here; kept the existing one\n";
  }
  for (const std::string &name : users_without_password) {
    std::cout << "  user '" << name
              << "' has no password in the old file; not imported (add it with 'pulsemon user "
                 "add')\n";
  }
  for (const Meter &meter : meters) {
    const auto rows = rows_per_meter.find(meter.id);
    spdlog::info("meter {} '{}': {} measurement rows, {} pulses per {}", meter.id, meter.name,
                 rows == rows_per_meter.end() ? 0 : rows->second, meter.pulses_per_unit,
                 meter.unit);
  }
}

} // namespace

void add_import_emon_command(CLI::App &import, CliContext &context) {
  auto options = std::make_shared<EmonImportOptions>();
  CLI::App *command = import.add_subcommand(
      "emon-db", "Import an old-stack emon.db: meters, every measurement as a pulse, users");
  command->add_option("file", options->file, "the old SQLite file (opened read-only)")->required();
  command
      ->add_option("--ppu", options->pulses_per_unit,
                   "pulses per kWh of the imported meters (the old stack assumed 1000)")
      ->capture_default_str();
  command->callback([&context, options] { import_emon_db(context, *options); });
}

} // namespace pulsemon

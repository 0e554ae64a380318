// pulsemon import emon-db FILE
//
// Moves an old-stack emon.db into the store: meters keep their ids,
// descriptions and locations; every measurement row becomes a pulse. The
// whole file is read and checked before anything is written, so a damaged
// or foreign file leaves the target as it was; importing the same file
// again stores nothing new, and an import repeated while the old logger
// still writes adds only the rows it had not seen (store/legacy/emon_import.h).
// Where the cron job's count tables (emon_<meter>_<seconds>) are present,
// the stored pulses are checked against them.
//
// Users: the old service checked the one user name and password of its
// config.json and never read a user table, so no row of one becomes an
// account (a sample row would have become a login the old system never
// had). --users-from CONFIG.json creates that one user instead.
#include "app/cli_context.h"
#include "app/progress.h"
#include "auth/secrets.h"
#include "core/time_text.h"
#include "core/untrusted_json.h"
#include "store/legacy/emon_db.h"
#include "store/legacy/emon_import.h"

#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <set>

namespace pulsemon {

namespace {

struct EmonImportOptions {
  std::string file;
  double pulses_per_unit = 1000.0; // the old stack assumed 1000 imp/kWh everywhere
  std::string users_from;          // the old service's config.json, if given
};

// The one user of the old service: "username" and "password" of its
// config.json (beside "secretkey", "webPort" and "database").
struct OldServiceUser {
  std::string name;
  std::string password;
};

OldServiceUser read_old_service_user(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Failure(ErrorCode::invalid_argument, "--users-from: cannot read " + path);
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > std::size_t{1024} * 1024) {
    throw Failure(ErrorCode::invalid_argument,
                  "--users-from: " + path + " is larger than 1 MiB; not a config.json");
  }
  const auto parsed = parse_untrusted_json(text, "--users-from");
  if (!parsed.ok() || !parsed->is_object()) {
    throw Failure(ErrorCode::invalid_argument,
                  "--users-from: " + path +
                      " is not the old service's config.json (a JSON object)");
  }
  const auto text_of = [&](const char *key) {
    const auto it = parsed->find(key);
    if (it == parsed->end() || !it->is_string() || it->get_ref<const std::string &>().empty()) {
      throw Failure(ErrorCode::invalid_argument, "--users-from: " + path + " has no \"" + key +
                                                     "\" (the old service's login " + key + ")");
    }
    return it->get<std::string>();
  };
  return OldServiceUser{text_of("username"), text_of("password")};
}

// The cron job's tables may be stale (it last ran some time before the
// import): a difference is reported, never refused.
void report_count_tables(const std::vector<CountTableCheck> &checks) {
  for (const CountTableCheck &check : checks) {
    std::cout << "  " << check.table.name << " (";
    if (check.meters.size() == 1) {
      std::cout << "meter " << check.meters.front() << ", ";
    }
    std::cout << "counts per " << check.table.seconds << " s): ";
    if (!check.not_checked.empty() && check.intervals == 0) {
      std::cout << "not checked: " << check.not_checked << "\n";
      continue;
    }
    std::cout << check.intervals << " intervals, ";
    if (check.differ == 0) {
      std::cout << "all agree with the stored pulses\n";
      continue;
    }
    std::cout << check.differ << " disagree (the first: " << check.first_difference << ")";
    if (check.stored_ends && (!check.table_ends || *check.table_ends < *check.stored_ends)) {
      std::cout << "; the table ends "
                << (check.table_ends ? "at " + format_utc(*check.table_ends) : "empty")
                << ", the pulses go on to " << format_utc(*check.stored_ends)
                << ": the cron job has not run since";
    }
    std::cout << "; the cron job's table is likely stale: the pulses come from the "
                 "measurement table, row by row\n";
  }
  for (const CountTableCheck &check : checks) {
    if (!check.not_checked.empty() && check.intervals > 0) {
      std::cout << "  " << check.table.name << ": not checked: " << check.not_checked << "\n";
    }
  }
}

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
void check_meter_ids_are_free(Store &store, const std::vector<Meter> &wanted) {
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

void import_emon_db(CliContext &context, const EmonImportOptions &options) {
  if (!(options.pulses_per_unit > 0)) {
    throw Failure(ErrorCode::invalid_argument, "--ppu: must be greater than 0");
  }
  EmonDb old(options.file);
  // One snapshot of rows for both passes: rows a running logger adds
  // meanwhile wait for the next import.
  const MeasurementSnapshot snapshot = old.snapshot();
  const std::optional<OldServiceUser> service_user =
      options.users_from.empty() ? std::nullopt
                                 : std::optional(read_old_service_user(options.users_from));
  // Read every row once before writing: a bad row refuses the whole file.
  Progress progress("checking rows", snapshot.rows);
  std::map<std::int64_t, std::int64_t> rows_per_meter;
  old.for_each_measurement(snapshot, [&](std::int64_t meter_id, UtcTime) {
    ++rows_per_meter[meter_id];
    progress.add();
  });
  const std::vector<EmonMeter> old_meters = old.meters(snapshot);
  const std::int64_t user_rows = old.user_rows();

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
  progress.next_step("importing rows", snapshot.rows);
  const EmonPulseTotals pulses =
      import_emon_pulses(old, snapshot, *store, [&](std::int64_t rows) { progress.add(rows); });

  std::string user_line;
  if (!service_user) {
    user_line = "none (the old service's one user is in its config.json: add --users-from "
                "CONFIG.json to bring it along)";
  } else if (store->find_user(service_user->name)) {
    user_line = "'" + service_user->name + "' from " + options.users_from +
                " exists here already; kept the existing one";
  } else {
    store->add_user(User{0, service_user->name, Role::viewer,
                         auth::hash_password(service_user->password), 0, true},
                    now);
    user_line = "'" + service_user->name + "' from " + options.users_from +
                ", role viewer, flagged to change the password (the old one works until "
                "'pulsemon user passwd NAME' sets a new one)";
  }

  progress.next_step("checking the cron tables' pulses");
  const std::vector<CountTableCheck> checks = check_count_tables(
      old, *store, pulses.spans, [&](std::int64_t pulses_done) { progress.add(pulses_done); });
  const std::int64_t grew = old.rows_after(snapshot);
  progress.finish();

  std::cout << "Imported " << options.file << ":\n";
  if (!old.opened_note().empty()) {
    std::cout << "  the file was " << old.opened_note() << "\n";
  }
  std::cout << "  meters: " << meters.size() << " (" << new_meters << " new, "
            << meters.size() - static_cast<std::size_t>(new_meters) << " already there)\n"
            << "  pulses: " << pulses.rows << " measurement rows, " << pulses.stored << " new, "
            << pulses.already_there << " already there\n"
            << "  " << pulses.shared_rows
            << " rows shared their time with another row and were spread within their second\n";
  if (pulses.grown_seconds > 0) {
    std::cout << "  " << pulses.grown_seconds
              << " seconds had fewer pulses here than rows in the file (the old logger wrote "
                 "into them after an earlier import): their "
              << pulses.added_to_grown_seconds << " missing pulses were added, none doubled\n";
  }
  if (pulses.fuller_seconds > 0) {
    std::cout << "  " << pulses.fuller_seconds
              << " seconds hold more pulses here than rows in the file; they were left as "
                 "they are\n";
  }
  if (grew > 0) {
    std::cout << "  the file grew by " << grew
              << " rows while it was read (the old logger still runs?): they wait for the "
                 "next import; stop the logger and import again\n";
  }
  std::cout << "  users: " << user_line << "\n";
  if (user_rows > 0) {
    std::cout << "  the file's user table has " << user_rows
              << " rows; none was imported: the old service never read that table, so none "
                 "of them could log in\n";
  }
  report_count_tables(checks);
  for (const Meter &meter : meters) {
    const auto rows = rows_per_meter.find(meter.id);
    std::cout << "  meter " << meter.id << " '" << meter.name
              << "': " << (rows == rows_per_meter.end() ? 0 : rows->second) << " measurement rows, "
              << meter.pulses_per_unit << " pulses per " << meter.unit << "\n";
  }
}

} // namespace

void add_import_emon_command(CLI::App &import, CliContext &context) {
  auto options = std::make_shared<EmonImportOptions>();
  CLI::App *command = import.add_subcommand(
      "emon-db", "Import an old-stack emon.db: meters, and every measurement as a pulse");
  command->add_option("file", options->file, "the old SQLite file (opened read-only)")->required();
  command
      ->add_option("--ppu", options->pulses_per_unit,
                   "pulses per kWh of the imported meters (the old stack assumed 1000)")
      ->capture_default_str();
  command->add_option("--users-from", options->users_from,
                      "the old service's config.json: its one user becomes a viewer here, "
                      "flagged to change the password");
  command->callback([&context, options] { import_emon_db(context, *options); });
}

} // namespace pulsemon

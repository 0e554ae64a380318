// pulsemon backup: an online, checked copy of the store (with the config
// beside it, and the token secret when asked); pulsemon restore: puts such
// a copy in the store's place, keeping the one it replaces.
#include "app/backup_files.h"
#include "app/cli_context.h"
#include "app/progress.h"
#include "app/serve_lock.h"
#include "core/time_text.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_backup.h"
#include "store/sqlite/sqlite_handle.h"
#include "store/sqlite/sqlite_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <system_error>

namespace pulsemon {

namespace {

struct BackupOptions {
  std::string to;
  bool with_secrets = false;
};

std::string describe(const sqlite::DatabaseFigures &figures) {
  std::string text =
      std::to_string(figures.meters) + " meters, " + std::to_string(figures.pulses()) + " pulses";
  if (figures.newest_pulse) {
    text += ", the newest at " + format_utc(*figures.newest_pulse);
  }
  return text;
}

// pulsemon's backups are copies of the SQLite file; another backend has
// its own tools, and a copy of no file must not look like a backup.
void require_sqlite(const Config &config, const std::string &command) {
  if (config.store.kind != StoreKind::sqlite) {
    throw Failure(ErrorCode::invalid_argument,
                  "pulsemon " + command + " works on a SQLite store, and " +
                      (config.file.empty() ? std::string("the config") : config.file.string()) +
                      " names " + pulsemon::describe(config.store) +
                      " ([store] url); back PostgreSQL up with its own tools (pg_basebackup, "
                      "pg_dump, a standby: docs/scaling.md)");
  }
}

std::string megabytes(std::int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return text;
}

void run_backup(CliContext &context, const BackupOptions &options) {
  const Config &config = context.config();
  require_sqlite(config, "backup");
  // Past a file-size limit (ulimit -f) a write fails with EFBIG, reported
  // like a full disk, rather than ending the command half-way.
  std::signal(SIGXFSZ, SIG_IGN);
  std::filesystem::path file;
  if (options.to.empty() || std::filesystem::is_directory(options.to) ||
      options.to.ends_with('/')) {
    std::filesystem::path folder = options.to;
    if (options.to.empty()) {
      // The scheduled backups' folder, else one beside the database.
      folder =
          config.backup_dir.empty() ? config.database.parent_path() / "backups" : config.backup_dir;
    }
    std::filesystem::create_directories(folder);
    remove_partial_backups(folder);
    file = folder / backup_file_name(wall_now());
  } else {
    file = options.to;
  }
  Progress progress("backing up pages");
  const sqlite::DatabaseFigures figures = sqlite::copy_database(
      config.database, file,
      [&progress](std::int64_t done, std::int64_t total) { progress.set(done, total); });
  progress.finish();
  std::cout << "Backed up " << describe(figures) << " to " << file.string() << " ("
            << megabytes(figures.bytes) << "), checked: integrity, schema version "
            << figures.schema_version << ", every meter's pulses\n";
  if (!config.file.empty()) {
    std::filesystem::path beside = file;
    beside.replace_extension(".toml");
    copy_owner_only(config.file, beside);
    std::cout << "The config is beside it: " << beside.string() << "\n";
  }
  if (options.with_secrets) {
    std::filesystem::path secret = file;
    secret.replace_extension(".jwt.secret");
    copy_owner_only(config.secret_file, secret);
    std::cout << "So is the token-signing secret (keep it private): " << secret.string() << "\n";
  } else {
    std::cout << "Without the token-signing secret (--with-secrets adds it): after a restore "
                 "everyone signs in again; device keys keep working\n";
  }
}

// Makes `file` belong to whoever owned `like` (the daemon's user, when root
// restores for it), so the daemon can write what root put in place.
void own_like(const std::filesystem::path &file, const std::filesystem::path &like) {
  struct stat owner {};
  if (::stat(like.c_str(), &owner) != 0) {
    return;
  }
  if (::chown(file.c_str(), owner.st_uid, owner.st_gid) != 0 && errno != EPERM) {
    throw Failure(ErrorCode::unavailable, "cannot give " + file.string() + " to its owner: " +
                                              std::generic_category().message(errno));
  }
}

void run_restore(CliContext &context, const std::string &from) {
  const Config &config = context.config();
  require_sqlite(config, "restore");
  std::signal(SIGXFSZ, SIG_IGN);
  const std::filesystem::path database = config.database;
  const std::optional<ServeLock> replacing = ServeLock::take(database, ServeLock::Mode::replacing);
  if (!replacing) {
    throw Failure(ErrorCode::unavailable,
                  "a pulsemon daemon serves " + database.string() +
                      "; stop it first (systemctl stop pulsemon), then restore");
  }
  if (!std::filesystem::is_regular_file(from)) {
    throw Failure(ErrorCode::invalid_argument, from + " is not a file");
  }
  const std::string stamp = backup_stamp(wall_now());
  const std::filesystem::path incoming = database.string() + ".restoring";
  std::filesystem::remove(incoming);
  // The copy is the check (integrity, a schema this build knows, every
  // meter's pulses): reading the whole file once more beforehand would
  // double the time on a ten-year store.
  sqlite::DatabaseFigures found;
  try {
    Progress progress("restoring pages");
    found =
        sqlite::copy_database(from, incoming, [&progress](std::int64_t done, std::int64_t total) {
          progress.set(done, total);
        });
  } catch (const Failure &failure) {
    if (failure.code() != ErrorCode::invalid_argument) {
      throw; // a full disk here, say: not the backup's fault
    }
    throw Failure(ErrorCode::invalid_argument,
                  from + " is not a backup this pulsemon can restore: " + failure.message());
  }

  std::filesystem::path set_aside;
  if (std::filesystem::exists(database)) {
    // Its write-ahead log into the file first, so what is set aside is one
    // whole database; a database too damaged for that is set aside with
    // its log under the matching name.
    try {
      sqlite::Database old(database, sqlite::OpenMode::read_write);
      old.execute("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch (const Failure &) {
    }
    set_aside = database.string() + ".replaced-" + stamp;
    std::filesystem::rename(database, set_aside);
    const std::filesystem::path log = database.string() + "-wal";
    if (std::filesystem::exists(log)) {
      std::filesystem::rename(log, set_aside.string() + "-wal");
    }
    std::filesystem::remove(database.string() + "-shm");
    own_like(incoming, set_aside);
  } else {
    own_like(incoming, database.parent_path());
  }
  std::filesystem::rename(incoming, database);
  // Brings an older backup's schema up to this pulsemon's.
  const int migrated_from = found.schema_version;
  (void)SqliteStore(database, StoreOptions{config.durability, false});
  std::cout << "Restored " << describe(found) << " from " << from << " into " << database.string()
            << "\n";
  if (migrated_from != sqlite::current_schema_version) {
    std::cout << "Its schema was brought from version " << migrated_from << " to "
              << sqlite::current_schema_version << "\n";
  }
  if (!set_aside.empty()) {
    std::cout << "The database it replaced is kept at " << set_aside.string()
              << " (remove it once the restored one serves)\n";
  }
  std::cout << "Totals that pulsemon published before (MQTT, /metrics) stay at their highest "
               "until the restored store catches up with them; start pulsemon again "
               "(systemctl start pulsemon)\n";
}

} // namespace

void add_backup_commands(CLI::App &app, CliContext &context) {
  auto options = std::make_shared<BackupOptions>();
  CLI::App *backup = app.add_subcommand(
      "backup", "Copy the store while pulsemon runs: consistent, checked, with the config");
  backup->add_option("--to", options->to,
                     "a folder (the copy is named pulsemon-DATE.db in it) or a file that does "
                     "not exist yet; default: [backup] dir, else 'backups' beside the "
                     "database");
  backup->add_flag("--with-secrets", options->with_secrets,
                   "also copy the token-signing secret (without it, everyone signs in again "
                   "after a restore)");
  backup->callback([&context, options] { run_backup(context, *options); });

  auto from = std::make_shared<std::string>();
  CLI::App *restore = app.add_subcommand(
      "restore", "Put a backup in the store's place (pulsemon must be stopped); the replaced "
                 "database is kept");
  restore->add_option("FILE", *from, "a backup made by 'pulsemon backup'")->required();
  restore->callback([&context, from] { run_restore(context, *from); });
}

} // namespace pulsemon

#include "store/sqlite/sqlite_backup.h"

#include "core/pulse_block.h"
#include "core/time_text.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_handle.h"

#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <numeric>
#include <string>
#include <system_error>

namespace pulsemon::sqlite {

namespace {

// Pages copied per step: small enough for a lively progress figure, large
// enough that the steps cost nothing beside the copying.
constexpr int pages_per_step = 2048;

// The pulses in sealed blocks (schema 12 on), each block decoded: a copy
// whose block bytes were damaged is named, not counted.
void add_sealed_pulses(Database &db, DatabaseFigures &figures) {
  Statement has_blocks(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'pulse_blocks'");
  has_blocks.step();
  if (has_blocks.column_int(0) == 0) {
    return;
  }
  Statement blocks(db, "SELECT meter_id, last_us, pulses, data FROM pulse_blocks");
  while (blocks.step()) {
    const std::int64_t meter_id = blocks.column_int(0);
    const Result<std::vector<UtcTime>> pulses = decode_pulse_block(blocks.column_blob(3));
    if (!pulses || static_cast<std::int64_t>(pulses->size()) != blocks.column_int(2) ||
        pulses->empty() || to_epoch_us(pulses->back()) != blocks.column_int(1)) {
      throw Failure(ErrorCode::invalid_argument,
                    db.path().string() + ": meter " + std::to_string(meter_id) +
                        "'s block of pulses ending at " +
                        format_utc(utc_from_epoch_us(blocks.column_int(1))) + " is damaged");
    }
    figures.pulses_per_meter[meter_id] += blocks.column_int(2);
    if (!figures.newest_pulse || pulses->back() > *figures.newest_pulse) {
      figures.newest_pulse = pulses->back();
    }
  }
}

DatabaseFigures read_figures(Database &db) {
  DatabaseFigures figures;
  Statement version(db, "PRAGMA user_version");
  version.step();
  figures.schema_version = static_cast<int>(version.column_int(0));
  Statement meters(db, "SELECT id FROM meters");
  while (meters.step()) {
    figures.pulses_per_meter[meters.column_int(0)] = 0;
  }
  figures.meters = static_cast<std::int64_t>(figures.pulses_per_meter.size());
  // Counted from the pulses themselves, not from meter_stats: the check is
  // of the rows the copy holds.
  Statement counts(db, "SELECT meter_id, count(*) FROM pulses GROUP BY meter_id");
  while (counts.step()) {
    figures.pulses_per_meter[counts.column_int(0)] = counts.column_int(1);
  }
  Statement newest(db, "SELECT max(ts_us) FROM pulses");
  if (newest.step() && !newest.column_is_null(0)) {
    figures.newest_pulse = utc_from_epoch_us(newest.column_int(0));
  }
  add_sealed_pulses(db, figures);
  return figures;
}

// Makes a file's contents, or a folder's entries, durable.
void sync_path(const std::filesystem::path &path, bool folder) {
  const int fd = ::open(path.c_str(), (folder ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const int error = errno;
    if (fd >= 0) {
      ::close(fd);
    }
    throw Failure(ErrorCode::unavailable, "cannot make " + path.string() + " durable: " +
                                              std::generic_category().message(error));
  }
  ::close(fd);
}

struct BackupFinisher {
  void operator()(sqlite3_backup *backup) const { sqlite3_backup_finish(backup); }
};

void copy_pages(Database &source, Database &target, const CopyProgress &progress) {
  std::unique_ptr<sqlite3_backup, BackupFinisher> backup(
      sqlite3_backup_init(target.handle(), "main", source.handle(), "main"));
  if (!backup) {
    target.fail(sqlite3_errcode(target.handle()), "start the copy");
  }
  while (true) {
    const int rc = sqlite3_backup_step(backup.get(), pages_per_step);
    if (progress) {
      const std::int64_t total = sqlite3_backup_pagecount(backup.get());
      progress(total - sqlite3_backup_remaining(backup.get()), total);
    }
    if (rc == SQLITE_DONE) {
      break;
    }
    if (rc != SQLITE_OK) {
      target.fail(rc, "copy the pages");
    }
  }
  const int rc = sqlite3_backup_finish(backup.release());
  if (rc != SQLITE_OK) {
    target.fail(rc, "finish the copy");
  }
}

} // namespace

std::int64_t DatabaseFigures::pulses() const {
  return std::accumulate(pulses_per_meter.begin(), pulses_per_meter.end(), std::int64_t{0},
                         [](std::int64_t sum, const auto &meter) { return sum + meter.second; });
}

DatabaseFigures check_database_file(const std::filesystem::path &file) {
  if (!std::filesystem::is_regular_file(file)) {
    throw Failure(ErrorCode::invalid_argument, file.string() + " is not a file");
  }
  Database db(file, OpenMode::read_only);
  try {
    Statement integrity(db, "PRAGMA integrity_check");
    integrity.step();
    const std::string verdict = integrity.column_text(0);
    if (verdict != "ok") {
      throw Failure(ErrorCode::invalid_argument,
                    file.string() + " is damaged (SQLite's integrity_check: " + verdict + ")");
    }
    Statement tables(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
                         "('meters', 'pulses', 'rollups', 'meter_stats')");
    tables.step();
    if (tables.column_int(0) != 4) {
      throw Failure(ErrorCode::invalid_argument,
                    file.string() + " is an SQLite database but not pulsemon's");
    }
    DatabaseFigures figures = read_figures(db);
    if (figures.schema_version < 1 || figures.schema_version > current_schema_version) {
      throw Failure(ErrorCode::invalid_argument, file.string() + " has schema version " +
                                                     std::to_string(figures.schema_version) +
                                                     "; this pulsemon knows 1 to " +
                                                     std::to_string(current_schema_version));
    }
    figures.bytes = static_cast<std::int64_t>(std::filesystem::file_size(file));
    return figures;
  } catch (const Failure &failure) {
    if (failure.code() == ErrorCode::invalid_argument) {
      throw;
    }
    // "file is not a database", a truncated file: not a backup.
    throw Failure(ErrorCode::invalid_argument,
                  file.string() + " is not a readable pulsemon database: " + failure.message());
  }
}

DatabaseFigures copy_database(const std::filesystem::path &source,
                              const std::filesystem::path &destination,
                              const CopyProgress &progress) {
  if (std::filesystem::exists(destination)) {
    throw Failure(ErrorCode::already_exists,
                  destination.string() + " exists already; a backup never overwrites one");
  }
  const std::filesystem::path partial = destination.string() + partial_suffix;
  std::filesystem::remove(partial); // what a copy that was killed left
  try {
    Database from(source, OpenMode::read_write);
    DatabaseFigures at_copy;
    {
      // One read transaction around the counting and every page copied:
      // the copy is the database at this one moment, whatever commits meanwhile.
      ReadSnapshot snapshot(from);
      at_copy = read_figures(from);
      Database to(partial, OpenMode::read_write_create);
      copy_pages(from, to, progress);
      // The copy is one file: no write-ahead log to lose beside it.
      to.execute("PRAGMA journal_mode = DELETE");
    }
    const DatabaseFigures copied = check_database_file(partial);
    if (copied.schema_version != at_copy.schema_version ||
        copied.pulses_per_meter != at_copy.pulses_per_meter) {
      throw Failure(ErrorCode::unavailable,
                    "the copy in " + partial.string() +
                        " does not hold what the database held when it was taken (" +
                        std::to_string(copied.pulses()) + " pulses against " +
                        std::to_string(at_copy.pulses()) + ")");
    }
    // The copy holds password and key hashes: for its owner only, wherever
    // it is taken (a NAS, a USB stick).
    std::filesystem::permissions(partial, std::filesystem::perms::owner_read |
                                              std::filesystem::perms::owner_write);
    sync_path(partial, false);
    std::filesystem::rename(partial, destination);
    sync_path(destination.parent_path().empty() ? "." : destination.parent_path(), true);
    DatabaseFigures result = copied;
    result.bytes = static_cast<std::int64_t>(std::filesystem::file_size(destination));
    return result;
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
    throw;
  }
}

} // namespace pulsemon::sqlite

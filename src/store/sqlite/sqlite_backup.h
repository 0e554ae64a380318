#pragma once
// Copies of the SQLite store that can be trusted: taken online, while the
// daemon commits, through SQLite's backup API inside one read transaction
// (so the copy is the database at one moment, never a file copied while it
// changes or without its write-ahead log), written under a temporary name
// and renamed to the asked one only once the copy checks out.

#include "core/time.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>

namespace pulsemon::sqlite {

// What a database file holds, as read from it.
struct DatabaseFigures {
  int schema_version = 0;
  std::int64_t bytes = 0;
  std::int64_t meters = 0;
  std::map<std::int64_t, std::int64_t> pulses_per_meter; // every meter, 0 when none
  std::optional<UtcTime> newest_pulse;

  [[nodiscard]] std::int64_t pulses() const;
};

// Told the pages copied so far and the pages to copy, now and then.
using CopyProgress = std::function<void(std::int64_t done, std::int64_t total)>;

// The suffix of a copy in progress: a file with it is never a good backup.
inline constexpr const char *partial_suffix = ".partial";

// Copies the database at `source` (left as it is; other connections keep
// committing) to `destination`, which must not exist: into
// destination + ".partial" first, then checked (integrity_check, the schema
// version, each meter's pulse count equal to the source's at the copy's
// moment), made durable, and renamed. The copy is one file (no write-ahead
// log beside it). Throws Failure (the partial file removed) when anything
// fails; returns the copy's figures.
DatabaseFigures copy_database(const std::filesystem::path &source,
                              const std::filesystem::path &destination,
                              const CopyProgress &progress = {});

// Reads a database file's figures after checking that it is a whole
// pulsemon database (SQLite's integrity_check, a schema version this build
// knows, at most the current one). Throws Failure(invalid_argument) naming
// the file and what is wrong.
DatabaseFigures check_database_file(const std::filesystem::path &file);

} // namespace pulsemon::sqlite

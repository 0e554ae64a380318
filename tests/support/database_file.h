#pragma once
// Reading a pulsemon database file straight through SQLite, read-only, as a
// test checks what the daemon stored (the daemon may be running: WAL lets
// this read beside its writer).

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace pulsemon::testing {

// The rows of one query as text, one string a row, columns joined by '|'.
// Fails the current test when the file or the query cannot be read.
std::vector<std::string> rows_of(const std::filesystem::path &database, const std::string &sql);

// The stored pulse times of a meter (epoch microseconds), oldest first:
// the tail's rows and the sealed blocks' pulses (decoded; a block that does
// not decode fails the test).
std::vector<std::int64_t> stored_pulse_times(const std::filesystem::path &database,
                                             std::int64_t meter_id);

// Every stored pulse of every meter: meter id → times, oldest first.
std::map<std::int64_t, std::vector<std::int64_t>>
stored_pulses(const std::filesystem::path &database);

// How many pulses are stored, all meters together.
std::int64_t stored_pulse_count(const std::filesystem::path &database);

} // namespace pulsemon::testing

#pragma once
// Moving an old emon.db's measurements into the store, and checking the
// cron job's count tables against what was stored (the command, its
// options and its report live in app/commands/import_emon.cpp).

#include "core/time.h"
#include "store/legacy/emon_db.h"
#include "store/store.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pulsemon {

// Called with units of work done, for a progress display.
using WorkDone = std::function<void(std::int64_t)>;

// The first and last row of one meter in the file.
struct RowSpan {
  UtcTime first;
  UtcTime last;
};

struct EmonPulseTotals {
  std::int64_t rows = 0;          // measurement rows read
  std::int64_t stored = 0;        // pulses stored by this import
  std::int64_t already_there = 0; // rows whose pulse was stored before
  std::int64_t shared_rows = 0;   // rows that shared their stamp with another
  // Seconds that had fewer pulses here than rows in the file: an import
  // ran while the old logger still wrote into them. Only the missing
  // pulses are added.
  std::int64_t grown_seconds = 0;
  std::int64_t added_to_grown_seconds = 0;
  // Seconds that hold more pulses here than rows in the file (pulses from
  // another source, or rows deleted from the file since): left as they are.
  std::int64_t fuller_seconds = 0;
  std::map<std::int64_t, RowSpan> spans; // per meter
};

// Stores the pulses of the snapshot's measurement rows, one whole second
// at a time (core/second_spreader.h): a second with no pulses here gets
// all of its rows; one that has as many as the file, nothing; one that has
// fewer, only the missing ones, at spread times not yet taken. So an
// import repeated while the old logger writes never doubles a row.
EmonPulseTotals import_emon_pulses(EmonDb &old, const MeasurementSnapshot &snapshot, Store &store,
                                   const WorkDone &rows_done);

// One count table held against the stored pulses of the meters it counts.
struct CountTableCheck {
  EmonCountTable table;
  std::vector<std::int64_t> meters;
  std::int64_t intervals = 0; // the table's rows within the checked meters
  std::int64_t differ = 0;    // intervals where the table and the store disagree
  std::string first_difference;
  std::optional<UtcTime> table_ends;  // the table's last interval
  std::optional<UtcTime> stored_ends; // the last interval with pulses here
  // Why a table, or some of its meters, could not be checked.
  std::string not_checked;
};

// Checks each of the file's count tables, interval by interval, against
// the stored pulses over the table's span and the file's rows of the meter.
std::vector<CountTableCheck> check_count_tables(EmonDb &old, Store &store,
                                                const std::map<std::int64_t, RowSpan> &spans,
                                                const WorkDone &pulses_done);

} // namespace pulsemon

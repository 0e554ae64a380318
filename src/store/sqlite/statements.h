#pragma once
// The prepared statements SqliteStore reuses on hot paths, prepared once per
// connection. Private to the store's implementation files.

#include "store/sqlite/sqlite_handle.h"
#include "store/sqlite/sqlite_store.h"

namespace pulsemon {

struct SqliteStore::Statements {
  explicit Statements(sqlite::Database &db)
      : insert_pulse(db, "INSERT OR IGNORE INTO pulses (meter_id, ts_us) VALUES (?1, ?2)"),
        add_to_rollup(db,
                      "INSERT INTO rollups (meter_id, slot_seconds, slot_start, pulses) "
                      "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (meter_id, slot_seconds, slot_start) "
                      "DO UPDATE SET pulses = pulses + excluded.pulses"),
        add_to_stats(db, R"sql(
          INSERT INTO meter_stats (meter_id, pulses, duplicates, too_close, too_short, unpaired,
                                   first_pulse_us, last_pulse_us, unsealed)
          VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?2)
          ON CONFLICT (meter_id) DO UPDATE SET
            pulses = pulses + excluded.pulses,
            unsealed = unsealed + excluded.pulses,
            duplicates = duplicates + excluded.duplicates,
            too_close = too_close + excluded.too_close,
            too_short = too_short + excluded.too_short,
            unpaired = unpaired + excluded.unpaired,
            first_pulse_us = CASE
              WHEN excluded.first_pulse_us IS NULL THEN first_pulse_us
              WHEN first_pulse_us IS NULL THEN excluded.first_pulse_us
              ELSE min(first_pulse_us, excluded.first_pulse_us) END,
            last_pulse_us = CASE
              WHEN excluded.last_pulse_us IS NULL THEN last_pulse_us
              WHEN last_pulse_us IS NULL THEN excluded.last_pulse_us
              ELSE max(last_pulse_us, excluded.last_pulse_us) END)sql"),
        sum_rollup(db,
                   "SELECT total(pulses) FROM rollups WHERE meter_id = ?1 AND slot_seconds = ?2 "
                   "AND slot_start >= ?3 AND slot_start < ?4"),
        // The spans arrive as one JSON array of [slot_seconds, from, to]:
        // one statement for any number of spans, each an index range.
        rollups_in_spans(db, "SELECT r.slot_seconds, r.slot_start, r.pulses "
                             "FROM json_each(?2) AS j CROSS JOIN rollups AS r "
                             "ON r.meter_id = ?1 AND r.slot_seconds = j.value ->> 0 "
                             "AND r.slot_start >= j.value ->> 1 AND r.slot_start < j.value ->> 2"),
        data_version(db, "PRAGMA data_version") {}

  sqlite::Statement insert_pulse;
  sqlite::Statement add_to_rollup;
  sqlite::Statement add_to_stats;
  sqlite::Statement sum_rollup;
  sqlite::Statement rollups_in_spans;
  sqlite::Statement data_version; // asked at every API request
};

} // namespace pulsemon

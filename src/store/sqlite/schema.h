#pragma once

#include "store/sqlite/sqlite_handle.h"

namespace pulsemon::sqlite {

// The schema version this build writes. Recorded in PRAGMA user_version.
inline constexpr int current_schema_version = 12;

// Brings the database up to current_schema_version, one migration per
// version, each in its own transaction. Refuses a database from a newer
// pulsemon rather than guess at its layout.
void migrate(Database &db);

} // namespace pulsemon::sqlite

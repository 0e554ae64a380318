#pragma once
// The PostgreSQL schema and its migrations. Private to the PostgreSQL store.

#include "store/postgres/pg_connection.h"

#include <cstdint>
#include <string_view>

namespace pulsemon::pg {

inline constexpr int current_schema_version = 6;

// Brings the database to the current schema under a session advisory lock,
// so that instances starting at once migrate it once, one after another.
// Throws Failure(unavailable) for a schema newer than this pulsemon.
// `target` below the current version is for the tests of a migration.
void migrate(Connection &db, int target = current_schema_version);

[[nodiscard]] int schema_version(Connection &db);

// The advisory lock keys: every write transaction takes `writers`.
inline constexpr std::int64_t writers_lock = 0x70756c73656d6f6e; // "pulsemon"
inline constexpr std::int64_t migration_lock = writers_lock + 1;

// The channel a write transaction that fed pulses NOTIFYs at its commit.
inline constexpr std::string_view feed_channel = "pulsemon_feed";

} // namespace pulsemon::pg

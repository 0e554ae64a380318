#include "store/sqlite/schema.h"

#include <array>
#include <string>
#include <string_view>

namespace pulsemon::sqlite {

namespace {

// Migration N brings the schema from version N to N + 1. Append only: a
// released migration is never edited, or databases in the field diverge.
constexpr std::array<std::string_view, current_schema_version> migrations{R"sql(
CREATE TABLE meters (
  id               INTEGER PRIMARY KEY,
  name             TEXT    NOT NULL,
  location         TEXT    NOT NULL DEFAULT '',
  kind             TEXT    NOT NULL CHECK (kind IN ('electricity', 'gas', 'water', 'heat')),
  unit             TEXT    NOT NULL,
  pulses_per_unit  REAL    NOT NULL CHECK (pulses_per_unit > 0),
  tariff           TEXT    NOT NULL DEFAULT '',
  min_interval_us  INTEGER NOT NULL,
  min_width_us     INTEGER NOT NULL,
  power_timeout_s  INTEGER NOT NULL,
  created_us       INTEGER NOT NULL
);

-- Derived from pulses (rebuilt by 'rollup --rebuild'), except the duplicate
-- and rejection counters, which only the writer sees.
CREATE TABLE meter_stats (
  meter_id        INTEGER PRIMARY KEY REFERENCES meters(id),
  pulses          INTEGER NOT NULL DEFAULT 0,
  duplicates      INTEGER NOT NULL DEFAULT 0,
  too_close       INTEGER NOT NULL DEFAULT 0,
  too_short       INTEGER NOT NULL DEFAULT 0,
  unpaired        INTEGER NOT NULL DEFAULT 0,
  first_pulse_us  INTEGER,
  last_pulse_us   INTEGER
);

-- The source of truth: one row per accepted pulse, microseconds UTC. The key
-- makes storing a pulse twice a no-op.
CREATE TABLE pulses (
  meter_id  INTEGER NOT NULL,
  ts_us     INTEGER NOT NULL,
  PRIMARY KEY (meter_id, ts_us)
) WITHOUT ROWID;

-- Pulse counts per UTC-aligned slot of 900, 3600 and 86400 seconds,
-- maintained in the same transaction as the pulses.
CREATE TABLE rollups (
  meter_id      INTEGER NOT NULL,
  slot_seconds  INTEGER NOT NULL,
  slot_start    INTEGER NOT NULL,
  pulses        INTEGER NOT NULL,
  PRIMARY KEY (meter_id, slot_seconds, slot_start)
) WITHOUT ROWID;

CREATE TABLE register_records (
  meter_id     INTEGER NOT NULL REFERENCES meters(id),
  at_us        INTEGER NOT NULL,
  value        REAL    NOT NULL,
  replacement  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (meter_id, at_us)
);

CREATE TABLE calorific_values (
  meter_id           INTEGER NOT NULL REFERENCES meters(id),
  effective_us       INTEGER NOT NULL,
  megajoules_per_m3  REAL    NOT NULL,
  volume_correction  REAL    NOT NULL,
  PRIMARY KEY (meter_id, effective_us)
);

-- Pulses known to be lost (a kernel or sensor sequence gap, an outage).
CREATE TABLE gaps (
  id              INTEGER PRIMARY KEY,
  meter_id        INTEGER NOT NULL REFERENCES meters(id),
  at_us           INTEGER NOT NULL,
  missing_pulses  INTEGER,
  reason          TEXT    NOT NULL
);

CREATE TABLE users (
  id                INTEGER PRIMARY KEY,
  name              TEXT    NOT NULL UNIQUE,
  role              TEXT    NOT NULL CHECK (role IN ('admin', 'user', 'viewer')),
  password_hash     TEXT    NOT NULL,
  token_generation  INTEGER NOT NULL DEFAULT 0,
  created_us        INTEGER NOT NULL
);
)sql",
                                                                          R"sql(
-- Users imported from an old-stack emon.db had plaintext passwords; they
-- are hashed on import and flagged until the user picks a new one.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
)sql",
                                                                          R"sql(
-- Sensor nodes: device keys (stored as hashes), the meters each may write,
-- the batches already stored (so a resent batch is stored once), and each
-- node's last report of its health.
CREATE TABLE device_keys (
  id          INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL DEFAULT '',
  key_hash    TEXT    NOT NULL,
  created_us  INTEGER NOT NULL,
  revoked_us  INTEGER
);

CREATE TABLE device_key_meters (
  key_id    INTEGER NOT NULL REFERENCES device_keys(id),
  meter_id  INTEGER NOT NULL REFERENCES meters(id),
  PRIMARY KEY (key_id, meter_id)
) WITHOUT ROWID;

CREATE TABLE ingest_batches (
  node         TEXT    NOT NULL,
  boot         INTEGER NOT NULL,
  seq          INTEGER NOT NULL,
  received_us  INTEGER NOT NULL,
  pulses       INTEGER NOT NULL,
  PRIMARY KEY (node, boot, seq)
) WITHOUT ROWID;

CREATE TABLE nodes (
  name           TEXT    PRIMARY KEY,
  key_id         INTEGER NOT NULL,
  meter_id       INTEGER NOT NULL,
  last_heard_us  INTEGER NOT NULL,
  boot           INTEGER NOT NULL,
  last_seq       INTEGER NOT NULL,
  health         TEXT    NOT NULL DEFAULT '{}'
);
)sql",
                                                                          R"sql(
-- Where the current boot of a node that sends times since boot lies on the
-- wall clock (core/boot_anchor.h), so delayed batches do not shift stamps.
ALTER TABLE nodes ADD COLUMN boot_anchor_us INTEGER;
ALTER TABLE nodes ADD COLUMN anchor_measured_us INTEGER;

-- A meter's latest gaps are part of every meter answer of the API; without
-- an index each answer scanned and sorted the table (docs/benchmarks.md).
CREATE INDEX gaps_by_meter ON gaps (meter_id, at_us, id);
)sql",
                                                                          R"sql(
-- Token generations come from one counter for all users, so a user deleted
-- and created again under the same name never gets a generation that an
-- old token of the first account carries (before, each user counted from
-- 0). A token also refers to a user created before it was issued.
CREATE TABLE counters (
  name   TEXT    PRIMARY KEY,
  value  INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters (name, value)
  SELECT 'token_generation', coalesce(max(token_generation), 0) + 1 FROM users;
)sql",
                                                                          R"sql(
-- The buffer overflows a node last reported this boot, a column of its own
-- (the storage port's NodeRecord) rather than read out of its health text.
ALTER TABLE nodes ADD COLUMN overflows INTEGER NOT NULL DEFAULT 0;
UPDATE nodes SET overflows = coalesce(json_extract(health, '$.overflows'), 0);
)sql",
                                                                          R"sql(
-- A node's pulses the server's pulse rule filtered (node_batches.h).
ALTER TABLE nodes ADD COLUMN filtered_too_close INTEGER NOT NULL DEFAULT 0;
)sql",
                                                                          R"sql(
-- The daemon's runs, so that the time between them shows as a gap
-- (core/downtime.h) rather than as a house that used nothing.
CREATE TABLE daemon_runs (
  id          INTEGER PRIMARY KEY,
  started_us  INTEGER NOT NULL,
  alive_us    INTEGER NOT NULL,
  stopped     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX daemon_runs_by_start ON daemon_runs (started_us);
)sql",
                                                                          R"sql(
-- What the household says about itself (core/household.h): one row.
CREATE TABLE household (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  people         INTEGER,
  floor_area_m2  REAL,
  heating        TEXT    NOT NULL DEFAULT ''
);
)sql",
                                                                          R"sql(
-- Sites (core/site.h): the households one pulsemon serves. What the store
-- held becomes the home site's, and every user a member of it with the
-- role they had (admin: owner, user: member), so nothing changes for them.
CREATE TABLE sites (
  id          INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL UNIQUE,
  created_us  INTEGER NOT NULL
);
INSERT INTO sites (id, name, created_us)
  VALUES (1, 'home', coalesce((SELECT min(created_us) FROM meters),
                              CAST(strftime('%s', 'now') AS INTEGER) * 1000000));
ALTER TABLE meters ADD COLUMN site_id INTEGER NOT NULL DEFAULT 1;
CREATE INDEX meters_by_site ON meters (site_id, id);

CREATE TABLE site_members (
  user_id  INTEGER NOT NULL,
  site_id  INTEGER NOT NULL,
  role     TEXT    NOT NULL CHECK (role IN ('admin', 'user', 'viewer')),
  PRIMARY KEY (user_id, site_id)
) WITHOUT ROWID;
INSERT INTO site_members (user_id, site_id, role) SELECT id, 1, role FROM users;
-- users.role stays: the highest of the user's roles, for a reader of the table.
ALTER TABLE users ADD COLUMN is_operator INTEGER NOT NULL DEFAULT 0;

-- A site owner's grants of the hourly and finer figures to the operators,
-- kept with their revocation.
CREATE TABLE profile_grants (
  id          INTEGER PRIMARY KEY,
  site_id     INTEGER NOT NULL,
  granted_by  TEXT    NOT NULL,
  granted_us  INTEGER NOT NULL,
  revoked_by  TEXT,
  revoked_us  INTEGER
);
CREATE INDEX profile_grants_by_site ON profile_grants (site_id, id);
)sql",
                                                                          R"sql(
-- Share and display links (core/share_link.h): a token's hash, never the
-- token; the meters as "1,2,3" (read only with their link).
CREATE TABLE links (
  id             INTEGER PRIMARY KEY,
  site_id        INTEGER NOT NULL,
  kind           TEXT    NOT NULL CHECK (kind IN ('share', 'display')),
  label          TEXT    NOT NULL,
  meters         TEXT    NOT NULL,
  granularity    TEXT    NOT NULL CHECK (granularity IN ('day', 'week', 'month')),
  window_days    INTEGER NOT NULL,
  people         INTEGER,
  floor_area_m2  REAL,
  heating        TEXT    NOT NULL DEFAULT '',
  show_names     INTEGER NOT NULL DEFAULT 0,
  expires_us     INTEGER,
  created_by     TEXT    NOT NULL,
  created_us     INTEGER NOT NULL,
  revoked_us     INTEGER,
  last_used_us   INTEGER,
  uses           INTEGER NOT NULL DEFAULT 0,
  token_hash     TEXT    NOT NULL UNIQUE
);
CREATE INDEX links_by_site ON links (site_id, id);

-- Friends' share links a site compares itself with, and the last good
-- copy of each (core/friend_link.h).
CREATE TABLE friends (
  id           INTEGER PRIMARY KEY,
  site_id      INTEGER NOT NULL,
  label        TEXT    NOT NULL,
  url          TEXT    NOT NULL,
  added_by     TEXT    NOT NULL,
  added_us     INTEGER NOT NULL,
  state        TEXT    NOT NULL DEFAULT 'waiting',
  reason       TEXT    NOT NULL DEFAULT '',
  since_us     INTEGER,
  checked_us   INTEGER,
  fetched_us   INTEGER,
  etag         TEXT    NOT NULL DEFAULT '',
  figures      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX friends_by_site ON friends (site_id, id);
)sql",
                                                                          R"sql(
-- Sealed blocks of a meter's pulses (core/pulse_block.h): the pulses table
-- is from now on the tail, where every pulse is first stored and from
-- which a background step seals them (store/pulse_blocks.h). Blocks never
-- overlap; a block's key is its meter and its last pulse.
CREATE TABLE pulse_blocks (
  id        INTEGER PRIMARY KEY,
  meter_id  INTEGER NOT NULL,
  first_us  INTEGER NOT NULL,
  last_us   INTEGER NOT NULL,
  pulses    INTEGER NOT NULL,
  data      BLOB    NOT NULL
);
CREATE UNIQUE INDEX pulse_blocks_by_end ON pulse_blocks (meter_id, last_us);

-- What an upgraded store held before its pulses were sealed, per meter
-- and UTC day: once the tail is sealed the counts are compared, and the
-- table goes when they agree (pulsemon compact reports it).
CREATE TABLE pulse_counts_before_sealing (
  meter_id  INTEGER NOT NULL,
  day       INTEGER NOT NULL,
  pulses    INTEGER NOT NULL,
  PRIMARY KEY (meter_id, day)
) WITHOUT ROWID;
INSERT INTO pulse_counts_before_sealing (meter_id, day, pulses)
  SELECT meter_id, ts_us / 86400000000, count(*) FROM pulses GROUP BY 1, 2;

-- How many of a meter's pulses wait in the tail: the sealing step looks
-- only at meters with a block's worth (or late pulses), without counting.
ALTER TABLE meter_stats ADD COLUMN unsealed INTEGER NOT NULL DEFAULT 0;
UPDATE meter_stats SET unsealed = (SELECT count(*) FROM pulses
                                   WHERE pulses.meter_id = meter_stats.meter_id);
)sql"};

int read_version(Database &db) {
  Statement statement(db, "PRAGMA user_version");
  statement.step();
  return static_cast<int>(statement.column_int(0));
}

} // namespace

void migrate(Database &db) {
  const int found = read_version(db);
  if (found > current_schema_version) {
    throw Failure(ErrorCode::unavailable,
                  "database " + db.path().string() + " has schema version " +
                      std::to_string(found) + ", newer than this pulsemon understands (" +
                      std::to_string(current_schema_version) + "); upgrade pulsemon");
  }
  for (int version = found; version < current_schema_version; ++version) {
    Transaction transaction(db);
    db.execute(migrations[static_cast<std::size_t>(version)]);
    // PRAGMA takes no bound parameters; the value is an integer we control.
    db.execute("PRAGMA user_version = " + std::to_string(version + 1));
    transaction.commit();
  }
}

} // namespace pulsemon::sqlite

#include "store/postgres/pg_schema.h"

#include <array>
#include <string>
#include <string_view>

namespace pulsemon::pg {

namespace {

// Migration N brings the schema from version N to N + 1. Append only.
// The tables mirror the SQLite store's (store/sqlite/schema.cpp, as of its
// version 9, then migration by migration); times are microseconds (or seconds for rollup slots)
// since the epoch, as there.
constexpr std::array<std::string_view, current_schema_version> migrations{R"sql(
CREATE TABLE meters (
  id               bigint  PRIMARY KEY,
  name             text    NOT NULL,
  location         text    NOT NULL DEFAULT '',
  kind             text    NOT NULL CHECK (kind IN ('electricity', 'gas', 'water', 'heat')),
  unit             text    NOT NULL,
  pulses_per_unit  double precision NOT NULL CHECK (pulses_per_unit > 0),
  tariff           text    NOT NULL DEFAULT '',
  min_interval_us  bigint  NOT NULL,
  min_width_us     bigint  NOT NULL,
  power_timeout_s  bigint  NOT NULL,
  created_us       bigint  NOT NULL
);
CREATE TABLE meter_stats (
  meter_id        bigint PRIMARY KEY REFERENCES meters(id),
  pulses          bigint NOT NULL DEFAULT 0,
  duplicates      bigint NOT NULL DEFAULT 0,
  too_close       bigint NOT NULL DEFAULT 0,
  too_short       bigint NOT NULL DEFAULT 0,
  unpaired        bigint NOT NULL DEFAULT 0,
  first_pulse_us  bigint,
  last_pulse_us   bigint
);
CREATE TABLE pulses (
  meter_id  bigint NOT NULL,
  ts_us     bigint NOT NULL,
  PRIMARY KEY (meter_id, ts_us)
);
CREATE TABLE rollups (
  meter_id      bigint NOT NULL,
  slot_seconds  bigint NOT NULL,
  slot_start    bigint NOT NULL,
  pulses        bigint NOT NULL,
  PRIMARY KEY (meter_id, slot_seconds, slot_start)
);
CREATE TABLE register_records (
  meter_id     bigint  NOT NULL REFERENCES meters(id),
  at_us        bigint  NOT NULL,
  value        double precision NOT NULL,
  replacement  boolean NOT NULL DEFAULT false,
  PRIMARY KEY (meter_id, at_us)
);
CREATE TABLE calorific_values (
  meter_id           bigint NOT NULL REFERENCES meters(id),
  effective_us       bigint NOT NULL,
  megajoules_per_m3  double precision NOT NULL,
  volume_correction  double precision NOT NULL,
  PRIMARY KEY (meter_id, effective_us)
);
CREATE TABLE gaps (
  id              bigserial PRIMARY KEY,
  meter_id        bigint NOT NULL REFERENCES meters(id),
  at_us           bigint NOT NULL,
  missing_pulses  bigint,
  reason          text   NOT NULL
);
CREATE INDEX gaps_by_meter ON gaps (meter_id, at_us, id);
CREATE TABLE users (
  id                    bigserial PRIMARY KEY,
  name                  text    NOT NULL UNIQUE,
  role                  text    NOT NULL CHECK (role IN ('admin', 'user', 'viewer')),
  password_hash         text    NOT NULL,
  token_generation      bigint  NOT NULL DEFAULT 0,
  created_us            bigint  NOT NULL,
  must_change_password  boolean NOT NULL DEFAULT false
);
CREATE TABLE counters (
  name   text   PRIMARY KEY,
  value  bigint NOT NULL
);
INSERT INTO counters (name, value) VALUES ('token_generation', 1), ('changes', 0);
CREATE TABLE device_keys (
  id          bigserial PRIMARY KEY,
  name        text   NOT NULL DEFAULT '',
  key_hash    text   NOT NULL,
  created_us  bigint NOT NULL,
  revoked_us  bigint
);
CREATE TABLE device_key_meters (
  key_id    bigint NOT NULL REFERENCES device_keys(id),
  meter_id  bigint NOT NULL REFERENCES meters(id),
  PRIMARY KEY (key_id, meter_id)
);
CREATE TABLE ingest_batches (
  node         text   NOT NULL,
  boot         bigint NOT NULL,
  seq          bigint NOT NULL,
  received_us  bigint NOT NULL,
  pulses       bigint NOT NULL,
  PRIMARY KEY (node, boot, seq)
);
CREATE TABLE nodes (
  name                text   PRIMARY KEY,
  key_id              bigint NOT NULL,
  meter_id            bigint NOT NULL,
  last_heard_us       bigint NOT NULL,
  boot                bigint NOT NULL,
  last_seq            bigint NOT NULL,
  health              text   NOT NULL DEFAULT '{}',
  boot_anchor_us      bigint,
  anchor_measured_us  bigint,
  overflows           bigint NOT NULL DEFAULT 0,
  filtered_too_close  bigint NOT NULL DEFAULT 0
);
CREATE TABLE daemon_runs (
  id          bigserial PRIMARY KEY,
  started_us  bigint  NOT NULL,
  alive_us    bigint  NOT NULL,
  stopped     boolean NOT NULL DEFAULT false
);
CREATE INDEX daemon_runs_by_start ON daemon_runs (started_us);
CREATE TABLE household (
  id             integer PRIMARY KEY CHECK (id = 1),
  people         bigint,
  floor_area_m2  double precision,
  heating        text NOT NULL DEFAULT ''
);
)sql",
                                                                          R"sql(
-- Pulses partitioned by UTC month (pulses_YYYY_MM), each made by the first
-- commit that needs it (postgres_pulses.cpp) with the month after it: a
-- month's pulses are one table to vacuum, archive or drop, and an index
-- the size of a month. The pulses stored so far move into their months.
ALTER TABLE pulses RENAME TO pulses_unpartitioned;
ALTER TABLE pulses_unpartitioned RENAME CONSTRAINT pulses_pkey TO pulses_unpartitioned_pkey;
CREATE TABLE pulses (
  meter_id  bigint NOT NULL,
  ts_us     bigint NOT NULL,
  PRIMARY KEY (meter_id, ts_us)
) PARTITION BY RANGE (ts_us);
DO $$
DECLARE
  month timestamp;
BEGIN
  FOR month IN SELECT DISTINCT date_trunc('month', to_timestamp(ts_us / 1000000) AT TIME ZONE 'UTC')
               FROM pulses_unpartitioned LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF pulses FOR VALUES FROM (%s) TO (%s)',
                   'pulses_' || to_char(month, 'YYYY_MM'),
                   (extract(epoch FROM month) * 1000000)::bigint,
                   (extract(epoch FROM month + interval '1 month') * 1000000)::bigint);
  END LOOP;
END $$;
INSERT INTO pulses (meter_id, ts_us) SELECT meter_id, ts_us FROM pulses_unpartitioned;
DROP TABLE pulses_unpartitioned;
)sql",
                                                                          R"sql(
-- The change feed (store/change_feed.h): the new pulses of every write
-- transaction of a daemon's handle, one row per meter, numbered in commit
-- order (every write transaction holds the writers' advisory lock, so the
-- numbers are taken in the order the transactions commit). Instances
-- follow it for their live figures, live streams and MQTT-out, and delete
-- what is older than a few minutes.
CREATE TABLE pulse_feed (
  seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  origin        text        NOT NULL,
  meter_id      bigint      NOT NULL,
  times         bigint[]    NOT NULL,
  committed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pulse_feed_by_age ON pulse_feed (committed_at);
-- Failed logins, counted by every instance (store/login_failures.h).
CREATE TABLE login_failures (
  key    text   NOT NULL,
  at_us  bigint NOT NULL
);
CREATE INDEX login_failures_by_key ON login_failures (key, at_us);
CREATE INDEX login_failures_by_age ON login_failures (at_us);
)sql",
                                                                          R"sql(
-- Sites (core/site.h), as the SQLite store's version 10 has them: what the
-- store held becomes the home site's, every user a member of it with the
-- role they had.
CREATE TABLE sites (
  id          bigserial PRIMARY KEY,
  name        text      NOT NULL UNIQUE,
  created_us  bigint    NOT NULL
);
INSERT INTO sites (id, name, created_us)
  VALUES (1, 'home', coalesce((SELECT min(created_us) FROM meters),
                              (extract(epoch FROM now()) * 1000000)::bigint));
SELECT setval('sites_id_seq', 1);
ALTER TABLE meters ADD COLUMN site_id bigint NOT NULL DEFAULT 1 REFERENCES sites(id);
CREATE INDEX meters_by_site ON meters (site_id, id);
CREATE TABLE site_members (
  user_id  bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  site_id  bigint NOT NULL REFERENCES sites(id),
  role     text   NOT NULL CHECK (role IN ('admin', 'user', 'viewer')),
  PRIMARY KEY (user_id, site_id)
);
INSERT INTO site_members (user_id, site_id, role) SELECT id, 1, role FROM users;
ALTER TABLE users ADD COLUMN is_operator boolean NOT NULL DEFAULT false;
CREATE TABLE profile_grants (
  id          bigserial PRIMARY KEY,
  site_id     bigint NOT NULL REFERENCES sites(id),
  granted_by  text   NOT NULL,
  granted_us  bigint NOT NULL,
  revoked_by  text,
  revoked_us  bigint
);
CREATE INDEX profile_grants_by_site ON profile_grants (site_id, id);
)sql",
                                                                          R"sql(
-- Share and display links and friends' links, as the SQLite store's
-- version 11 has them.
CREATE TABLE links (
  id             bigserial PRIMARY KEY,
  site_id        bigint  NOT NULL REFERENCES sites(id),
  kind           text    NOT NULL CHECK (kind IN ('share', 'display')),
  label          text    NOT NULL,
  meters         text    NOT NULL,
  granularity    text    NOT NULL CHECK (granularity IN ('day', 'week', 'month')),
  window_days    integer NOT NULL,
  people         integer,
  floor_area_m2  double precision,
  heating        text    NOT NULL DEFAULT '',
  show_names     boolean NOT NULL DEFAULT false,
  expires_us     bigint,
  created_by     text    NOT NULL,
  created_us     bigint  NOT NULL,
  revoked_us     bigint,
  last_used_us   bigint,
  uses           bigint  NOT NULL DEFAULT 0,
  token_hash     text    NOT NULL UNIQUE
);
CREATE INDEX links_by_site ON links (site_id, id);
CREATE TABLE friends (
  id           bigserial PRIMARY KEY,
  site_id      bigint NOT NULL REFERENCES sites(id),
  label        text   NOT NULL,
  url          text   NOT NULL,
  added_by     text   NOT NULL,
  added_us     bigint NOT NULL,
  state        text   NOT NULL DEFAULT 'waiting',
  reason       text   NOT NULL DEFAULT '',
  since_us     bigint,
  checked_us   bigint,
  fetched_us   bigint,
  etag         text   NOT NULL DEFAULT '',
  figures      text   NOT NULL DEFAULT ''
);
CREATE INDEX friends_by_site ON friends (site_id, id);
)sql",
                                                                          R"sql(
-- Sealed blocks of pulses and the tail, as the SQLite store's version 12
-- has them (store/pulse_blocks.h). A block's bytes are compressed
-- already: EXTERNAL keeps them out of line without a second try.
CREATE TABLE pulse_blocks (
  meter_id  bigint NOT NULL,
  first_us  bigint NOT NULL,
  last_us   bigint NOT NULL,
  pulses    bigint NOT NULL,
  data      bytea  NOT NULL,
  PRIMARY KEY (meter_id, last_us)
);
ALTER TABLE pulse_blocks ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE TABLE pulse_counts_before_sealing (
  meter_id  bigint NOT NULL,
  day       bigint NOT NULL,
  pulses    bigint NOT NULL,
  PRIMARY KEY (meter_id, day)
);
INSERT INTO pulse_counts_before_sealing (meter_id, day, pulses)
  SELECT meter_id, ts_us / 86400000000, count(*) FROM pulses GROUP BY 1, 2;
ALTER TABLE meter_stats ADD COLUMN unsealed bigint NOT NULL DEFAULT 0;
UPDATE meter_stats SET unsealed = (SELECT count(*) FROM pulses
                                   WHERE pulses.meter_id = meter_stats.meter_id);
)sql"};

} // namespace

int schema_version(Connection &db) {
  const Rows exists = db.run("SELECT to_regclass('pulsemon_schema') IS NOT NULL");
  if (!exists.boolean(0, 0)) {
    return 0;
  }
  const Rows version = db.run("SELECT version FROM pulsemon_schema");
  return version.empty() ? 0 : static_cast<int>(version.integer(0, 0));
}

void migrate(Connection &db, int target) {
  db.run("SELECT pg_advisory_lock($1)", {param(migration_lock)});
  try {
    db.execute("CREATE TABLE IF NOT EXISTS pulsemon_schema (version integer NOT NULL)");
    const int found = schema_version(db);
    if (found > current_schema_version) {
      throw Failure(ErrorCode::unavailable,
                    "the PostgreSQL database has pulsemon schema version " + std::to_string(found) +
                        ", newer than this pulsemon understands (" +
                        std::to_string(current_schema_version) + "); upgrade pulsemon");
    }
    for (int version = found; version < target; ++version) {
      db.begin();
      try {
        db.execute(migrations[static_cast<std::size_t>(version)]);
        db.execute("DELETE FROM pulsemon_schema");
        db.run("INSERT INTO pulsemon_schema (version) VALUES ($1)",
               {param(std::int64_t{version + 1})});
        db.commit();
      } catch (...) {
        db.rollback();
        throw;
      }
    }
  } catch (...) {
    db.run("SELECT pg_advisory_unlock($1)", {param(migration_lock)});
    throw;
  }
  db.run("SELECT pg_advisory_unlock($1)", {param(migration_lock)});
}

} // namespace pulsemon::pg

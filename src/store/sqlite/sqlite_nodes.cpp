// Sensor nodes: device keys, exactly-once batches, node health.
#include "store/sqlite/sqlite_store.h"

#include "core/boot_anchor.h"
#include "core/quoted_input.h"

#include <algorithm>

namespace pulsemon {

std::int64_t SqliteStore::add_device_key(const std::string &name,
                                         const std::vector<std::int64_t> &meters, UtcTime now) {
  if (meters.empty()) {
    throw Failure(ErrorCode::invalid_argument, "meters: a key needs at least one meter");
  }
  sqlite::Transaction transaction(db_);
  for (const std::int64_t meter_id : meters) {
    if (!meter_exists(meter_id)) {
      throw Failure(ErrorCode::not_found,
                    "meters: meter " + std::to_string(meter_id) + " does not exist");
    }
  }
  sqlite::Statement insert(db_, "INSERT INTO device_keys (name, key_hash, created_us) "
                                "VALUES (?1, '', ?2)");
  insert.bind(1, name).bind(2, to_epoch_us(now)).run();
  sqlite::Statement last(db_, "SELECT last_insert_rowid()");
  last.step();
  const std::int64_t id = last.column_int(0);
  sqlite::Statement link(db_, "INSERT OR IGNORE INTO device_key_meters (key_id, meter_id) "
                              "VALUES (?1, ?2)");
  for (const std::int64_t meter_id : meters) {
    link.bind(1, id).bind(2, meter_id).run();
  }
  transaction.commit();
  return id;
}

void SqliteStore::set_device_key_hash(std::int64_t id, const std::string &key_hash) {
  sqlite::Statement update(db_, "UPDATE device_keys SET key_hash = ?2 WHERE id = ?1");
  update.bind(1, id).bind(2, key_hash).run();
}

namespace {
DeviceKey read_key(const sqlite::Statement &row) {
  DeviceKey key;
  key.id = row.column_int(0);
  key.name = row.column_text(1);
  key.key_hash = row.column_text(2);
  key.created = utc_from_epoch_us(row.column_int(3));
  if (!row.column_is_null(4)) {
    key.revoked = utc_from_epoch_us(row.column_int(4));
  }
  return key;
}
} // namespace

std::vector<DeviceKey> SqliteStore::device_keys() {
  sqlite::Statement select(
      db_, "SELECT id, name, key_hash, created_us, revoked_us FROM device_keys ORDER BY id");
  std::vector<DeviceKey> keys;
  while (select.step()) {
    keys.push_back(read_key(select));
  }
  sqlite::Statement meters(db_, "SELECT meter_id FROM device_key_meters WHERE key_id = ?1 "
                                "ORDER BY meter_id");
  for (DeviceKey &key : keys) {
    meters.bind(1, key.id);
    while (meters.step()) {
      key.meters.push_back(meters.column_int(0));
    }
  }
  return keys;
}

std::optional<DeviceKey> SqliteStore::find_device_key(std::int64_t id) {
  sqlite::Statement select(
      db_, "SELECT id, name, key_hash, created_us, revoked_us FROM device_keys WHERE id = ?1");
  select.bind(1, id);
  if (!select.step()) {
    return std::nullopt;
  }
  DeviceKey key = read_key(select);
  sqlite::Statement meters(db_, "SELECT meter_id FROM device_key_meters WHERE key_id = ?1 "
                                "ORDER BY meter_id");
  meters.bind(1, id);
  while (meters.step()) {
    key.meters.push_back(meters.column_int(0));
  }
  return key;
}

void SqliteStore::revoke_device_key(std::int64_t id, UtcTime now) {
  sqlite::Statement update(
      db_, "UPDATE device_keys SET revoked_us = ?2 WHERE id = ?1 AND revoked_us IS NULL");
  update.bind(1, id).bind(2, to_epoch_us(now)).run();
  if (db_.changes() == 0 && !find_device_key(id)) {
    throw Failure(ErrorCode::not_found, "device key " + std::to_string(id) + " does not exist");
  }
}

namespace {

// What the store remembers of a node between its batches.
struct NodeMemory {
  std::int64_t key_id = 0;
  std::int64_t boot = 0;
  std::optional<BootAnchor> anchor;
  std::int64_t overflows = 0;
};

std::optional<NodeMemory> remembered(sqlite::Database &db, const std::string &node) {
  sqlite::Statement select(db, "SELECT boot, boot_anchor_us, anchor_measured_us, "
                               "json_extract(health, '$.overflows'), key_id FROM nodes "
                               "WHERE name = ?1");
  select.bind(1, node);
  if (!select.step()) {
    return std::nullopt;
  }
  NodeMemory memory;
  memory.boot = select.column_int(0);
  if (!select.column_is_null(1) && !select.column_is_null(2)) {
    memory.anchor = BootAnchor{utc_from_epoch_us(select.column_int(1)),
                               utc_from_epoch_us(select.column_int(2))};
  }
  memory.overflows = select.column_is_null(3) ? 0 : select.column_int(3);
  memory.key_id = select.column_int(4);
  return memory;
}

} // namespace

IngestOutcome SqliteStore::ingest(const IngestBatch &batch) {
  IngestOutcome outcome;
  sqlite::Transaction transaction(db_);
  std::optional<NodeMemory> before = remembered(db_, batch.node);
  // A node's name belongs to the key that uploaded for it first, for as
  // long as that key is not revoked: another key can neither write under
  // it nor make the real node's batches look like duplicates. Once the key
  // is revoked, a new one takes the node over, and the batch numbers the
  // old key's uploads used are forgotten with it.
  if (before && before->key_id != batch.key_id) {
    const auto owner = find_device_key(before->key_id);
    if (owner && !owner->revoked) {
      throw Failure(ErrorCode::permission_denied,
                    "node: " + quoted_input(batch.node) +
                        " uploads with another device key; give each node a name of its own");
    }
    sqlite::Statement forget(db_, "DELETE FROM ingest_batches WHERE node = ?1");
    forget.bind(1, batch.node).run();
    before.reset();
  }
  const bool same_boot = before && before->boot == batch.boot;

  PulseBatch pulses = batch.pulses;
  std::optional<BootAnchor> anchor;
  if (batch.boot_clock_now) {
    anchor = next_boot_anchor(same_boot ? before->anchor : std::nullopt, batch.received,
                              *batch.boot_clock_now);
    // The parser anchored on this batch's own sample; move to the estimate.
    const Micros shift = anchor->boot - (batch.received - *batch.boot_clock_now);
    for (UtcTime &t : pulses.pulses) {
      t += shift;
    }
  }

  sqlite::Statement seen(db_, "SELECT 1 FROM ingest_batches WHERE node = ?1 AND boot = ?2 AND "
                              "seq = ?3");
  seen.bind(1, batch.node).bind(2, batch.boot).bind(3, batch.seq);
  outcome.duplicate_batch = seen.step();
  if (!outcome.duplicate_batch) {
    const BatchOutcome stored =
        commit_in_transaction(std::span<const PulseBatch>(&pulses, 1)).front();
    if (stored.error) {
      throw Failure(*stored.error); // the transaction rolls back: no partial write
    }
    outcome.stored = stored.stored;
    outcome.duplicates = stored.duplicates;
    outcome.pulses = pulses.pulses;
    sqlite::Statement record(db_, "INSERT INTO ingest_batches (node, boot, seq, received_us, "
                                  "pulses) VALUES (?1, ?2, ?3, ?4, ?5)");
    record.bind(1, batch.node)
        .bind(2, batch.boot)
        .bind(3, batch.seq)
        .bind(4, to_epoch_us(batch.received))
        .bind(5, static_cast<std::int64_t>(batch.pulses.pulses.size()))
        .run();
  }

  // Pulses the node had to drop since its last report are a gap in the
  // meter's record (a resent batch may carry a higher count too).
  const std::int64_t dropped_before = same_boot ? before->overflows : 0;
  if (batch.overflows && *batch.overflows > dropped_before) {
    const std::int64_t dropped = *batch.overflows - dropped_before;
    insert_gap(batch.pulses.meter_id,
               Gap{pulses.pulses.empty() ? batch.received : pulses.pulses.front(), dropped,
                   "node " + batch.node + " dropped " + std::to_string(dropped) +
                       " pulses: its buffer was full"});
  }

  sqlite::Statement node(
      db_, "INSERT INTO nodes (name, key_id, meter_id, last_heard_us, boot, last_seq, health, "
           "boot_anchor_us, anchor_measured_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
           "ON CONFLICT (name) DO UPDATE SET "
           "key_id = ?2, meter_id = ?3, last_heard_us = ?4, boot = ?5, "
           "last_seq = CASE WHEN nodes.boot = ?5 THEN max(nodes.last_seq, ?6) ELSE ?6 END, "
           "health = ?7, boot_anchor_us = ?8, anchor_measured_us = ?9");
  node.bind(1, batch.node)
      .bind(2, batch.key_id)
      .bind(3, batch.pulses.meter_id)
      .bind(4, to_epoch_us(batch.received))
      .bind(5, batch.boot)
      .bind(6, batch.seq)
      .bind(7, batch.health_json);
  if (anchor) {
    node.bind(8, to_epoch_us(anchor->boot)).bind(9, to_epoch_us(anchor->measured));
  } else {
    node.bind_null(8).bind_null(9);
  }
  node.run();
  // Which numbers of this boot are still missing (resend them).
  sqlite::Statement numbers(
      db_, "SELECT seq FROM ingest_batches WHERE node = ?1 AND boot = ?2 ORDER BY seq");
  numbers.bind(1, batch.node).bind(2, batch.boot);
  std::int64_t expected = 1;
  while (numbers.step() && outcome.missing.size() < 100) {
    const std::int64_t seq = numbers.column_int(0);
    for (; expected < seq && outcome.missing.size() < 100; ++expected) {
      outcome.missing.push_back(expected);
    }
    expected = std::max(expected, seq + 1);
  }
  transaction.commit();
  return outcome;
}

namespace {
std::vector<NodeStatus> read_nodes(sqlite::Statement &select) {
  std::vector<NodeStatus> result;
  while (select.step()) {
    result.push_back(NodeStatus{select.column_text(0), select.column_int(1), select.column_int(2),
                                utc_from_epoch_us(select.column_int(3)), select.column_int(4),
                                select.column_int(5), select.column_text(6)});
  }
  return result;
}
} // namespace

std::vector<NodeStatus> SqliteStore::nodes() {
  sqlite::Statement select(db_, "SELECT name, key_id, meter_id, last_heard_us, boot, last_seq, "
                                "health FROM nodes ORDER BY name");
  return read_nodes(select);
}

std::vector<NodeStatus> SqliteStore::nodes_of_meter(std::int64_t meter_id) {
  sqlite::Statement select(db_, "SELECT name, key_id, meter_id, last_heard_us, boot, last_seq, "
                                "health FROM nodes WHERE meter_id = ?1 ORDER BY name");
  select.bind(1, meter_id);
  return read_nodes(select);
}

} // namespace pulsemon

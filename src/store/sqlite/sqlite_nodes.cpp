// Sensor nodes: device keys, exactly-once batches, node health.
#include "store/sqlite/sqlite_store.h"
#include "store/store_rules.h"

#include "core/boot_anchor.h"
#include "core/quoted_input.h"

#include <algorithm>

namespace pulsemon {

std::int64_t SqliteStore::add_device_key(const std::string &name,
                                         const std::vector<std::int64_t> &meters, UtcTime now,
                                         const KeyHasher &hash_for) {
  if (meters.empty()) {
    throw Failure(ErrorCode::invalid_argument, "meters: a key needs at least one meter");
  }
  sqlite::Transaction transaction(db_);
  check_key_meters(*this, meters);
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
  sqlite::Statement hash(db_, "UPDATE device_keys SET key_hash = ?2 WHERE id = ?1");
  hash.bind(1, id).bind(2, hash_for(id)).run();
  transaction.commit();
  return id;
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

void SqliteStore::restore_device_key(const DeviceKey &key) {
  sqlite::Transaction transaction(db_);
  if (find_device_key(key.id)) {
    throw Failure(ErrorCode::already_exists,
                  "device key " + std::to_string(key.id) + " exists already");
  }
  check_key_meters(*this, key.meters);
  sqlite::Statement insert(db_, "INSERT INTO device_keys (id, name, key_hash, created_us, "
                                "revoked_us) VALUES (?1, ?2, ?3, ?4, ?5)");
  insert.bind(1, key.id).bind(2, key.name).bind(3, key.key_hash).bind(4, to_epoch_us(key.created));
  if (key.revoked) {
    insert.bind(5, to_epoch_us(*key.revoked));
  }
  insert.run();
  sqlite::Statement link(db_, "INSERT OR IGNORE INTO device_key_meters (key_id, meter_id) "
                              "VALUES (?1, ?2)");
  for (const std::int64_t meter_id : key.meters) {
    link.bind(1, key.id).bind(2, meter_id).run();
  }
  transaction.commit();
}

void SqliteStore::revoke_device_key(std::int64_t id, UtcTime now) {
  sqlite::Statement update(
      db_, "UPDATE device_keys SET revoked_us = ?2 WHERE id = ?1 AND revoked_us IS NULL");
  update.bind(1, id).bind(2, to_epoch_us(now)).run();
  if (db_.changes() == 0 && !find_device_key(id)) {
    throw Failure(ErrorCode::not_found, "device key " + std::to_string(id) + " does not exist");
  }
}

std::optional<NodeRecord> SqliteStore::node(const std::string &name) {
  sqlite::Statement select(db_, "SELECT name, key_id, meter_id, last_heard_us, boot, last_seq, "
                                "health, boot_anchor_us, anchor_measured_us, overflows, "
                                "filtered_too_close FROM nodes WHERE name = ?1");
  select.bind(1, name);
  if (!select.step()) {
    return std::nullopt;
  }
  NodeRecord record;
  record.status = NodeStatus{select.column_text(0), select.column_int(1),
                             select.column_int(2),  utc_from_epoch_us(select.column_int(3)),
                             select.column_int(4),  select.column_int(5),
                             select.column_text(6), select.column_int(10)};
  if (!select.column_is_null(7) && !select.column_is_null(8)) {
    record.anchor = BootAnchor{utc_from_epoch_us(select.column_int(7)),
                               utc_from_epoch_us(select.column_int(8))};
  }
  record.overflows = select.column_int(9);
  return record;
}

void SqliteStore::save_node(const NodeRecord &record) {
  const NodeStatus &status = record.status;
  sqlite::Statement upsert(
      db_, "INSERT INTO nodes (name, key_id, meter_id, last_heard_us, boot, last_seq, health, "
           "boot_anchor_us, anchor_measured_us, overflows, filtered_too_close) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
           "ON CONFLICT (name) DO UPDATE SET key_id = ?2, meter_id = ?3, last_heard_us = ?4, "
           "boot = ?5, last_seq = ?6, health = ?7, boot_anchor_us = ?8, anchor_measured_us = ?9, "
           "overflows = ?10, filtered_too_close = ?11");
  upsert.bind(1, status.name)
      .bind(2, status.key_id)
      .bind(3, status.meter_id)
      .bind(4, to_epoch_us(status.last_heard))
      .bind(5, status.boot)
      .bind(6, status.last_seq)
      .bind(7, status.health_json)
      .bind(10, record.overflows)
      .bind(11, status.filtered_too_close);
  if (record.anchor) {
    upsert.bind(8, to_epoch_us(record.anchor->boot)).bind(9, to_epoch_us(record.anchor->measured));
  } else {
    upsert.bind_null(8).bind_null(9);
  }
  upsert.run();
}

bool SqliteStore::batch_seen(const std::string &node, std::int64_t boot, std::int64_t seq) {
  sqlite::Statement seen(db_, "SELECT 1 FROM ingest_batches WHERE node = ?1 AND boot = ?2 AND "
                              "seq = ?3");
  seen.bind(1, node).bind(2, boot).bind(3, seq);
  return seen.step();
}

void SqliteStore::record_batch(const std::string &node, std::int64_t boot, std::int64_t seq,
                               UtcTime received, std::int64_t pulses) {
  sqlite::Statement record(db_, "INSERT INTO ingest_batches (node, boot, seq, received_us, "
                                "pulses) VALUES (?1, ?2, ?3, ?4, ?5)");
  record.bind(1, node).bind(2, boot).bind(3, seq).bind(4, to_epoch_us(received)).bind(5, pulses);
  record.run();
}

void SqliteStore::forget_batches(const std::string &node) {
  sqlite::Statement forget(db_, "DELETE FROM ingest_batches WHERE node = ?1");
  forget.bind(1, node).run();
}

void SqliteStore::visit_batch_numbers(const std::string &node, std::int64_t boot,
                                      std::int64_t first,
                                      const std::function<bool(std::int64_t)> &visit) {
  sqlite::Statement numbers(db_, "SELECT seq FROM ingest_batches WHERE node = ?1 AND boot = ?2 "
                                 "AND seq >= ?3 ORDER BY seq");
  numbers.bind(1, node).bind(2, boot).bind(3, first);
  while (numbers.step() && visit(numbers.column_int(0))) {
  }
}

void SqliteStore::atomically(const std::function<void()> &work) {
  sqlite::Transaction transaction(db_);
  work();
  transaction.commit();
}

namespace {
std::vector<NodeStatus> read_nodes(sqlite::Statement &select) {
  std::vector<NodeStatus> result;
  while (select.step()) {
    result.push_back(NodeStatus{select.column_text(0), select.column_int(1), select.column_int(2),
                                utc_from_epoch_us(select.column_int(3)), select.column_int(4),
                                select.column_int(5), select.column_text(6), select.column_int(7)});
  }
  return result;
}
} // namespace

std::vector<NodeStatus> SqliteStore::nodes() {
  sqlite::Statement select(db_, "SELECT name, key_id, meter_id, last_heard_us, boot, last_seq, "
                                "health, filtered_too_close FROM nodes ORDER BY name");
  return read_nodes(select);
}

std::vector<NodeStatus> SqliteStore::nodes_of_meter(std::int64_t meter_id) {
  sqlite::Statement select(
      db_, "SELECT name, key_id, meter_id, last_heard_us, boot, last_seq, "
           "health, filtered_too_close FROM nodes WHERE meter_id = ?1 ORDER BY name");
  select.bind(1, meter_id);
  return read_nodes(select);
}

} // namespace pulsemon

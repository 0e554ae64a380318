// Sensor nodes on PostgreSQL: device keys, exactly-once batches, health.
#include "store/postgres/pg_connection.h"
#include "store/postgres/postgres_store.h"
#include "store/store_rules.h"

namespace pulsemon {

using pg::param;

std::int64_t PostgresStore::add_device_key(const std::string &name,
                                           const std::vector<std::int64_t> &meters, UtcTime now,
                                           const KeyHasher &hash_for) {
  if (meters.empty()) {
    throw Failure(ErrorCode::invalid_argument, "meters: a key needs at least one meter");
  }
  return writing([&] {
    check_key_meters(*this, meters);
    const std::int64_t id = db_->run("SELECT nextval('device_keys_id_seq')").integer(0, 0);
    db_->run("INSERT INTO device_keys (id, name, key_hash, created_us) VALUES ($1, $2, $3, $4)",
             {param(id), param(name), param(hash_for(id)), param(to_epoch_us(now))});
    db_->run("INSERT INTO device_key_meters (key_id, meter_id) "
             "SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING",
             {param(id), pg::array(meters)});
    return id;
  });
}

void PostgresStore::restore_device_key(const DeviceKey &key) {
  writing([&] {
    if (find_device_key(key.id)) {
      throw Failure(ErrorCode::already_exists,
                    "device key " + std::to_string(key.id) + " exists already");
    }
    check_key_meters(*this, key.meters);
    db_->run("INSERT INTO device_keys (id, name, key_hash, created_us, revoked_us) "
             "VALUES ($1, $2, $3, $4, $5)",
             {param(key.id), param(key.name), param(key.key_hash), param(to_epoch_us(key.created)),
              key.revoked ? param(to_epoch_us(*key.revoked)) : pg::Param{}});
    db_->run("INSERT INTO device_key_meters (key_id, meter_id) "
             "SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING",
             {param(key.id), pg::array(key.meters)});
    // The next key made here gets an id after every restored one.
    db_->execute("SELECT setval('device_keys_id_seq', (SELECT max(id) FROM device_keys))");
  });
}

namespace {

constexpr const char *key_columns = "SELECT k.id, k.name, k.key_hash, k.created_us, k.revoked_us, "
                                    "coalesce((SELECT string_agg(meter_id::text, ',' ORDER BY "
                                    "meter_id) FROM device_key_meters WHERE key_id = k.id), '') "
                                    "FROM device_keys AS k ";

DeviceKey read_key(const pg::Rows &rows, int i) {
  DeviceKey key;
  key.id = rows.integer(i, 0);
  key.name = rows.text(i, 1);
  key.key_hash = rows.text(i, 2);
  key.created = utc_from_epoch_us(rows.integer(i, 3));
  if (!rows.is_null(i, 4)) {
    key.revoked = utc_from_epoch_us(rows.integer(i, 4));
  }
  const std::string meters = rows.text(i, 5);
  for (std::size_t at = 0; at < meters.size();) {
    const std::size_t comma = std::min(meters.find(',', at), meters.size());
    key.meters.push_back(std::stoll(meters.substr(at, comma - at)));
    at = comma + 1;
  }
  return key;
}

} // namespace

std::vector<DeviceKey> PostgresStore::device_keys() {
  return db_->run(std::string(key_columns) + "ORDER BY k.id").each(read_key);
}

std::optional<DeviceKey> PostgresStore::find_device_key(std::int64_t id) {
  const pg::Rows rows = db_->run(std::string(key_columns) + "WHERE k.id = $1", {param(id)});
  if (rows.empty()) {
    return std::nullopt;
  }
  return read_key(rows, 0);
}

void PostgresStore::revoke_device_key(std::int64_t id, UtcTime now) {
  writing([&] {
    const pg::Rows done =
        db_->run("UPDATE device_keys SET revoked_us = $2 WHERE id = $1 AND revoked_us IS NULL",
                 {param(id), param(to_epoch_us(now))});
    if (done.affected() == 0 && !find_device_key(id)) {
      throw Failure(ErrorCode::not_found, "device key " + std::to_string(id) + " does not exist");
    }
  });
}

std::optional<NodeRecord> PostgresStore::node(const std::string &name) {
  const pg::Rows rows = db_->run("SELECT name, key_id, meter_id, last_heard_us, boot, last_seq, "
                                 "health, boot_anchor_us, anchor_measured_us, overflows, "
                                 "filtered_too_close FROM nodes WHERE name = $1",
                                 {param(name)});
  if (rows.empty()) {
    return std::nullopt;
  }
  NodeRecord record;
  record.status = NodeStatus{rows.text(0, 0),    rows.integer(0, 1),
                             rows.integer(0, 2), utc_from_epoch_us(rows.integer(0, 3)),
                             rows.integer(0, 4), rows.integer(0, 5),
                             rows.text(0, 6),    rows.integer(0, 10)};
  if (!rows.is_null(0, 7) && !rows.is_null(0, 8)) {
    record.anchor =
        BootAnchor{utc_from_epoch_us(rows.integer(0, 7)), utc_from_epoch_us(rows.integer(0, 8))};
  }
  record.overflows = rows.integer(0, 9);
  return record;
}

void PostgresStore::save_node(const NodeRecord &record) {
  const NodeStatus &status = record.status;
  writing([&] {
    db_->run("INSERT INTO nodes (name, key_id, meter_id, last_heard_us, boot, last_seq, health, "
             "boot_anchor_us, anchor_measured_us, overflows, filtered_too_close) "
             "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
             "ON CONFLICT (name) DO UPDATE SET key_id = $2, meter_id = $3, last_heard_us = $4, "
             "boot = $5, last_seq = $6, health = $7, boot_anchor_us = $8, anchor_measured_us = $9, "
             "overflows = $10, filtered_too_close = $11",
             {param(status.name), param(status.key_id), param(status.meter_id),
              param(to_epoch_us(status.last_heard)), param(status.boot), param(status.last_seq),
              param(status.health_json),
              record.anchor ? param(to_epoch_us(record.anchor->boot)) : pg::Param{},
              record.anchor ? param(to_epoch_us(record.anchor->measured)) : pg::Param{},
              param(record.overflows), param(status.filtered_too_close)});
  });
}

bool PostgresStore::batch_seen(const std::string &node, std::int64_t boot, std::int64_t seq) {
  return !db_->run("SELECT 1 FROM ingest_batches WHERE node = $1 AND boot = $2 AND seq = $3",
                   {param(node), param(boot), param(seq)})
              .empty();
}

void PostgresStore::record_batch(const std::string &node, std::int64_t boot, std::int64_t seq,
                                 UtcTime received, std::int64_t pulses) {
  writing([&] {
    db_->run("INSERT INTO ingest_batches (node, boot, seq, received_us, pulses) "
             "VALUES ($1, $2, $3, $4, $5)",
             {param(node), param(boot), param(seq), param(to_epoch_us(received)), param(pulses)});
  });
}

void PostgresStore::forget_batches(const std::string &node) {
  writing([&] { db_->run("DELETE FROM ingest_batches WHERE node = $1", {param(node)}); });
}

void PostgresStore::visit_batch_numbers(const std::string &node, std::int64_t boot,
                                        std::int64_t first,
                                        const std::function<bool(std::int64_t)> &visit) {
  // In pages, so that a visit that stops early reads little.
  constexpr std::int64_t page_size = 1000;
  for (std::int64_t next = first;;) {
    const pg::Rows rows =
        db_->run("SELECT seq FROM ingest_batches WHERE node = $1 AND boot = $2 AND seq >= $3 "
                 "ORDER BY seq LIMIT $4",
                 {param(node), param(boot), param(next), param(page_size)});
    for (int i = 0; i < rows.size(); ++i) {
      if (!visit(rows.integer(i, 0))) {
        return;
      }
    }
    if (rows.size() < page_size) {
      return;
    }
    next = rows.integer(rows.size() - 1, 0) + 1;
  }
}

namespace {
std::vector<NodeStatus> read_nodes(const pg::Rows &rows) {
  return rows.each([](const pg::Rows &row, int i) {
    return NodeStatus{row.text(i, 0),    row.integer(i, 1),
                      row.integer(i, 2), utc_from_epoch_us(row.integer(i, 3)),
                      row.integer(i, 4), row.integer(i, 5),
                      row.text(i, 6),    row.integer(i, 7)};
  });
}
constexpr const char *node_columns = "SELECT name, key_id, meter_id, last_heard_us, boot, "
                                     "last_seq, health, filtered_too_close FROM nodes ";
} // namespace

std::vector<NodeStatus> PostgresStore::nodes() {
  return read_nodes(db_->run(std::string(node_columns) + "ORDER BY name COLLATE \"C\""));
}

std::vector<NodeStatus> PostgresStore::nodes_of_meter(std::int64_t meter_id) {
  return read_nodes(db_->run(std::string(node_columns) + "WHERE meter_id = $1 ORDER BY name "
                                                         "COLLATE \"C\"",
                             {param(meter_id)}));
}

} // namespace pulsemon

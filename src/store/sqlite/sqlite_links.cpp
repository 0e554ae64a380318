// Share and display links, and friends' links: rows read and written
// whole, the rules in store_rules.h.
#include "store/sqlite/sqlite_store.h"
#include "store/store_rules.h"

namespace pulsemon {

namespace {

constexpr const char *link_columns =
    "SELECT id, site_id, kind, label, meters, granularity, window_days, people, floor_area_m2, "
    "heating, show_names, expires_us, created_by, created_us, revoked_us, last_used_us, uses, "
    "token_hash FROM links ";

std::optional<UtcTime> optional_time(const sqlite::Statement &row, int column) {
  if (row.column_is_null(column)) {
    return std::nullopt;
  }
  return utc_from_epoch_us(row.column_int(column));
}

sqlite::Statement &bind_optional_time(sqlite::Statement &statement, int index,
                                      const std::optional<UtcTime> &time) {
  return time ? statement.bind(index, to_epoch_us(*time)) : statement.bind_null(index);
}

Link read_link(const sqlite::Statement &row) {
  Link link;
  link.id = row.column_int(0);
  link.site_id = row.column_int(1);
  link.kind = value_or_throw(parse_link_kind(row.column_text(2)));
  link.label = row.column_text(3);
  link.meters = id_list(row.column_text(4));
  link.granularity = value_or_throw(parse_share_granularity(row.column_text(5)));
  link.window_days = static_cast<int>(row.column_int(6));
  if (!row.column_is_null(7)) {
    link.normalisers.people = static_cast<int>(row.column_int(7));
  }
  if (!row.column_is_null(8)) {
    link.normalisers.floor_area_m2 = row.column_double(8);
  }
  link.normalisers.heating = row.column_text(9);
  link.show_names = row.column_int(10) != 0;
  link.expires = optional_time(row, 11);
  link.created_by = row.column_text(12);
  link.created = utc_from_epoch_us(row.column_int(13));
  link.revoked = optional_time(row, 14);
  link.last_used = optional_time(row, 15);
  link.uses = row.column_int(16);
  link.token_hash = row.column_text(17);
  return link;
}

constexpr const char *friend_columns =
    "SELECT id, site_id, label, url, added_by, added_us, state, reason, since_us, checked_us, "
    "fetched_us, etag, figures FROM friends ";

FriendLink read_friend(const sqlite::Statement &row) {
  FriendLink link;
  link.id = row.column_int(0);
  link.site_id = row.column_int(1);
  link.label = row.column_text(2);
  link.url = row.column_text(3);
  link.added_by = row.column_text(4);
  link.added = utc_from_epoch_us(row.column_int(5));
  link.state = value_or_throw(parse_friend_state(row.column_text(6)));
  link.reason = row.column_text(7);
  link.since = optional_time(row, 8);
  link.checked = optional_time(row, 9);
  link.fetched = optional_time(row, 10);
  link.etag = row.column_text(11);
  link.figures = row.column_text(12);
  return link;
}

// Every column of the link but its id; returns the new id.
std::int64_t insert_link(sqlite::Database &db, const Link &link) {
  sqlite::Statement insert(db, R"sql(
    INSERT INTO links (site_id, kind, label, meters, granularity, window_days, people,
                       floor_area_m2, heating, show_names, expires_us, created_by, created_us,
                       token_hash, revoked_us, last_used_us, uses)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
    RETURNING id)sql");
  insert.bind(1, link.site_id)
      .bind(2, to_string(link.kind))
      .bind(3, link.label)
      .bind(4, id_list_text(link.meters))
      .bind(5, to_string(link.granularity))
      .bind(6, std::int64_t{link.window_days});
  if (link.normalisers.people) {
    insert.bind(7, std::int64_t{*link.normalisers.people});
  } else {
    insert.bind_null(7);
  }
  if (link.normalisers.floor_area_m2) {
    insert.bind(8, *link.normalisers.floor_area_m2);
  } else {
    insert.bind_null(8);
  }
  insert.bind(9, link.normalisers.heating).bind(10, std::int64_t{link.show_names ? 1 : 0});
  bind_optional_time(insert, 11, link.expires)
      .bind(12, link.created_by)
      .bind(13, to_epoch_us(link.created))
      .bind(14, link.token_hash);
  bind_optional_time(insert, 15, link.revoked);
  bind_optional_time(insert, 16, link.last_used).bind(17, link.uses);
  insert.step();
  const std::int64_t id = insert.column_int(0);
  insert.reset();
  return id;
}

} // namespace

std::int64_t SqliteStore::add_link(const Link &link, UtcTime now) {
  sqlite::Transaction transaction(db_);
  check_site(link.site_id);
  check_new_link(*this, link, now);
  Link fresh = link;
  fresh.revoked.reset();
  fresh.last_used.reset();
  fresh.uses = 0;
  const std::int64_t id = insert_link(db_, fresh);
  transaction.commit();
  return id;
}

void SqliteStore::restore_link(const Link &link) {
  sqlite::Transaction transaction(db_);
  check_site(link.site_id);
  if (find_link(link.token_hash)) {
    throw Failure(ErrorCode::already_exists, "token: taken by another link");
  }
  (void)insert_link(db_, link);
  transaction.commit();
}

std::vector<Link> SqliteStore::links(std::int64_t site_id) {
  sqlite::Statement select(db_, std::string(link_columns) + "WHERE site_id = ?1 ORDER BY id");
  select.bind(1, site_id);
  std::vector<Link> found;
  while (select.step()) {
    found.push_back(read_link(select));
  }
  return found;
}

std::optional<Link> SqliteStore::find_link(const std::string &token_hash) {
  sqlite::Statement select(db_, std::string(link_columns) + "WHERE token_hash = ?1");
  select.bind(1, token_hash);
  if (!select.step()) {
    return std::nullopt;
  }
  return read_link(select);
}

std::optional<Link> SqliteStore::find_open_link(const std::string &token_hash, LinkKind kind,
                                                UtcTime now) {
  sqlite::Statement select(db_, std::string(link_columns) +
                                    "WHERE token_hash = ?1 AND kind = ?2 AND revoked_us IS NULL "
                                    "AND (expires_us IS NULL OR expires_us > ?3)");
  select.bind(1, token_hash).bind(2, to_string(kind)).bind(3, to_epoch_us(now));
  if (!select.step()) {
    return std::nullopt;
  }
  return read_link(select);
}

void SqliteStore::revoke_link(std::int64_t site_id, std::int64_t id, UtcTime now) {
  sqlite::Transaction transaction(db_);
  sqlite::Statement found(db_, "SELECT 1 FROM links WHERE id = ?1 AND site_id = ?2");
  found.bind(1, id).bind(2, site_id);
  if (!found.step()) {
    throw Failure(ErrorCode::not_found, "link " + std::to_string(id) + " does not exist");
  }
  found.reset();
  sqlite::Statement update(db_, "UPDATE links SET revoked_us = ?2 "
                                "WHERE id = ?1 AND revoked_us IS NULL");
  update.bind(1, id).bind(2, to_epoch_us(now)).run();
  transaction.commit();
}

void SqliteStore::record_link_use(std::int64_t id, UtcTime now) {
  sqlite::Statement update(db_, "UPDATE links SET last_used_us = ?2, uses = uses + 1 "
                                "WHERE id = ?1");
  update.bind(1, id).bind(2, to_epoch_us(now)).run();
}

std::int64_t SqliteStore::add_friend(const FriendLink &link) {
  sqlite::Transaction transaction(db_);
  check_site(link.site_id);
  check_new_friend(*this, link);
  sqlite::Statement insert(db_, "INSERT INTO friends (site_id, label, url, added_by, added_us) "
                                "VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id");
  insert.bind(1, link.site_id)
      .bind(2, link.label)
      .bind(3, link.url)
      .bind(4, link.added_by)
      .bind(5, to_epoch_us(link.added));
  insert.step();
  const std::int64_t id = insert.column_int(0);
  insert.reset();
  transaction.commit();
  return id;
}

std::vector<FriendLink> SqliteStore::friends(std::optional<std::int64_t> site_id) {
  sqlite::Statement select(db_, std::string(friend_columns) +
                                    (site_id ? "WHERE site_id = ?1 ORDER BY id" : "ORDER BY id"));
  if (site_id) {
    select.bind(1, *site_id);
  }
  std::vector<FriendLink> found;
  while (select.step()) {
    found.push_back(read_friend(select));
  }
  return found;
}

void SqliteStore::save_friend_fetch(const FriendLink &link) {
  sqlite::Statement update(db_, R"sql(
    UPDATE friends SET state = ?2, reason = ?3, since_us = ?4, checked_us = ?5, fetched_us = ?6,
                       etag = ?7, figures = ?8
    WHERE id = ?1)sql");
  update.bind(1, link.id).bind(2, to_string(link.state)).bind(3, link.reason);
  bind_optional_time(update, 4, link.since);
  bind_optional_time(update, 5, link.checked);
  bind_optional_time(update, 6, link.fetched);
  update.bind(7, link.etag).bind(8, link.figures).run();
}

void SqliteStore::delete_friend(std::int64_t site_id, std::int64_t id) {
  sqlite::Statement remove(db_, "DELETE FROM friends WHERE id = ?1 AND site_id = ?2");
  remove.bind(1, id).bind(2, site_id).run();
  if (db_.changes() == 0) {
    throw Failure(ErrorCode::not_found, "friend " + std::to_string(id) + " does not exist");
  }
}

} // namespace pulsemon

// Share and display links, and friends' links, on PostgreSQL: rows read
// and written whole, the rules in store_rules.h.
#include "store/postgres/pg_connection.h"
#include "store/postgres/postgres_store.h"
#include "store/store_rules.h"

namespace pulsemon {

using pg::param;

namespace {

constexpr const char *link_columns =
    "SELECT id, site_id, kind, label, meters, granularity, window_days, people, floor_area_m2, "
    "heating, show_names, expires_us, created_by, created_us, revoked_us, last_used_us, uses, "
    "token_hash FROM links ";

std::optional<UtcTime> optional_time(const pg::Rows &rows, int i, int column) {
  if (rows.is_null(i, column)) {
    return std::nullopt;
  }
  return utc_from_epoch_us(rows.integer(i, column));
}

pg::Param optional_param(const std::optional<UtcTime> &time) {
  return time ? param(to_epoch_us(*time)) : pg::Param{};
}

Link read_link(const pg::Rows &rows, int i) {
  Link link;
  link.id = rows.integer(i, 0);
  link.site_id = rows.integer(i, 1);
  link.kind = value_or_throw(parse_link_kind(rows.text(i, 2)));
  link.label = rows.text(i, 3);
  link.meters = id_list(rows.text(i, 4));
  link.granularity = value_or_throw(parse_share_granularity(rows.text(i, 5)));
  link.window_days = static_cast<int>(rows.integer(i, 6));
  if (!rows.is_null(i, 7)) {
    link.normalisers.people = static_cast<int>(rows.integer(i, 7));
  }
  if (!rows.is_null(i, 8)) {
    link.normalisers.floor_area_m2 = rows.number(i, 8);
  }
  link.normalisers.heating = rows.text(i, 9);
  link.show_names = rows.boolean(i, 10);
  link.expires = optional_time(rows, i, 11);
  link.created_by = rows.text(i, 12);
  link.created = utc_from_epoch_us(rows.integer(i, 13));
  link.revoked = optional_time(rows, i, 14);
  link.last_used = optional_time(rows, i, 15);
  link.uses = rows.integer(i, 16);
  link.token_hash = rows.text(i, 17);
  return link;
}

constexpr const char *friend_columns =
    "SELECT id, site_id, label, url, added_by, added_us, state, reason, since_us, checked_us, "
    "fetched_us, etag, figures FROM friends ";

FriendLink read_friend(const pg::Rows &rows, int i) {
  FriendLink link;
  link.id = rows.integer(i, 0);
  link.site_id = rows.integer(i, 1);
  link.label = rows.text(i, 2);
  link.url = rows.text(i, 3);
  link.added_by = rows.text(i, 4);
  link.added = utc_from_epoch_us(rows.integer(i, 5));
  link.state = value_or_throw(parse_friend_state(rows.text(i, 6)));
  link.reason = rows.text(i, 7);
  link.since = optional_time(rows, i, 8);
  link.checked = optional_time(rows, i, 9);
  link.fetched = optional_time(rows, i, 10);
  link.etag = rows.text(i, 11);
  link.figures = rows.text(i, 12);
  return link;
}

} // namespace

// Every column of the link but its id; returns the new id.
std::int64_t PostgresStore::insert_link(const Link &link) {
  const auto &people = link.normalisers.people;
  const auto &area = link.normalisers.floor_area_m2;
  return db_
      ->run(R"sql(
    INSERT INTO links (site_id, kind, label, meters, granularity, window_days, people,
                       floor_area_m2, heating, show_names, expires_us, created_by, created_us,
                       token_hash, revoked_us, last_used_us, uses)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
    RETURNING id)sql",
            {param(link.site_id), param(to_string(link.kind)), param(link.label),
             param(id_list_text(link.meters)), param(to_string(link.granularity)),
             param(std::int64_t{link.window_days}),
             people ? param(std::int64_t{*people}) : pg::Param{}, area ? param(*area) : pg::Param{},
             param(link.normalisers.heating), param(link.show_names), optional_param(link.expires),
             param(link.created_by), param(to_epoch_us(link.created)), param(link.token_hash),
             optional_param(link.revoked), optional_param(link.last_used), param(link.uses)})
      .integer(0, 0);
}

std::int64_t PostgresStore::add_link(const Link &link, UtcTime now) {
  return writing([&] {
    check_site(link.site_id);
    check_new_link(*this, link, now);
    Link fresh = link;
    fresh.revoked.reset();
    fresh.last_used.reset();
    fresh.uses = 0;
    return insert_link(fresh);
  });
}

void PostgresStore::restore_link(const Link &link) {
  writing([&] {
    check_site(link.site_id);
    if (find_link(link.token_hash)) {
      throw Failure(ErrorCode::already_exists, "token: taken by another link");
    }
    (void)insert_link(link);
  });
}

std::vector<Link> PostgresStore::links(std::int64_t site_id) {
  return db_->run(std::string(link_columns) + "WHERE site_id = $1 ORDER BY id", {param(site_id)})
      .each(read_link);
}

std::optional<Link> PostgresStore::find_link(const std::string &token_hash) {
  const pg::Rows rows =
      db_->run(std::string(link_columns) + "WHERE token_hash = $1", {param(token_hash)});
  if (rows.empty()) {
    return std::nullopt;
  }
  return read_link(rows, 0);
}

std::optional<Link> PostgresStore::find_open_link(const std::string &token_hash, LinkKind kind,
                                                  UtcTime now) {
  const pg::Rows rows = db_->run(
      std::string(link_columns) + "WHERE token_hash = $1 AND kind = $2 AND revoked_us IS NULL "
                                  "AND (expires_us IS NULL OR expires_us > $3)",
      {param(token_hash), param(to_string(kind)), param(to_epoch_us(now))});
  if (rows.empty()) {
    return std::nullopt;
  }
  return read_link(rows, 0);
}

void PostgresStore::revoke_link(std::int64_t site_id, std::int64_t id, UtcTime now) {
  writing([&] {
    if (db_->run("SELECT 1 FROM links WHERE id = $1 AND site_id = $2 FOR UPDATE",
                 {param(id), param(site_id)})
            .empty()) {
      throw Failure(ErrorCode::not_found, "link " + std::to_string(id) + " does not exist");
    }
    db_->run("UPDATE links SET revoked_us = $2 WHERE id = $1 AND revoked_us IS NULL",
             {param(id), param(to_epoch_us(now))});
  });
}

void PostgresStore::record_link_use(std::int64_t id, UtcTime now) {
  writing([&] {
    db_->run("UPDATE links SET last_used_us = $2, uses = uses + 1 WHERE id = $1",
             {param(id), param(to_epoch_us(now))});
  });
}

std::int64_t PostgresStore::add_friend(const FriendLink &link) {
  return writing([&] {
    check_site(link.site_id);
    check_new_friend(*this, link);
    return db_
        ->run("INSERT INTO friends (site_id, label, url, added_by, added_us) "
              "VALUES ($1, $2, $3, $4, $5) RETURNING id",
              {param(link.site_id), param(link.label), param(link.url), param(link.added_by),
               param(to_epoch_us(link.added))})
        .integer(0, 0);
  });
}

std::vector<FriendLink> PostgresStore::friends(std::optional<std::int64_t> site_id) {
  if (site_id) {
    return db_
        ->run(std::string(friend_columns) + "WHERE site_id = $1 ORDER BY id", {param(*site_id)})
        .each(read_friend);
  }
  return db_->run(std::string(friend_columns) + "ORDER BY id").each(read_friend);
}

void PostgresStore::save_friend_fetch(const FriendLink &link) {
  writing([&] {
    db_->run(R"sql(
      UPDATE friends SET state = $2, reason = $3, since_us = $4, checked_us = $5,
                         fetched_us = $6, etag = $7, figures = $8
      WHERE id = $1)sql",
             {param(link.id), param(to_string(link.state)), param(link.reason),
              optional_param(link.since), optional_param(link.checked),
              optional_param(link.fetched), param(link.etag), param(link.figures)});
  });
}

void PostgresStore::delete_friend(std::int64_t site_id, std::int64_t id) {
  writing([&] {
    if (db_->run("DELETE FROM friends WHERE id = $1 AND site_id = $2", {param(id), param(site_id)})
            .affected() == 0) {
      throw Failure(ErrorCode::not_found, "friend " + std::to_string(id) + " does not exist");
    }
  });
}

} // namespace pulsemon

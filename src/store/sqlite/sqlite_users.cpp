// Users, their sites and roles, the sites and their grants. Every write
// that reads a rule first (a name not taken, a site's last owner kept)
// runs in one write transaction, which holds SQLite's write lock.
#include "core/quoted_input.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store_rules.h"

#include <algorithm>
#include <map>

namespace pulsemon {

namespace {

constexpr const char *user_columns = "SELECT id, name, password_hash, token_generation, "
                                     "must_change_password, created_us, is_operator FROM users ";

User read_user(const sqlite::Statement &row) {
  User user;
  user.id = row.column_int(0);
  user.name = row.column_text(1);
  user.password_hash = row.column_text(2);
  user.token_generation = row.column_int(3);
  user.must_change_password = row.column_int(4) != 0;
  user.created = utc_from_epoch_us(row.column_int(5));
  user.is_operator = row.column_int(6) != 0;
  return user;
}

// Each user's sites, from one query over the memberships of `users`.
void read_memberships(sqlite::Database &db, std::vector<User> &users) {
  std::map<std::int64_t, User *> by_id;
  for (User &user : users) {
    by_id[user.id] = &user;
  }
  const bool one = users.size() == 1;
  sqlite::Statement select(db, one ? "SELECT user_id, site_id, role FROM site_members "
                                     "WHERE user_id = ?1 ORDER BY site_id"
                                   : "SELECT user_id, site_id, role FROM site_members "
                                     "ORDER BY user_id, site_id");
  if (one) {
    select.bind(1, users.front().id);
  }
  while (select.step()) {
    const auto user = by_id.find(select.column_int(0));
    if (user != by_id.end()) {
      user->second->sites.push_back(
          SiteMembership{select.column_int(1), value_or_throw(parse_role(select.column_text(2)))});
    }
  }
  for (User &user : users) {
    user.role = highest_role(user.sites);
  }
}

Failure no_user(std::string_view name) {
  return Failure(ErrorCode::not_found, "user " + quoted_input(name) + " does not exist");
}

} // namespace

void SqliteStore::check_site(std::int64_t site_id) {
  sqlite::Statement select(db_, "SELECT 1 FROM sites WHERE id = ?1");
  select.bind(1, site_id);
  if (!select.step()) {
    throw Failure(ErrorCode::not_found,
                  "site: site " + std::to_string(site_id) + " does not exist");
  }
}

void SqliteStore::add_user(const User &user, UtcTime now) {
  if (user.name.empty()) {
    throw Failure(ErrorCode::invalid_argument, "name: must not be empty");
  }
  sqlite::Transaction transaction(db_);
  if (find_user(user.name)) {
    throw Failure(ErrorCode::already_exists,
                  "name: user " + quoted_input(user.name) + " already exists");
  }
  const std::vector<SiteMembership> sites = memberships_to_store(user);
  for (const SiteMembership &membership : sites) {
    check_site(membership.site_id);
  }
  sqlite::Statement insert(db_, "INSERT INTO users (name, role, password_hash, created_us, "
                                "must_change_password, token_generation, is_operator) VALUES (?1, "
                                "?2, ?3, ?4, ?5, ?6, ?7)");
  insert.bind(1, user.name)
      .bind(2, to_string(highest_role(sites)))
      .bind(3, user.password_hash)
      .bind(4, to_epoch_us(now))
      .bind(5, std::int64_t{user.must_change_password ? 1 : 0})
      .bind(6, next_token_generation())
      .bind(7, std::int64_t{user.is_operator ? 1 : 0})
      .run();
  write_sites(user.name, sites);
  transaction.commit();
}

// Every generation a user gets (created, new password, new role) is new to
// the whole table, so a token names one account's one state, forever.
std::int64_t SqliteStore::next_token_generation() {
  sqlite::Statement next(db_, "UPDATE counters SET value = value + 1 "
                              "WHERE name = 'token_generation' RETURNING value - 1");
  if (!next.step()) {
    throw Failure(ErrorCode::internal, "the token generation counter is missing");
  }
  return next.column_int(0);
}

std::optional<User> SqliteStore::find_user(std::string_view name) {
  sqlite::Statement select(db_, std::string(user_columns) + "WHERE name = ?1");
  select.bind(1, name);
  if (!select.step()) {
    return std::nullopt;
  }
  std::vector<User> found{read_user(select)};
  read_memberships(db_, found);
  return std::move(found.front());
}

std::vector<User> SqliteStore::users() {
  sqlite::Statement select(db_, std::string(user_columns) + "ORDER BY name");
  std::vector<User> result;
  while (select.step()) {
    result.push_back(read_user(select));
  }
  if (!result.empty()) {
    read_memberships(db_, result);
  }
  return result;
}

void SqliteStore::set_password(std::string_view name, const std::string &password_hash) {
  sqlite::Statement update(
      db_, "UPDATE users SET password_hash = ?2, token_generation = token_generation + 1, "
           "must_change_password = 0 WHERE name = ?1");
  update.bind(1, name).bind(2, password_hash).run();
  if (db_.changes() == 0) {
    throw no_user(name);
  }
}

void SqliteStore::write_sites(std::string_view name, const std::vector<SiteMembership> &after) {
  if (auto error = last_owner_error(users(), sites(), name, after)) {
    throw Failure(*error);
  }
  sqlite::Statement clear(db_, "DELETE FROM site_members WHERE user_id = "
                               "(SELECT id FROM users WHERE name = ?1)");
  clear.bind(1, name).run();
  sqlite::Statement insert(db_, "INSERT INTO site_members (user_id, site_id, role) "
                                "SELECT id, ?2, ?3 FROM users WHERE name = ?1");
  for (const SiteMembership &membership : after) {
    insert.bind(1, name).bind(2, membership.site_id).bind(3, to_string(membership.role)).run();
  }
  sqlite::Statement highest(db_, "UPDATE users SET role = ?2 WHERE name = ?1");
  highest.bind(1, name).bind(2, to_string(highest_role(after))).run();
}

void SqliteStore::set_role(std::string_view name, Role role) {
  sqlite::Transaction transaction(db_);
  const auto user = find_user(name);
  if (!user) {
    throw no_user(name);
  }
  std::vector<SiteMembership> after = user->sites;
  for (SiteMembership &membership : after) {
    membership.role = role;
  }
  write_sites(name, after);
  sqlite::Statement update(db_, "UPDATE users SET token_generation = ?2 WHERE name = ?1");
  update.bind(1, name).bind(2, next_token_generation()).run();
  transaction.commit();
}

void SqliteStore::set_membership(std::string_view name, std::int64_t site_id,
                                 std::optional<Role> role) {
  sqlite::Transaction transaction(db_);
  const auto user = find_user(name);
  if (!user) {
    throw no_user(name);
  }
  check_site(site_id);
  write_sites(name, with_membership(user->sites, site_id, role));
  if (const auto before = role_in(user->sites, site_id); before && before != role) {
    sqlite::Statement update(db_, "UPDATE users SET token_generation = ?2 WHERE name = ?1");
    update.bind(1, name).bind(2, next_token_generation()).run();
  }
  transaction.commit();
}

void SqliteStore::set_operator(std::string_view name, bool is_operator) {
  sqlite::Statement update(db_, "UPDATE users SET is_operator = ?2 WHERE name = ?1");
  update.bind(1, name).bind(2, std::int64_t{is_operator ? 1 : 0}).run();
  if (db_.changes() == 0) {
    throw no_user(name);
  }
}

void SqliteStore::delete_user(std::string_view name) {
  sqlite::Transaction transaction(db_);
  if (!find_user(name)) {
    throw no_user(name);
  }
  if (auto error = last_owner_error(users(), sites(), name, std::nullopt)) {
    throw Failure(*error);
  }
  sqlite::Statement memberships(db_, "DELETE FROM site_members WHERE user_id = "
                                     "(SELECT id FROM users WHERE name = ?1)");
  memberships.bind(1, name).run();
  sqlite::Statement remove(db_, "DELETE FROM users WHERE name = ?1");
  remove.bind(1, name).run();
  transaction.commit();
}

Site SqliteStore::add_site(const std::string &name, UtcTime now) {
  if (auto error = site_name_error(name)) {
    throw Failure(*error);
  }
  sqlite::Transaction transaction(db_);
  sqlite::Statement taken(db_, "SELECT 1 FROM sites WHERE name = ?1");
  taken.bind(1, name);
  if (taken.step()) {
    throw Failure(ErrorCode::already_exists,
                  "name: site " + quoted_input(name) + " already exists");
  }
  sqlite::Statement insert(db_, "INSERT INTO sites (name, created_us) VALUES (?1, ?2) "
                                "RETURNING id");
  insert.bind(1, name).bind(2, to_epoch_us(now));
  insert.step();
  Site site{insert.column_int(0), name, now, false};
  insert.reset();
  transaction.commit();
  return site;
}

void SqliteStore::restore_site(const Site &site) {
  if (auto error = site_name_error(site.name)) {
    throw Failure(*error);
  }
  sqlite::Transaction transaction(db_);
  sqlite::Statement taken(db_, "SELECT 1 FROM sites WHERE id = ?1 OR name = ?2");
  taken.bind(1, site.id).bind(2, site.name);
  if (taken.step()) {
    throw Failure(ErrorCode::already_exists, "site " + std::to_string(site.id) + " " +
                                                 quoted_input(site.name) + " exists already");
  }
  sqlite::Statement insert(db_, "INSERT INTO sites (id, name, created_us) VALUES (?1, ?2, ?3)");
  insert.bind(1, site.id).bind(2, site.name).bind(3, to_epoch_us(site.created)).run();
  transaction.commit();
}

std::vector<Site> SqliteStore::sites() {
  sqlite::Statement select(db_, R"sql(
    SELECT id, name, created_us,
           EXISTS (SELECT 1 FROM profile_grants g WHERE g.site_id = sites.id
                                                    AND g.revoked_us IS NULL)
    FROM sites ORDER BY id)sql");
  std::vector<Site> result;
  while (select.step()) {
    result.push_back(Site{select.column_int(0), select.column_text(1),
                          utc_from_epoch_us(select.column_int(2)), select.column_int(3) != 0});
  }
  return result;
}

void SqliteStore::delete_site(std::int64_t id) {
  sqlite::Transaction transaction(db_);
  check_site(id);
  sqlite::Statement owned(db_, "SELECT id FROM meters WHERE site_id = ?1 ORDER BY id LIMIT 1");
  owned.bind(1, id);
  if (owned.step()) {
    throw Failure(ErrorCode::invalid_argument, "site " + std::to_string(id) + " owns meter " +
                                                   std::to_string(owned.column_int(0)) +
                                                   "; delete or move its meters first");
  }
  for (const char *statement :
       {"DELETE FROM site_members WHERE site_id = ?1",
        "DELETE FROM profile_grants WHERE site_id = ?1", "DELETE FROM links WHERE site_id = ?1",
        "DELETE FROM friends WHERE site_id = ?1", "DELETE FROM sites WHERE id = ?1"}) {
    sqlite::Statement remove(db_, statement);
    remove.bind(1, id).run();
  }
  // The highest role left ('admin' < 'user' < 'viewer' as text, too).
  db_.execute("UPDATE users SET role = coalesce((SELECT min(role) FROM site_members "
              "WHERE user_id = users.id), 'viewer')");
  transaction.commit();
}

void SqliteStore::grant_profiles(std::int64_t site_id, const std::string &by, UtcTime now) {
  sqlite::Transaction transaction(db_);
  check_site(site_id);
  sqlite::Statement insert(db_, R"sql(
    INSERT INTO profile_grants (site_id, granted_by, granted_us)
    SELECT ?1, ?2, ?3 WHERE NOT EXISTS (SELECT 1 FROM profile_grants
                                        WHERE site_id = ?1 AND revoked_us IS NULL))sql");
  insert.bind(1, site_id).bind(2, by).bind(3, to_epoch_us(now)).run();
  transaction.commit();
}

void SqliteStore::revoke_profiles(std::int64_t site_id, const std::string &by, UtcTime now) {
  sqlite::Transaction transaction(db_);
  check_site(site_id);
  sqlite::Statement update(db_, "UPDATE profile_grants SET revoked_by = ?2, revoked_us = ?3 "
                                "WHERE site_id = ?1 AND revoked_us IS NULL");
  update.bind(1, site_id).bind(2, by).bind(3, to_epoch_us(now)).run();
  transaction.commit();
}

std::vector<ProfileGrant> SqliteStore::profile_grants(std::int64_t site_id) {
  check_site(site_id);
  sqlite::Statement select(db_, "SELECT granted_by, granted_us, revoked_by, revoked_us "
                                "FROM profile_grants WHERE site_id = ?1 ORDER BY id");
  select.bind(1, site_id);
  std::vector<ProfileGrant> result;
  while (select.step()) {
    ProfileGrant grant{site_id, select.column_text(0), utc_from_epoch_us(select.column_int(1)),
                       std::nullopt, std::nullopt};
    if (!select.column_is_null(3)) {
      grant.revoked_by = select.column_text(2);
      grant.revoked = utc_from_epoch_us(select.column_int(3));
    }
    result.push_back(std::move(grant));
  }
  return result;
}

} // namespace pulsemon

// Users, their sites and roles, the sites and their grants, on PostgreSQL.
// Every write runs under the writers' lock (begin_write), so a rule read
// first (a name not taken, a site's last owner kept) holds at the write.
#include "core/quoted_input.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/postgres_store.h"
#include "store/store_rules.h"

#include <map>

namespace pulsemon {

using pg::param;

namespace {

constexpr const char *user_columns = "SELECT id, name, password_hash, token_generation, "
                                     "must_change_password, created_us, is_operator FROM users ";

User read_user(const pg::Rows &rows, int i) {
  User user;
  user.id = rows.integer(i, 0);
  user.name = rows.text(i, 1);
  user.password_hash = rows.text(i, 2);
  user.token_generation = rows.integer(i, 3);
  user.must_change_password = rows.boolean(i, 4);
  user.created = utc_from_epoch_us(rows.integer(i, 5));
  user.is_operator = rows.boolean(i, 6);
  return user;
}

// Each user's sites, from one query over the memberships of `users`.
void read_memberships(pg::Connection &db, std::vector<User> &users) {
  std::map<std::int64_t, User *> by_id;
  for (User &user : users) {
    by_id[user.id] = &user;
  }
  const pg::Rows rows =
      users.size() == 1
          ? db.run("SELECT user_id, site_id, role FROM site_members WHERE user_id = $1 "
                   "ORDER BY site_id",
                   {param(users.front().id)})
          : db.run("SELECT user_id, site_id, role FROM site_members ORDER BY user_id, site_id");
  for (int i = 0; i < rows.size(); ++i) {
    const auto user = by_id.find(rows.integer(i, 0));
    if (user != by_id.end()) {
      user->second->sites.push_back(
          SiteMembership{rows.integer(i, 1), value_or_throw(parse_role(rows.text(i, 2)))});
    }
  }
  for (User &user : users) {
    user.role = highest_role(user.sites);
  }
}

Failure missing_user(std::string_view name) {
  return Failure(ErrorCode::not_found, "user " + quoted_input(name) + " does not exist");
}

} // namespace

void PostgresStore::check_site(std::int64_t site_id) {
  if (db_->run("SELECT 1 FROM sites WHERE id = $1", {param(site_id)}).empty()) {
    throw Failure(ErrorCode::not_found,
                  "site: site " + std::to_string(site_id) + " does not exist");
  }
}

void PostgresStore::add_user(const User &user, UtcTime now) {
  if (user.name.empty()) {
    throw Failure(ErrorCode::invalid_argument, "name: must not be empty");
  }
  writing([&] {
    if (find_user(user.name)) {
      throw Failure(ErrorCode::already_exists,
                    "name: user " + quoted_input(user.name) + " already exists");
    }
    const std::vector<SiteMembership> sites = memberships_to_store(user);
    for (const SiteMembership &membership : sites) {
      check_site(membership.site_id);
    }
    db_->run("INSERT INTO users (name, role, password_hash, created_us, must_change_password, "
             "token_generation, is_operator) VALUES ($1, $2, $3, $4, $5, $6, $7)",
             {param(user.name), param(to_string(highest_role(sites))), param(user.password_hash),
              param(to_epoch_us(now)), param(user.must_change_password),
              param(next_token_generation()), param(user.is_operator)});
    write_sites(user.name, sites);
  });
}

std::int64_t PostgresStore::next_token_generation() {
  const pg::Rows next = db_->run("UPDATE counters SET value = value + 1 "
                                 "WHERE name = 'token_generation' RETURNING value - 1");
  if (next.empty()) {
    throw Failure(ErrorCode::internal, "the token generation counter is missing");
  }
  return next.integer(0, 0);
}

std::optional<User> PostgresStore::find_user(std::string_view name) {
  const pg::Rows rows = db_->run(std::string(user_columns) + "WHERE name = $1", {param(name)});
  if (rows.empty()) {
    return std::nullopt;
  }
  std::vector<User> found{read_user(rows, 0)};
  read_memberships(*db_, found);
  return std::move(found.front());
}

std::vector<User> PostgresStore::users() {
  // COLLATE "C": by bytes, as SQLite orders them.
  std::vector<User> all =
      db_->run(std::string(user_columns) + "ORDER BY name COLLATE \"C\"").each(read_user);
  if (!all.empty()) {
    read_memberships(*db_, all);
  }
  return all;
}

void PostgresStore::set_password(std::string_view name, const std::string &password_hash) {
  writing([&] {
    const pg::Rows done =
        db_->run("UPDATE users SET password_hash = $2, token_generation = token_generation + 1, "
                 "must_change_password = false WHERE name = $1",
                 {param(name), param(password_hash)});
    if (done.affected() == 0) {
      throw missing_user(name);
    }
  });
}

void PostgresStore::write_sites(std::string_view name, const std::vector<SiteMembership> &after) {
  if (auto error = last_owner_error(users(), sites(), name, after)) {
    throw Failure(*error);
  }
  db_->run("DELETE FROM site_members WHERE user_id = (SELECT id FROM users WHERE name = $1)",
           {param(name)});
  for (const SiteMembership &membership : after) {
    db_->run("INSERT INTO site_members (user_id, site_id, role) "
             "SELECT id, $2, $3 FROM users WHERE name = $1",
             {param(name), param(membership.site_id), param(to_string(membership.role))});
  }
  db_->run("UPDATE users SET role = $2 WHERE name = $1",
           {param(name), param(to_string(highest_role(after)))});
}

void PostgresStore::set_role(std::string_view name, Role role) {
  writing([&] {
    const auto user = find_user(name);
    if (!user) {
      throw missing_user(name);
    }
    std::vector<SiteMembership> after = user->sites;
    for (SiteMembership &membership : after) {
      membership.role = role;
    }
    write_sites(name, after);
    db_->run("UPDATE users SET token_generation = $2 WHERE name = $1",
             {param(name), param(next_token_generation())});
  });
}

void PostgresStore::set_membership(std::string_view name, std::int64_t site_id,
                                   std::optional<Role> role) {
  writing([&] {
    const auto user = find_user(name);
    if (!user) {
      throw missing_user(name);
    }
    check_site(site_id);
    write_sites(name, with_membership(user->sites, site_id, role));
    if (const auto before = role_in(user->sites, site_id); before && before != role) {
      db_->run("UPDATE users SET token_generation = $2 WHERE name = $1",
               {param(name), param(next_token_generation())});
    }
  });
}

void PostgresStore::set_operator(std::string_view name, bool is_operator) {
  writing([&] {
    if (db_->run("UPDATE users SET is_operator = $2 WHERE name = $1",
                 {param(name), param(is_operator)})
            .affected() == 0) {
      throw missing_user(name);
    }
  });
}

void PostgresStore::delete_user(std::string_view name) {
  writing([&] {
    if (!find_user(name)) {
      throw missing_user(name);
    }
    if (auto error = last_owner_error(users(), sites(), name, std::nullopt)) {
      throw Failure(*error);
    }
    db_->run("DELETE FROM site_members WHERE user_id = (SELECT id FROM users WHERE name = $1)",
             {param(name)});
    db_->run("DELETE FROM users WHERE name = $1", {param(name)});
  });
}

Site PostgresStore::add_site(const std::string &name, UtcTime now) {
  if (auto error = site_name_error(name)) {
    throw Failure(*error);
  }
  return writing([&] {
    if (!db_->run("SELECT 1 FROM sites WHERE name = $1", {param(name)}).empty()) {
      throw Failure(ErrorCode::already_exists,
                    "name: site " + quoted_input(name) + " already exists");
    }
    const std::int64_t id =
        db_->run("INSERT INTO sites (name, created_us) VALUES ($1, $2) RETURNING id",
                 {param(name), param(to_epoch_us(now))})
            .integer(0, 0);
    return Site{id, name, now, false};
  });
}

void PostgresStore::restore_site(const Site &site) {
  if (auto error = site_name_error(site.name)) {
    throw Failure(*error);
  }
  writing([&] {
    if (!db_->run("SELECT 1 FROM sites WHERE id = $1 OR name = $2",
                  {param(site.id), param(site.name)})
             .empty()) {
      throw Failure(ErrorCode::already_exists, "site " + std::to_string(site.id) + " " +
                                                   quoted_input(site.name) + " exists already");
    }
    db_->run("INSERT INTO sites (id, name, created_us) VALUES ($1, $2, $3)",
             {param(site.id), param(site.name), param(to_epoch_us(site.created))});
    // The next site made here takes an id after it.
    db_->execute("SELECT setval('sites_id_seq', (SELECT max(id) FROM sites))");
  });
}

std::vector<Site> PostgresStore::sites() {
  return db_
      ->run(R"sql(
    SELECT id, name, created_us,
           EXISTS (SELECT 1 FROM profile_grants g WHERE g.site_id = sites.id
                                                    AND g.revoked_us IS NULL)
    FROM sites ORDER BY id)sql")
      .each([](const pg::Rows &rows, int i) {
        return Site{rows.integer(i, 0), rows.text(i, 1), utc_from_epoch_us(rows.integer(i, 2)),
                    rows.boolean(i, 3)};
      });
}

void PostgresStore::delete_site(std::int64_t id) {
  writing([&] {
    check_site(id);
    const pg::Rows owned =
        db_->run("SELECT id FROM meters WHERE site_id = $1 ORDER BY id LIMIT 1", {param(id)});
    if (!owned.empty()) {
      throw Failure(ErrorCode::invalid_argument, "site " + std::to_string(id) + " owns meter " +
                                                     std::to_string(owned.integer(0, 0)) +
                                                     "; delete or move its meters first");
    }
    for (const char *statement :
         {"DELETE FROM site_members WHERE site_id = $1",
          "DELETE FROM profile_grants WHERE site_id = $1", "DELETE FROM links WHERE site_id = $1",
          "DELETE FROM friends WHERE site_id = $1", "DELETE FROM sites WHERE id = $1"}) {
      db_->run(statement, {param(id)});
    }
    // The highest role left ('admin' < 'user' < 'viewer' as text, too).
    db_->execute("UPDATE users SET role = coalesce((SELECT min(role COLLATE \"C\") FROM "
                 "site_members WHERE user_id = users.id), 'viewer')");
  });
}

void PostgresStore::grant_profiles(std::int64_t site_id, const std::string &by, UtcTime now) {
  writing([&] {
    check_site(site_id);
    db_->run(R"sql(
      INSERT INTO profile_grants (site_id, granted_by, granted_us)
      SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM profile_grants
                                          WHERE site_id = $1 AND revoked_us IS NULL))sql",
             {param(site_id), param(by), param(to_epoch_us(now))});
  });
}

void PostgresStore::revoke_profiles(std::int64_t site_id, const std::string &by, UtcTime now) {
  writing([&] {
    check_site(site_id);
    db_->run("UPDATE profile_grants SET revoked_by = $2, revoked_us = $3 "
             "WHERE site_id = $1 AND revoked_us IS NULL",
             {param(site_id), param(by), param(to_epoch_us(now))});
  });
}

std::vector<ProfileGrant> PostgresStore::profile_grants(std::int64_t site_id) {
  check_site(site_id);
  return db_
      ->run("SELECT granted_by, granted_us, revoked_by, revoked_us FROM profile_grants "
            "WHERE site_id = $1 ORDER BY id",
            {param(site_id)})
      .each([site_id](const pg::Rows &rows, int i) {
        ProfileGrant grant{site_id, rows.text(i, 0), utc_from_epoch_us(rows.integer(i, 1)),
                           std::nullopt, std::nullopt};
        if (!rows.is_null(i, 3)) {
          grant.revoked_by = rows.text(i, 2);
          grant.revoked = utc_from_epoch_us(rows.integer(i, 3));
        }
        return grant;
      });
}

} // namespace pulsemon

// pulsemon user add | passwd | del | list
#include "app/cli_context.h"
#include "app/site_argument.h"
#include "auth/secrets.h"

#include <nlohmann/json.hpp>
#include <termios.h>
#include <unistd.h>

#include <iostream>

namespace pulsemon {

namespace {

constexpr std::size_t minimum_password_length = 8;

// One line from stdin; on a terminal without echo.
std::string read_secret_line(const std::string &prompt) {
  const bool terminal = isatty(STDIN_FILENO) != 0;
  termios saved{};
  if (terminal) {
    std::cerr << prompt << std::flush;
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (terminal) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << '\n';
  }
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  return line;
}

// The password from stdin (a script) or typed twice (a person).
std::string read_new_password() {
  std::string password = read_secret_line("New password: ");
  if (isatty(STDIN_FILENO) != 0 && read_secret_line("Again: ") != password) {
    throw Failure(ErrorCode::invalid_argument, "password: the two entries differ");
  }
  if (password.size() < minimum_password_length) {
    throw Failure(ErrorCode::invalid_argument, "password: must have at least " +
                                                   std::to_string(minimum_password_length) +
                                                   " characters (read from standard input)");
  }
  return password;
}

} // namespace

void add_user_command(CLI::App &app, CliContext &context) {
  CLI::App *user = app.add_subcommand(
      "user", "Manage users of the API: a role in each of their sites (owner, member, viewer; "
              "admin and user say owner and member), or operator across sites");
  user->require_subcommand(1);

  auto add_name = std::make_shared<std::string>();
  auto add_role = std::make_shared<std::string>("viewer");
  auto add_site = std::make_shared<std::string>();
  CLI::App *add =
      user->add_subcommand("add", "Add a user; the password is read from standard input");
  add->add_option("name", *add_name, "user name")->required();
  add->add_option("--role", *add_role,
                  "owner | member | viewer (admin | user | viewer), or operator")
      ->capture_default_str();
  add->add_option("--site", *add_site,
                  "the site's id or name (default: the home site; none for an operator)");
  add->callback([&context, add_name, add_role, add_site] {
    User added{0, *add_name, Role::viewer, "", 0, false, {}};
    auto store = context.open_store();
    if (*add_role == "operator") {
      added.is_operator = true;
    } else {
      added.role = value_or_throw(parse_role(*add_role));
      const std::int64_t site =
          add_site->empty() ? home_site_id : site_argument(*store, *add_site).id;
      added.sites = {{site, added.role}};
    }
    if (store->find_user(*add_name)) {
      throw Failure(ErrorCode::already_exists, "name: user '" + *add_name + "' already exists");
    }
    added.password_hash = auth::hash_password(read_new_password());
    store->add_user(added, wall_now());
    std::cout << "Added "
              << (added.is_operator ? std::string("operator")
                                    : std::string(site_role_name(added.role)))
              << " '" << *add_name << "'"
              << (added.sites.empty() ? ""
                                      : " to site " + std::to_string(added.sites.front().site_id))
              << "\n";
  });

  auto passwd_name = std::make_shared<std::string>();
  CLI::App *passwd = user->add_subcommand(
      "passwd", "Set a user's password (read from standard input); their tokens stop working");
  passwd->add_option("name", *passwd_name, "user name")->required();
  passwd->callback([&context, passwd_name] {
    auto store = context.open_store();
    if (!store->find_user(*passwd_name)) {
      throw Failure(ErrorCode::not_found, "user '" + *passwd_name + "' does not exist");
    }
    store->set_password(*passwd_name, auth::hash_password(read_new_password()));
    std::cout << "Changed the password of '" << *passwd_name
              << "'; their earlier tokens no longer work\n";
  });

  auto role_name = std::make_shared<std::string>();
  auto new_role = std::make_shared<std::string>();
  auto role_site = std::make_shared<std::string>();
  CLI::App *role = user->add_subcommand(
      "role", "Change a user's role; it applies at once, and their open live streams end");
  role->add_option("name", *role_name, "user name")->required();
  role->add_option("role", *new_role,
                   "owner | member | viewer (admin | user | viewer); with --site also 'none' "
                   "(leave the site); or operator | not-operator")
      ->required();
  role->add_option("--site", *role_site,
                   "the site's id or name (default: every site of the user's)");
  role->callback([&context, role_name, new_role, role_site] {
    auto store = context.open_store();
    if (!store->find_user(*role_name)) {
      throw Failure(ErrorCode::not_found, "user '" + *role_name + "' does not exist");
    }
    if (*new_role == "operator" || *new_role == "not-operator") {
      store->set_operator(*role_name, *new_role == "operator");
      std::cout << "'" << *role_name << "' is " << (*new_role == "operator" ? "" : "no longer ")
                << "an operator\n";
      return;
    }
    if (role_site->empty()) {
      const Role parsed = value_or_throw(parse_role(*new_role));
      store->set_role(*role_name, parsed);
      std::cout << "'" << *role_name << "' is now " << to_string(parsed) << "\n";
      return;
    }
    const Site site = site_argument(*store, *role_site);
    const std::optional<Role> parsed =
        *new_role == "none" ? std::nullopt : std::optional(value_or_throw(parse_role(*new_role)));
    store->set_membership(*role_name, site.id, parsed);
    std::cout << "'" << *role_name << "' is "
              << (parsed ? "now " + std::string(site_role_name(*parsed)) + " of" : "no longer in")
              << " site '" << site.name << "'\n";
  });

  auto del_name = std::make_shared<std::string>();
  CLI::App *del = user->add_subcommand("del", "Delete a user; their tokens stop working");
  del->add_option("name", *del_name, "user name")->required();
  del->callback([&context, del_name] {
    context.open_store()->delete_user(*del_name);
    std::cout << "Deleted '" << *del_name << "'\n";
  });

  auto json = std::make_shared<bool>(false);
  CLI::App *list = user->add_subcommand("list", "List users and their roles");
  list->add_flag("--json", *json, "print a JSON array");
  list->callback([&context, json] {
    const auto users = context.open_store()->users();
    if (*json) {
      nlohmann::json all = nlohmann::json::array();
      for (const User &u : users) {
        nlohmann::json sites = nlohmann::json::array();
        for (const SiteMembership &membership : u.sites) {
          sites.push_back(
              {{"site", membership.site_id}, {"role", site_role_name(membership.role)}});
        }
        all.push_back({{"name", u.name},
                       {"role", to_string(u.role)},
                       {"sites", sites},
                       {"operator", u.is_operator},
                       {"must_change_password", u.must_change_password}});
      }
      std::cout << all.dump(2) << '\n';
      return;
    }
    for (const User &u : users) {
      // The older one-role column, then any site but the home site's role.
      std::cout << u.name << '\t' << (u.sites.empty() ? "-" : to_string(u.role));
      if (!u.sites.empty() && (u.sites.size() != 1 || u.sites.front().site_id != home_site_id)) {
        std::cout << "\tsites";
        for (const SiteMembership &membership : u.sites) {
          std::cout << ' ' << membership.site_id << ':' << site_role_name(membership.role);
        }
      }
      std::cout << (u.is_operator ? "\toperator" : "")
                << (u.must_change_password ? "\tmust change password (imported)" : "") << '\n';
    }
  });
}

} // namespace pulsemon

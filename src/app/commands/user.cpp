// pulsemon user add | passwd | del | list
#include "app/cli_context.h"
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
  CLI::App *user =
      app.add_subcommand("user", "Manage users of the API (roles admin, user, viewer)");
  user->require_subcommand(1);

  auto add_name = std::make_shared<std::string>();
  auto add_role = std::make_shared<std::string>("viewer");
  CLI::App *add =
      user->add_subcommand("add", "Add a user; the password is read from standard input");
  add->add_option("name", *add_name, "user name")->required();
  add->add_option("--role", *add_role, "admin | user | viewer")->capture_default_str();
  add->callback([&context, add_name, add_role] {
    const Role role = value_or_throw(parse_role(*add_role));
    auto store = context.open_store();
    if (store->find_user(*add_name)) {
      throw Failure(ErrorCode::already_exists, "name: user '" + *add_name + "' already exists");
    }
    const std::string password = read_new_password();
    store->add_user(User{0, *add_name, role, auth::hash_password(password), 0, false}, wall_now());
    std::cout << "Added " << to_string(role) << " '" << *add_name << "'\n";
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
  CLI::App *role = user->add_subcommand(
      "role", "Change a user's role; it applies at once, and their open live streams end");
  role->add_option("name", *role_name, "user name")->required();
  role->add_option("role", *new_role, "admin | user | viewer")->required();
  role->callback([&context, role_name, new_role] {
    const Role parsed = value_or_throw(parse_role(*new_role));
    auto store = context.open_store();
    if (!store->find_user(*role_name)) {
      throw Failure(ErrorCode::not_found, "user '" + *role_name + "' does not exist");
    }
    store->set_role(*role_name, parsed);
    std::cout << "'" << *role_name << "' is now " << to_string(parsed) << "\n";
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
        all.push_back({{"name", u.name},
                       {"role", to_string(u.role)},
                       {"must_change_password", u.must_change_password}});
      }
      std::cout << all.dump(2) << '\n';
      return;
    }
    for (const User &u : users) {
      std::cout << u.name << '\t' << to_string(u.role)
                << (u.must_change_password ? "\tmust change password (imported)" : "") << '\n';
    }
  });
}

} // namespace pulsemon

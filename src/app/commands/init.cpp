// pulsemon init: a config, a database, a signing secret and an admin user,
// all or nothing.
#include "app/cli_context.h"
#include "app/config_keys.h"
#include "auth/secrets.h"
#include "store/sqlite/sqlite_store.h"

#include <date/tz.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iostream>
#include <system_error>
#include <vector>

namespace pulsemon {

namespace {

struct InitOptions {
  std::string dir = ".";
  std::string config; // where the config goes; "" = DIR/pulsemon.toml
  std::string listen; // http.listen; "" = the default (loopback)
  std::string zone;
  bool with_simulator = false;
};

// Replaces the one line of the default config that starts with `key = `.
void set_config_line(std::string &text, const std::string &key, const std::string &value) {
  const std::string start = "\n" + key + " = ";
  const auto at = text.find(start);
  if (at == std::string::npos) {
    throw Failure(ErrorCode::internal, "init: the default config has no '" + key + "' line");
  }
  const auto value_at = at + start.size();
  const auto end = text.find_first_of(" \n", value_at);
  text.replace(value_at, end - value_at, "\"" + value + "\"");
}

// Removes what init created when a later step fails, so a failed init
// leaves no half-made folder behind.
class CreatedFiles {
public:
  void add(std::filesystem::path path) { paths_.push_back(std::move(path)); }
  void keep() { paths_.clear(); }
  ~CreatedFiles() {
    for (auto it = paths_.rbegin(); it != paths_.rend(); ++it) {
      std::error_code ignored;
      std::filesystem::remove(*it, ignored);
    }
  }
  CreatedFiles() = default;
  CreatedFiles(const CreatedFiles &) = delete;
  CreatedFiles &operator=(const CreatedFiles &) = delete;

private:
  std::vector<std::filesystem::path> paths_;
};

[[noreturn]] void fail_io(const std::filesystem::path &path, const char *what) {
  throw Failure(ErrorCode::unavailable, "cannot " + std::string(what) + " " + path.string() + ": " +
                                            std::generic_category().message(errno));
}

// Creates a new file with `mode`, refusing to overwrite one.
void write_new_file(const std::filesystem::path &path, const std::string &content, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    fail_io(path, "create");
  }
  const ssize_t written = ::write(fd, content.data(), content.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (written != static_cast<ssize_t>(content.size()) || !synced) {
    fail_io(path, "write");
  }
}

std::string machine_zone() {
  try {
    return std::string(date::current_zone()->name());
  } catch (const std::exception &) {
    return "UTC";
  }
}

void run_init(const InitOptions &options) {
  const std::filesystem::path dir(options.dir);
  const auto config_file =
      options.config.empty() ? dir / "pulsemon.toml" : std::filesystem::path(options.config);
  const auto database = dir / config_keys::database.fallback;
  const auto secret = dir / config_keys::secret_file.fallback;
  for (const auto &path : {config_file, database, secret}) {
    if (std::filesystem::exists(path)) {
      throw Failure(ErrorCode::already_exists,
                    path.string() + " already exists; init never overwrites. Remove it, or "
                                    "choose another folder with --dir");
    }
  }
  std::string zone = options.zone.empty() ? machine_zone() : options.zone;
  try {
    (void)date::locate_zone(zone);
  } catch (const std::exception &) {
    throw Failure(ErrorCode::invalid_argument,
                  "--zone: \"" + zone + "\" is not an IANA time zone (e.g. Europe/Amsterdam)");
  }

  CreatedFiles created;
  std::error_code error;
  if (!std::filesystem::exists(dir)) {
    std::filesystem::create_directories(dir, error);
    if (error) {
      throw Failure(ErrorCode::unavailable,
                    "cannot create folder " + dir.string() + ": " + error.message());
    }
    created.add(dir);
  }

  std::string config_text = default_config_text(zone, options.with_simulator);
  if (!options.config.empty()) {
    // The config lives elsewhere (/etc/pulsemon): it names the data by
    // absolute paths.
    set_config_line(config_text, "path", std::filesystem::absolute(database).string());
    set_config_line(config_text, "secret_file", std::filesystem::absolute(secret).string());
  }
  if (!options.listen.empty()) {
    (void)value_or_throw(parse_listen(options.listen, "--listen"));
    set_config_line(config_text, "listen", options.listen);
  }
  write_new_file(config_file, config_text, 0644);
  created.add(config_file);
  write_new_file(secret, auth::random_hex(32) + "\n", 0600);
  created.add(secret);

  const std::string password = auth::random_password();
  {
    created.add(database);
    created.add(database.string() + "-wal");
    created.add(database.string() + "-shm");
    SqliteStore store(database, StoreOptions{Durability::full, true});
    store.add_user(User{0, "admin", Role::admin, auth::hash_password(password), 0, false},
                   wall_now());
    if (options.with_simulator) {
      Meter meter;
      meter.id = 1;
      meter.name = "Simulated household";
      meter.location = "simulator";
      store.add_meter(meter, wall_now());
    }
  }
  created.keep();

  std::cout << "Created " << config_file.string() << ", " << database.string() << " and "
            << secret.string() << " (time zone " << zone << ").\n"
            << "Admin login: admin / " << password << '\n'
            << "This password is shown once; keep it somewhere safe.\n";
  if (options.with_simulator) {
    std::cout << "Meter 1 is fed by a simulated household. Start the daemon with:\n"
              << "  pulsemon -c " << config_file.string() << " serve\n";
  } else {
    std::cout << "Next: add a meter with 'pulsemon -c " << config_file.string()
              << " meter add --id 1 --name House --kind electricity --ppu 1000'\n";
  }
}

} // namespace

void add_init_command(CLI::App &app, CliContext & /*context*/) {
  auto options = std::make_shared<InitOptions>();
  CLI::App *init = app.add_subcommand(
      "init", "Create a config, a database, a token secret and an admin user in a folder");
  init->add_option("--dir", options->dir, "folder to create them in (made if missing)")
      ->capture_default_str();
  init->add_option("--config", options->config,
                   "write the config to this file instead of DIR/pulsemon.toml (it then names "
                   "the database and secret in DIR by absolute paths)");
  init->add_option("--listen", options->listen,
                   "HOST:PORT for the API in the config (default 127.0.0.1:8080; "
                   "0.0.0.0:8080 for the whole network)");
  init->add_option("--zone", options->zone,
                   "IANA time zone for days and months (default: this machine's zone)");
  init->add_flag("--with-simulator", options->with_simulator,
                 "also add meter 1 fed by a simulated household (no hardware needed)");
  init->callback([options] { run_init(*options); });
}

} // namespace pulsemon

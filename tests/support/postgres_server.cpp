#include "support/postgres_server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace pulsemon::testing {

namespace {

const std::filesystem::path bin = "/usr/lib/postgresql/15/bin";

std::string read_file(const std::filesystem::path &file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

PostgresServer::PostgresServer() {
  if (!std::filesystem::exists(bin / "initdb")) {
    throw std::runtime_error("PostgreSQL 15 is not installed (" + (bin / "initdb").string() +
                             "); bash scripts/setup installs it");
  }
  if (geteuid() == 0 && chown(dir_.path().c_str(), 65534, 65534) != 0) {
    throw std::runtime_error("cannot give " + dir_.path().string() + " to nobody");
  }
  as_server_user((bin / "initdb").string() + " -D " + (dir_ / "data").string() +
                 " -A trust -U pulsemon -E UTF8 --locale=C --no-sync");
  start();
}

PostgresServer::~PostgresServer() {
  thaw(); // a test that ended while the server was frozen
  try {
    if (standby_) {
      standby_ = false;
      as_server_user((bin / "pg_ctl").string() + " -D " + (dir_ / "standby").string() +
                     " -m immediate -w stop");
    }
    stop();
  } catch (const std::exception &) {
    // The folder goes with the TempDir; a server left behind dies with it.
  }
}

void PostgresServer::as_server_user(const std::string &command) const {
  const std::string log = (dir_ / "command.log").string();
  const std::string line =
      (geteuid() == 0 ? "runuser -u nobody -- " : "") + command + " >" + log + " 2>&1";
  if (std::system(line.c_str()) != 0) {
    throw std::runtime_error("'" + command + "' failed: " + read_file(log) +
                             read_file(dir_ / "server.log"));
  }
}

void PostgresServer::start() {
  // fsync stays on: the tests of what a commit keeps rely on it.
  as_server_user((bin / "pg_ctl").string() + " -D " + (dir_ / "data").string() + " -l " +
                 (dir_ / "server.log").string() + " -w -o \"-k " + dir_.path().string() +
                 " -c listen_addresses=''\" start");
  running_ = true;
}

void PostgresServer::stop() {
  if (!running_) {
    return;
  }
  running_ = false;
  as_server_user((bin / "pg_ctl").string() + " -D " + (dir_ / "data").string() +
                 " -m fast -w stop");
}

void PostgresServer::freeze() {
  thaw();
  std::ifstream pid_file(dir_ / "data" / "postmaster.pid");
  int postmaster = 0;
  if (!(pid_file >> postmaster) || postmaster <= 0) {
    throw std::runtime_error("no postmaster.pid: the server does not run");
  }
  // The postmaster and its children (the backends, the WAL writer, ...),
  // read from /proc: field 4 of /proc/PID/stat is the parent.
  frozen_.push_back(postmaster);
  for (const auto &entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    const std::string stat = read_file(entry.path() / "stat");
    const auto after_name = stat.rfind(')');
    if (after_name == std::string::npos) {
      continue;
    }
    std::istringstream fields(stat.substr(after_name + 1));
    std::string state;
    int parent = 0;
    if (fields >> state >> parent && parent == postmaster) {
      frozen_.push_back(std::stoi(name));
    }
  }
  for (const int pid : frozen_) {
    ::kill(pid, SIGSTOP);
  }
}

void PostgresServer::thaw() {
  for (const int pid : frozen_) {
    ::kill(pid, SIGCONT);
  }
  frozen_.clear();
}

void PostgresServer::add_standby() {
  const std::string standby = (dir_ / "standby").string();
  const std::string socket = (dir_ / "standby-socket").string();
  as_server_user("mkdir " + socket);
  as_server_user((bin / "pg_basebackup").string() + " -D " + standby + " -R -X stream -c fast -h " +
                 dir_.path().string() + " -U pulsemon --no-sync");
  as_server_user((bin / "pg_ctl").string() + " -D " + standby + " -l " +
                 (dir_ / "standby.log").string() + " -w -o \"-k " + socket +
                 " -c listen_addresses='' -c wal_retrieve_retry_interval=1s\" start");
  standby_ = true;
  psql("postgres", "ALTER SYSTEM SET synchronous_standby_names = '*'");
  psql("postgres", "SELECT pg_reload_conf()");
}

void PostgresServer::kill_primary() {
  running_ = false;
  as_server_user((bin / "pg_ctl").string() + " -D " + (dir_ / "data").string() +
                 " -m immediate -w stop");
}

void PostgresServer::promote_standby() {
  as_server_user((bin / "pg_ctl").string() + " -D " + (dir_ / "standby").string() + " -w promote");
}

std::string PostgresServer::failover_url(const std::string &url) const {
  const std::string primary = "host=" + dir_.path().string();
  std::string both = url;
  both.replace(both.find(primary), primary.size(),
               primary + "," + (dir_ / "standby-socket").string());
  return both + "&target_session_attrs=read-write";
}

void PostgresServer::psql(const std::string &database, const std::string &sql) const {
  const std::string log = (dir_ / "psql.log").string();
  const std::string line = "psql -v ON_ERROR_STOP=1 -X -q -h " + dir_.path().string() +
                           " -U pulsemon -d " + database + " -c \"" + sql + "\" >" + log + " 2>&1";
  if (std::system(line.c_str()) != 0) {
    throw std::runtime_error("psql " + sql + ": " + read_file(log));
  }
}

std::string PostgresServer::new_database_url() {
  const std::string name = "test" + std::to_string(++databases_);
  psql("postgres", "CREATE DATABASE " + name);
  return "postgresql:///" + name + "?host=" + dir_.path().string() + "&user=pulsemon";
}

PostgresServer *shared_postgres(std::string &why) {
  static std::unique_ptr<PostgresServer> server;
  static std::string failure;
  if (!server && failure.empty()) {
    try {
      server = std::make_unique<PostgresServer>();
    } catch (const std::exception &error) {
      failure = error.what();
    }
  }
  why = failure;
  return server.get();
}

} // namespace pulsemon::testing

#pragma once
// A real PostgreSQL 15 for a test: Debian's initdb and pg_ctl
// (postgresql-15, which scripts/setup installs) make a cluster in a
// temporary folder that listens on a Unix socket there and on no TCP port.
// PostgreSQL refuses to run as root, and CI runs as root: then the server
// runs as the unprivileged user `nobody`.

#include "support/temp_dir.h"

#include <memory>
#include <string>
#include <vector>

namespace pulsemon::testing {

class PostgresServer {
public:
  // Starts a server; throws std::runtime_error saying why it cannot.
  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer &) = delete;
  PostgresServer &operator=(const PostgresServer &) = delete;

  // A new empty database, and the store url that reaches it.
  [[nodiscard]] std::string new_database_url();
  // psql -c `sql` in database `database`; throws when it fails.
  void psql(const std::string &database, const std::string &sql) const;

  void stop();
  void start();
  // The primary's processes stop where they are (SIGSTOP) and go on again
  // (SIGCONT): a server that does not answer, with no connection closed.
  void freeze();
  void thaw();

  // A streaming standby made with pg_basebackup, on a socket folder of its
  // own, and made synchronous (synchronous_standby_names = '*'): a commit
  // returns once the standby has it.
  void add_standby();
  // The primary dies at once (pg_ctl stop -m immediate), then the standby
  // is promoted.
  void kill_primary();
  void promote_standby();
  // A url that reaches whichever of the two takes writes.
  [[nodiscard]] std::string failover_url(const std::string &url) const;

private:
  void as_server_user(const std::string &command) const;

  TempDir dir_;
  int databases_ = 0;
  bool running_ = false;
  bool standby_ = false;
  std::vector<int> frozen_; // the processes freeze() stopped
};

// The test process's one server, started at the first call. Null when
// PostgreSQL cannot start here, with `why` saying why; but when the
// environment sets PULSEMON_REQUIRE_POSTGRES=1 (CI does) that is a failure
// of the test rather than a skip.
PostgresServer *shared_postgres(std::string &why);

} // namespace pulsemon::testing

#pragma once
// Failed logins on PostgreSQL: rows of (key, time) written outside the
// writers' lock and the change counter (a failed login changes nothing a
// reader keeps). Private to the PostgreSQL store.

#include "store/login_failures.h"

namespace pulsemon::pg {

class Connection;

class PostgresLoginFailures final : public SharedLoginFailures {
public:
  explicit PostgresLoginFailures(Connection &db) : db_(db) {}
  void record(const std::string &key, UtcTime at, UtcTime forget_before) override;
  [[nodiscard]] FailureWindow since(const std::string &key, UtcTime from) override;
  void forget(const std::string &key) override;

private:
  Connection &db_;
};

} // namespace pulsemon::pg

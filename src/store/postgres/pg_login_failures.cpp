#include "store/postgres/pg_login_failures.h"

#include "store/postgres/pg_connection.h"

namespace pulsemon::pg {

void PostgresLoginFailures::record(const std::string &key, UtcTime at, UtcTime forget_before) {
  db_.run("WITH old AS (DELETE FROM login_failures WHERE at_us < $3) "
          "INSERT INTO login_failures (key, at_us) VALUES ($1, $2)",
          {param(key), param(to_epoch_us(at)), param(to_epoch_us(forget_before))});
}

FailureWindow PostgresLoginFailures::since(const std::string &key, UtcTime from) {
  const Rows rows = db_.run("SELECT count(*), min(at_us) FROM login_failures "
                            "WHERE key = $1 AND at_us >= $2",
                            {param(key), param(to_epoch_us(from))});
  FailureWindow window{rows.integer(0, 0), std::nullopt};
  if (!rows.is_null(0, 1)) {
    window.oldest = utc_from_epoch_us(rows.integer(0, 1));
  }
  return window;
}

void PostgresLoginFailures::forget(const std::string &key) {
  db_.run("DELETE FROM login_failures WHERE key = $1", {param(key)});
}

} // namespace pulsemon::pg

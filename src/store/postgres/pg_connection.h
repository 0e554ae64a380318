#pragma once
// libpq with RAII: one connection, statements with bound parameters in text
// form, results that free themselves, and every failure a Failure that
// says what PostgreSQL said (never the password: libpq reads it from
// PGPASSWORD or a passfile and does not repeat it). Private to the
// PostgreSQL store.

#include "core/result.h"

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;
struct pg_result;

namespace pulsemon::pg {

// One bound parameter in text form; nullopt is SQL NULL.
using Param = std::optional<std::string>;

Param param(std::int64_t value);
Param param(double value);
Param param(std::string_view value);
Param param(bool value);
// A bigint[] in PostgreSQL's array text form ({1,2,3}).
Param array(const std::vector<std::int64_t> &values);

class Rows {
public:
  explicit Rows(pg_result *result);
  [[nodiscard]] int size() const;
  [[nodiscard]] bool empty() const { return size() == 0; }
  [[nodiscard]] bool is_null(int row, int column) const;
  [[nodiscard]] std::int64_t integer(int row, int column) const;
  [[nodiscard]] double number(int row, int column) const;
  [[nodiscard]] std::string text(int row, int column) const;
  [[nodiscard]] bool boolean(int row, int column) const;
  [[nodiscard]] int affected() const; // rows an INSERT, UPDATE or DELETE touched

  // Every row made into a value by `read(rows, index)`, in order.
  template <class Read> [[nodiscard]] auto each(Read &&read) const {
    std::vector<decltype(read(*this, 0))> values;
    values.reserve(static_cast<std::size_t>(size()));
    for (int i = 0; i < size(); ++i) {
      values.push_back(read(*this, i));
    }
    return values;
  }

private:
  struct Free {
    void operator()(pg_result *result) const;
  };
  std::unique_ptr<pg_result, Free> result_;
};

class Connection {
public:
  // Throws Failure(unavailable) naming what stopped the connection.
  // `session_setup` (SET statements) runs on every connection made, the
  // first and each one made again after a loss.
  explicit Connection(const std::string &url, std::string session_setup = {});
  ~Connection();
  Connection(const Connection &) = delete;
  Connection &operator=(const Connection &) = delete;

  // One statement with parameters $1, $2, …; throws Failure on an error:
  // unique violations as already_exists, serialisation failures and a lost
  // server as unavailable, anything else internal.
  Rows run(std::string_view sql, const std::vector<Param> &params = {});
  // Statements without parameters, several at once (migrations).
  void execute(std::string_view sql);

  // Transactions. A connection lost outside one is made again before the
  // next statement; inside one, the statements fail until it ends (its
  // work is lost with the connection, never half kept).
  void begin(std::string_view begin_statement = "BEGIN");
  void commit();
  void rollback(); // never throws: a lost connection has rolled back already
  [[nodiscard]] const std::string &url() const { return url_; }

  // Waits up to `timeout` for a NOTIFY on a channel the session LISTENs to
  // (the LISTEN belongs in `session_setup`, so that a connection made again
  // listens again); returns whether one came. A lost connection is made
  // again first; while it cannot be, waits the timeout and returns false.
  bool await_notification(std::chrono::milliseconds timeout);

private:
  void reconnect_if_lost();

  std::string url_;
  std::string session_setup_;
  pg_conn *connection_ = nullptr;
  bool in_transaction_ = false;
};

} // namespace pulsemon::pg

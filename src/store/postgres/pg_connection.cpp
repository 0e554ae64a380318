#include "store/postgres/pg_connection.h"

#include <libpq-fe.h>

#include <fmt/format.h>
#include <poll.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <cstdlib>
#include <thread>

namespace pulsemon::pg {

namespace {

// SQLSTATE classes that decide the ErrorCode.
constexpr std::string_view unique_violation = "23505";
constexpr std::string_view serialization_failure = "40001";
constexpr std::string_view deadlock_detected = "40P01";

// libpq's messages run over several lines; a log line wants the first.
std::string first_line(const char *message) {
  std::string text = message == nullptr ? "" : message;
  text = text.substr(0, text.find('\n'));
  while (!text.empty() && text.back() == ' ') {
    text.pop_back();
  }
  return text;
}

// Which of the url's servers a connection reached, for the log.
std::string server_of(pg_conn *connection) {
  const char *host = PQhost(connection);
  const char *port = PQport(connection);
  return std::string(host == nullptr ? "?" : host) + " port " + (port == nullptr ? "?" : port);
}

} // namespace

Param param(std::int64_t value) {
  return std::to_string(value);
}
Param param(double value) {
  return fmt::format("{:.17g}", value);
}
Param param(std::string_view value) {
  return std::string(value);
}
Param param(bool value) {
  return value ? "t" : "f";
}
Param array(const std::vector<std::int64_t> &values) {
  std::string text = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) {
      text += ',';
    }
    text += std::to_string(values[i]);
  }
  text += '}';
  return text;
}

void Rows::Free::operator()(pg_result *result) const {
  PQclear(result);
}

Rows::Rows(pg_result *result) : result_(result) {}

int Rows::size() const {
  return PQntuples(result_.get());
}

bool Rows::is_null(int row, int column) const {
  return PQgetisnull(result_.get(), row, column) != 0;
}

std::int64_t Rows::integer(int row, int column) const {
  const char *text = PQgetvalue(result_.get(), row, column);
  std::int64_t value = 0;
  const std::string_view view(text);
  const auto [end, error] = std::from_chars(view.data(), view.data() + view.size(), value);
  if (error != std::errc{} || end != view.data() + view.size()) {
    throw Failure(ErrorCode::internal,
                  "PostgreSQL answered '" + std::string(view) + "' where a whole number belongs");
  }
  return value;
}

double Rows::number(int row, int column) const {
  return std::strtod(PQgetvalue(result_.get(), row, column), nullptr);
}

std::string Rows::text(int row, int column) const {
  return {PQgetvalue(result_.get(), row, column),
          static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
}

bool Rows::boolean(int row, int column) const {
  return PQgetvalue(result_.get(), row, column)[0] == 't';
}

int Rows::affected() const {
  const std::string_view count(PQcmdTuples(result_.get()));
  int value = 0;
  (void)std::from_chars(count.data(), count.data() + count.size(), value); // "" for a SELECT: 0
  return value;
}

Connection::Connection(const std::string &url, std::string session_setup)
    : url_(url), session_setup_(std::move(session_setup)) {
  connection_ = PQconnectdb(url.c_str());
  if (PQstatus(connection_) != CONNECTION_OK) {
    const std::string why = first_line(PQerrorMessage(connection_));
    PQfinish(connection_);
    connection_ = nullptr;
    throw Failure(ErrorCode::unavailable, "cannot reach PostgreSQL: " + why);
  }
  // Notices (e.g. "relation already exists, skipping") are not errors.
  PQsetNoticeProcessor(
      connection_, [](void *, const char *) {}, nullptr);
  if (!session_setup_.empty()) {
    try {
      execute(session_setup_);
    } catch (...) {
      PQfinish(connection_);
      connection_ = nullptr;
      throw;
    }
  }
}

Connection::~Connection() {
  if (connection_ != nullptr) {
    PQfinish(connection_);
  }
}

void Connection::reconnect_if_lost() {
  if (PQstatus(connection_) != CONNECTION_BAD) {
    return;
  }
  const std::string was = server_of(connection_);
  PQreset(connection_);
  if (PQstatus(connection_) != CONNECTION_OK) {
    return;
  }
  if (!session_setup_.empty()) {
    PQclear(PQexec(connection_, session_setup_.c_str())); // a failure shows at the next statement
  }
  // A url that names several hosts (a primary and its standby) may have
  // found another one: after a failover, the log says where pulsemon went.
  if (const std::string now = server_of(connection_); now != was) {
    spdlog::warn("PostgreSQL: connected again, now to {} (was {})", now, was);
  }
}

void Connection::begin(std::string_view begin_statement) {
  execute(begin_statement);
  in_transaction_ = true;
}

void Connection::commit() {
  in_transaction_ = false;
  execute("COMMIT");
}

void Connection::rollback() {
  in_transaction_ = false;
  try {
    execute("ROLLBACK");
  } catch (const Failure &) {
    // The transaction ended with the connection.
  }
}

Rows Connection::run(std::string_view sql, const std::vector<Param> &params) {
  if (!in_transaction_) {
    reconnect_if_lost();
  }
  std::vector<const char *> values;
  values.reserve(params.size());
  for (const Param &p : params) {
    values.push_back(p ? p->c_str() : nullptr);
  }
  const std::string statement(sql);
  pg_result *result =
      params.empty() ? PQexec(connection_, statement.c_str())
                     : PQexecParams(connection_, statement.c_str(), static_cast<int>(values.size()),
                                    nullptr, values.data(), nullptr, nullptr, 0);
  Rows rows(result);
  const ExecStatusType status = result == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(result);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    return rows;
  }
  const char *state = result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const std::string_view code = state == nullptr ? std::string_view{} : std::string_view(state);
  const std::string why =
      first_line(result == nullptr ? PQerrorMessage(connection_) : PQresultErrorMessage(result));
  if (code == unique_violation) {
    throw Failure(ErrorCode::already_exists, "PostgreSQL: " + why);
  }
  if (code == serialization_failure || code == deadlock_detected || code.starts_with("08") ||
      code.starts_with("57P") || PQstatus(connection_) == CONNECTION_BAD) {
    throw Failure(ErrorCode::unavailable, "PostgreSQL: " + why);
  }
  throw Failure(ErrorCode::internal, "PostgreSQL: " + why);
}

bool Connection::await_notification(std::chrono::milliseconds timeout) {
  reconnect_if_lost();
  const auto take_all = [this] {
    bool any = false;
    while (PGnotify *notification = PQnotifies(connection_)) {
      PQfreemem(notification);
      any = true;
    }
    return any;
  };
  const int socket = PQsocket(connection_);
  if (PQstatus(connection_) != CONNECTION_OK || socket < 0) {
    std::this_thread::sleep_for(timeout);
    return false;
  }
  if (PQconsumeInput(connection_) != 0 && take_all()) {
    return true;
  }
  pollfd readable{socket, POLLIN, 0};
  if (::poll(&readable, 1, static_cast<int>(timeout.count())) <= 0) {
    return false;
  }
  // Readable with nothing to consume: the server went away, and the next
  // call makes the connection again.
  return PQconsumeInput(connection_) != 0 && take_all();
}

void Connection::execute(std::string_view sql) {
  (void)run(sql);
}

} // namespace pulsemon::pg

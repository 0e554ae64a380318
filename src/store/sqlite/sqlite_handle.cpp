#include "store/sqlite/sqlite_handle.h"

#include <sqlite3.h>

namespace pulsemon::sqlite {

namespace {

ErrorCode code_for(int sqlite_code) {
  switch (sqlite_code & 0xff) {
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
  case SQLITE_CANTOPEN:
  case SQLITE_READONLY:
  case SQLITE_FULL:
  case SQLITE_IOERR:
  case SQLITE_PERM:
    return ErrorCode::unavailable;
  case SQLITE_CONSTRAINT:
    return ErrorCode::already_exists;
  case SQLITE_NOTADB:
  case SQLITE_CORRUPT:
    return ErrorCode::invalid_argument;
  default:
    return ErrorCode::internal;
  }
}

std::string advice_for(int sqlite_code) {
  switch (sqlite_code & 0xff) {
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    return " (another process holds the database; is a pulsemon already running?)";
  case SQLITE_READONLY:
  case SQLITE_PERM:
    return " (check the permissions of the file and its folder)";
  case SQLITE_FULL:
    return " (the disk is full)";
  case SQLITE_NOTADB:
    return " (the file is not a pulsemon database)";
  default:
    return "";
  }
}

// file:PATH?immutable=1, with the characters a URI gives meaning to escaped.
std::string immutable_uri(const std::filesystem::path &path) {
  std::string uri = "file:";
  for (const char c : std::filesystem::absolute(path).string()) {
    if (c == '%' || c == '?' || c == '#' || static_cast<unsigned char>(c) < 0x21) {
      constexpr std::string_view hex = "0123456789ABCDEF";
      const auto byte = static_cast<unsigned char>(c);
      uri += '%';
      uri += hex[byte >> 4U];
      uri += hex[byte & 0xfU];
    } else {
      uri += c;
    }
  }
  return uri + "?immutable=1";
}

} // namespace

void Database::Closer::operator()(sqlite3 *db) const {
  sqlite3_close_v2(db);
}

Database::Database(const std::filesystem::path &path, OpenMode mode) : path_(path) {
  int flags = SQLITE_OPEN_NOMUTEX;
  switch (mode) {
  case OpenMode::read_write_create:
    flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    break;
  case OpenMode::read_write:
    flags |= SQLITE_OPEN_READWRITE;
    break;
  case OpenMode::read_only:
    flags |= SQLITE_OPEN_READONLY;
    break;
  case OpenMode::read_only_immutable:
    flags |= SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
    break;
  }
  if (mode != OpenMode::read_write_create && !std::filesystem::exists(path)) {
    throw Failure(ErrorCode::unavailable,
                  "database " + path.string() + " does not exist; run 'pulsemon init' first");
  }
  const auto folder = path.parent_path();
  if (!folder.empty() && !std::filesystem::is_directory(folder)) {
    throw Failure(ErrorCode::unavailable, "database folder " + folder.string() + " does not exist");
  }
  sqlite3 *raw = nullptr;
  const std::string name =
      mode == OpenMode::read_only_immutable ? immutable_uri(path) : path.string();
  const int rc = sqlite3_open_v2(name.c_str(), &raw, flags, nullptr);
  db_.reset(raw);
  if (rc != SQLITE_OK) {
    fail(rc, "open");
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 5000);
}

void Database::fail(int code, std::string_view what) const {
  std::string detail = db_ ? sqlite3_errmsg(db_.get()) : sqlite3_errstr(code);
  throw Failure(code_for(code), "database " + path_.string() + ": " + std::string(what) +
                                    " failed: " + detail + advice_for(code));
}

void Database::poll_while_busy() {
  // The handler's count is the number of 1 ms polls already made, so no
  // clock is needed to keep to the minute.
  constexpr int polls_in_a_minute = 60'000;
  sqlite3_busy_handler(
      db_.get(),
      [](void *, int polls) {
        if (polls >= polls_in_a_minute) {
          return 0;
        }
        sqlite3_sleep(1);
        return 1;
      },
      nullptr);
}

int Database::extended_error_code() const {
  return sqlite3_extended_errcode(db_.get());
}

void Database::execute(std::string_view sql) {
  char *message = nullptr;
  const std::string text(sql);
  const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    sqlite3_free(message);
    fail(rc, "executing " + text.substr(0, 60));
  }
}

std::int64_t Database::changes() const {
  return sqlite3_changes64(db_.get());
}

std::int64_t Database::total_changes() const {
  return sqlite3_total_changes64(db_.get());
}

void Database::Finalizer::operator()(sqlite3_stmt *statement) const {
  sqlite3_finalize(statement);
}

Database::PreparedStatement Database::take_statement(std::string_view sql) {
  if (const auto idle = idle_.find(sql); idle != idle_.end()) {
    PreparedStatement statement = std::move(idle->second);
    idle_.erase(idle);
    return statement;
  }
  sqlite3_stmt *raw = nullptr;
  const int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  PreparedStatement statement(raw);
  if (rc != SQLITE_OK) {
    fail(rc, "preparing " + std::string(sql.substr(0, 60)));
  }
  return statement;
}

void Database::give_back(std::string_view sql, PreparedStatement statement) {
  // The store's SQL is a fixed set of texts; the bound only guards against
  // a caller that builds SQL on the fly.
  constexpr std::size_t max_idle = 256;
  if (idle_.size() < max_idle) {
    idle_.emplace(std::string(sql), std::move(statement));
  }
}

Statement::Statement(Database &db, std::string_view sql)
    : db_(&db), sql_(sql), statement_(db.take_statement(sql)) {}

Statement::~Statement() {
  if (statement_) {
    sqlite3_reset(statement_.get()); // an error it reports was thrown when it happened
    sqlite3_clear_bindings(statement_.get());
    try {
      db_->give_back(sql_, std::move(statement_));
    } catch (const std::bad_alloc &) {
      // No room to keep it: it is finalised instead.
    }
  }
}

// A statement that was stepped must be reset before new values are bound;
// doing it here lets callers simply bind and step again.
void Statement::rewind_if_used() {
  if (stepped_) {
    sqlite3_reset(statement_.get());
    stepped_ = false;
  }
}

Statement &Statement::bind(int index, std::int64_t value) {
  rewind_if_used();
  const int rc = sqlite3_bind_int64(statement_.get(), index, value);
  if (rc != SQLITE_OK) {
    db_->fail(rc, "binding a parameter");
  }
  return *this;
}

Statement &Statement::bind(int index, double value) {
  rewind_if_used();
  const int rc = sqlite3_bind_double(statement_.get(), index, value);
  if (rc != SQLITE_OK) {
    db_->fail(rc, "binding a parameter");
  }
  return *this;
}

Statement &Statement::bind(int index, std::string_view value) {
  rewind_if_used();
  const int rc = sqlite3_bind_text(statement_.get(), index, value.data(),
                                   static_cast<int>(value.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) {
    db_->fail(rc, "binding a parameter");
  }
  return *this;
}

Statement &Statement::bind_blob(int index, std::string_view bytes) {
  rewind_if_used();
  const int rc =
      sqlite3_bind_blob64(statement_.get(), index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) {
    db_->fail(rc, "binding a parameter");
  }
  return *this;
}

Statement &Statement::bind_null(int index) {
  rewind_if_used();
  const int rc = sqlite3_bind_null(statement_.get(), index);
  if (rc != SQLITE_OK) {
    db_->fail(rc, "binding a parameter");
  }
  return *this;
}

bool Statement::step() {
  stepped_ = true;
  const int rc = sqlite3_step(statement_.get());
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  sqlite3_reset(statement_.get());
  db_->fail(rc, "running a statement");
}

void Statement::run() {
  step();
  reset();
}

void Statement::reset() {
  stepped_ = false;
  sqlite3_reset(statement_.get());
  sqlite3_clear_bindings(statement_.get());
}

std::int64_t Statement::column_int(int index) const {
  return sqlite3_column_int64(statement_.get(), index);
}

double Statement::column_double(int index) const {
  return sqlite3_column_double(statement_.get(), index);
}

std::string Statement::column_text(int index) const {
  const auto *text = sqlite3_column_text(statement_.get(), index);
  if (text == nullptr) {
    return {};
  }
  return {reinterpret_cast<const char *>(text),
          static_cast<std::size_t>(sqlite3_column_bytes(statement_.get(), index))};
}

std::string Statement::column_blob(int index) const {
  const void *bytes = sqlite3_column_blob(statement_.get(), index);
  if (bytes == nullptr) {
    return {};
  }
  return {static_cast<const char *>(bytes),
          static_cast<std::size_t>(sqlite3_column_bytes(statement_.get(), index))};
}

bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(statement_.get(), index) == SQLITE_NULL;
}

int Statement::column_type(int index) const {
  return sqlite3_column_type(statement_.get(), index);
}

// Inside another transaction a savepoint stands in, so that code which
// writes in a transaction of its own can also run as part of a larger one.
Transaction::Transaction(Database &db)
    : db_(db), nested_(sqlite3_get_autocommit(db.handle()) == 0) {
  db_.execute(nested_ ? "SAVEPOINT nested" : "BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  if (!done_) {
    // Rolling back cannot usefully fail here; the connection stays usable.
    sqlite3_exec(db_.handle(), nested_ ? "ROLLBACK TO nested; RELEASE nested" : "ROLLBACK", nullptr,
                 nullptr, nullptr);
  }
}

void Transaction::commit() {
  db_.execute(nested_ ? "RELEASE nested" : "COMMIT");
  done_ = true;
}

// Through cached statements: every API request takes a snapshot.
ReadSnapshot::ReadSnapshot(Database &db) : db_(db) {
  Statement(db_, "BEGIN DEFERRED").run();
}

ReadSnapshot::~ReadSnapshot() {
  try {
    Statement(db_, "COMMIT").run();
  } catch (const Failure &) {
    // Ending a read transaction cannot usefully fail, and a destructor must
    // not throw; should it happen, the next BEGIN reports the state.
  }
}

} // namespace pulsemon::sqlite

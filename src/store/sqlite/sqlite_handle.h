#pragma once
// Move-only owners for SQLite's C handles, and a transaction that rolls back
// unless committed. Every failure becomes a pulsemon::Failure whose message
// names the database file and what SQLite said.

#include "core/result.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace pulsemon::sqlite {

// read_only_immutable: for a file nothing can change while it is open (one
// on read-only media); SQLite then takes no locks and makes no -shm file.
enum class OpenMode { read_write_create, read_write, read_only, read_only_immutable };

// What the database held when it was read: `others` is SQLite's data
// version (commits by other connections), `own` this connection's changes.
struct DataVersion {
  std::int64_t others = -1;
  std::int64_t own = -1;
  friend bool operator==(const DataVersion &, const DataVersion &) = default;
};

class Database {
public:
  // Opens (and with read_write_create creates) the file. Throws Failure:
  // unavailable when the folder is missing or the file cannot be opened.
  Database(const std::filesystem::path &path, OpenMode mode);

  void execute(std::string_view sql); // statements without parameters or results
  [[nodiscard]] std::int64_t changes() const;
  [[nodiscard]] std::int64_t total_changes() const; // by this connection since it opened
  // SQLite's extended result code of the last call that failed.
  [[nodiscard]] int extended_error_code() const;
  [[nodiscard]] sqlite3 *handle() const { return db_.get(); }
  [[nodiscard]] const std::filesystem::path &path() const { return path_; }

  // For a reader of a file another program writes commit after commit (the
  // old logger): SQLite's own busy wait backs off to 100 ms sleeps and can
  // miss every gap between a fast writer's commits, so this polls once a
  // millisecond, for up to a minute, before a read gives up as busy.
  void poll_while_busy();

  // Throws a Failure for an SQLite result code, naming `what` was attempted.
  [[noreturn]] void fail(int code, std::string_view what) const;

  struct Finalizer {
    void operator()(sqlite3_stmt *statement) const;
  };
  using PreparedStatement = std::unique_ptr<sqlite3_stmt, Finalizer>;

  // Prepared statements are kept per SQL text and handed out again (see
  // Statement): parsing and planning costs more than running most of the
  // store's queries, and a request runs several of them.
  [[nodiscard]] PreparedStatement take_statement(std::string_view sql);
  void give_back(std::string_view sql, PreparedStatement statement);

private:
  struct Closer {
    void operator()(sqlite3 *db) const;
  };
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
      return std::hash<std::string_view>{}(text);
    }
  };
  // Declared before the cache, so statements are finalised before the close.
  std::unique_ptr<sqlite3, Closer> db_;
  std::filesystem::path path_;
  std::unordered_multimap<std::string, PreparedStatement, TextHash, std::equal_to<>> idle_;
};

// A prepared statement. Parameters are bound by position (1-based), never
// spliced into SQL text. It comes from the database's cache of prepared
// statements and goes back to it, reset and unbound, when destroyed.
class Statement {
public:
  Statement(Database &db, std::string_view sql);
  ~Statement();
  Statement(Statement &&) noexcept = default;
  Statement &operator=(Statement &&) = delete;
  Statement(const Statement &) = delete;
  Statement &operator=(const Statement &) = delete;

  Statement &bind(int index, std::int64_t value);
  Statement &bind(int index, double value);
  Statement &bind(int index, std::string_view value);
  Statement &bind_null(int index);
  // Bytes as a BLOB (bind(std::string_view) binds TEXT).
  Statement &bind_blob(int index, std::string_view bytes);

  // Steps once: true while a row is available, false when done.
  bool step();
  // Runs a statement that returns no rows, then resets it for reuse.
  void run();
  void reset();

  [[nodiscard]] std::int64_t column_int(int index) const;
  [[nodiscard]] double column_double(int index) const;
  [[nodiscard]] std::string column_text(int index) const;
  [[nodiscard]] std::string column_blob(int index) const;
  [[nodiscard]] bool column_is_null(int index) const;
  // SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB or SQLITE_NULL.
  [[nodiscard]] int column_type(int index) const;

private:
  void rewind_if_used();

  Database *db_;
  std::string sql_;
  Database::PreparedStatement statement_;
  // Stepped since the last reset. SQLite's own sqlite3_stmt_busy() is false
  // once a statement ran to its end, yet binding it then is a misuse.
  bool stepped_ = false;
};

// BEGIN IMMEDIATE on construction (takes the write lock at once, so a writer
// never fails half-way with SQLITE_BUSY); ROLLBACK in the destructor unless
// commit() ran. Inside a transaction already open, a savepoint instead.
class Transaction {
public:
  explicit Transaction(Database &db);
  Transaction(const Transaction &) = delete;
  Transaction &operator=(const Transaction &) = delete;
  ~Transaction();
  void commit();

private:
  Database &db_;
  bool nested_ = false; // a savepoint inside a transaction already open
  bool done_ = false;
};

// A read transaction (BEGIN DEFERRED … COMMIT): the queries inside it see
// one snapshot of the database, and share one WAL read lock instead of
// taking and dropping it once per statement.
class ReadSnapshot {
public:
  explicit ReadSnapshot(Database &db);
  ReadSnapshot(const ReadSnapshot &) = delete;
  ReadSnapshot &operator=(const ReadSnapshot &) = delete;
  ~ReadSnapshot();

private:
  Database &db_;
};

} // namespace pulsemon::sqlite

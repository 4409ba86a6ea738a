#pragma once

// A thin RAII layer over one SQLite connection with a per-connection cache of prepared
// statements. Internal to src/store: the only place that includes <sqlite3.h> in a header.
//
// A Database is not thread-safe: one thread at a time (the committer owns the write connection,
// ReadPool lends read connections out one at a time).

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>

#include "base/result.h"
#include "store/store_error.h"

namespace redoubt::store {

// Maps an SQLite result code to the store's error set: constraint violations on UNIQUE or
// PRIMARY KEY are kExists, on FOREIGN KEY kInUse, everything else (busy, I/O, full, corrupt)
// kTemporary.
StoreError store_error_from_sqlite(int extended_code);

// A prepared statement owned by a Database's cache.
struct CachedStatement {
  sqlite3_stmt* stmt = nullptr;
  bool in_use = false;
};

// One use of a cached prepared statement: bind, step, read columns. Resets the statement and
// clears its bindings when destroyed, so the next use starts clean. Errors are sticky: a failed
// bind or prepare is reported by the next step()/run(). Move-only; must not outlive its Database.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  // Binds parameters ?1, ?2, ... in order. Integers and id enums bind as INTEGER, strings as TEXT.
  template <class... Args>
  Statement& bind(const Args&... args) {
    int index = 0;
    (bind_one(++index, args), ...);
    return *this;
  }

  // Advances to the next row: true if there is one, false when done.
  Result<bool, StoreError> step();

  // Steps until done, ignoring rows (for INSERT/UPDATE/DELETE).
  Result<void, StoreError> run();

  // Columns of the current row, 0-based. REQUIRES: the last step() returned true.
  std::int64_t int64(int column) const;
  std::string text(int column) const;
  bool is_null(int column) const;
  template <class Id>
    requires std::is_enum_v<Id>
  Id id(int column) const {
    return static_cast<Id>(static_cast<std::underlying_type_t<Id>>(int64(column)));
  }

 private:
  friend class Database;
  Statement(CachedStatement* cached, int prepare_error);

  void bind_one(int index, std::int64_t value);
  void bind_one(int index, std::string_view value);
  void bind_one(int index, const std::string& value) { bind_one(index, std::string_view(value)); }
  void bind_one(int index, const char* value) { bind_one(index, std::string_view(value)); }
  void bind_one(int index, std::nullptr_t);
  template <class T>
    requires(std::is_integral_v<T> && !std::is_same_v<T, std::int64_t>)
  void bind_one(int index, T value) {
    bind_one(index, static_cast<std::int64_t>(value));
  }
  template <class T>
    requires std::is_enum_v<T>
  void bind_one(int index, T value) {
    bind_one(index, static_cast<std::int64_t>(value));
  }
  void note(int rc);

  CachedStatement* cached_;  // Null if preparing failed.
  int error_;                // First failing SQLite code, or SQLITE_OK.
};

// One SQLite connection. Non-copyable, non-movable; held by unique_ptr.
class Database {
  struct Key {
    explicit Key() = default;
  };

 public:
  enum class Mode { kReadWrite, kReadOnly };

  // Opens `path` (which must exist) and configures the connection: WAL journal (kReadWrite
  // only), synchronous=FULL so a COMMIT is durable when it returns, busy_timeout 5000 ms,
  // foreign keys on, defensive mode (no writes to the schema through SQL), and for kReadOnly
  // query_only, so a bug cannot write through a read connection. On failure returns a one-line
  // reason.
  static Result<std::unique_ptr<Database>, std::string> open(const std::filesystem::path& path,
                                                             Mode mode);

  // Only open() can construct: Key is private.
  Database(Key, sqlite3* db) : db_(db) {}
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Returns the cached statement for `sql`, preparing it on first use. `sql` is one statement.
  // REQUIRES: no other Statement for the same `sql` is alive.
  Statement prepare(std::string_view sql);

  // Runs one or more statements without caching (BEGIN, COMMIT, PRAGMA, migrations).
  Result<void, StoreError> exec(const char* sql);

  // Rows changed by the last INSERT/UPDATE/DELETE.
  std::int64_t changes() const;

  // True if no transaction is open (after COMMIT, ROLLBACK, or an automatic rollback).
  bool is_autocommit() const;

  // The connection's last error text, for open-time failure reasons only.
  std::string error_message() const;

 private:
  sqlite3* db_;
  // Node-based: pointers to elements stay valid as the map grows, so Statements may hold them.
  std::unordered_map<std::string, CachedStatement> cache_;
};

}  // namespace redoubt::store

#include "store/database.h"

#include "base/check.h"

namespace redoubt::store {

StoreError store_error_from_sqlite(int extended_code) {
  switch (extended_code) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return StoreError::kExists;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return StoreError::kInUse;
    default:
      return StoreError::kTemporary;
  }
}

// ---------------------------------------------------------------------------------------------
// Statement

Statement::Statement(CachedStatement* cached, int prepare_error)
    : cached_(cached), error_(prepare_error) {}

Statement::Statement(Statement&& other) noexcept : cached_(other.cached_), error_(other.error_) {
  other.cached_ = nullptr;
}

Statement::~Statement() {
  if (cached_ == nullptr) return;
  sqlite3_reset(cached_->stmt);
  sqlite3_clear_bindings(cached_->stmt);
  cached_->in_use = false;
}

void Statement::note(int rc) {
  if (rc != SQLITE_OK && error_ == SQLITE_OK) error_ = rc;
}

void Statement::bind_one(int index, std::int64_t value) {
  if (cached_ != nullptr) note(sqlite3_bind_int64(cached_->stmt, index, value));
}

void Statement::bind_one(int index, std::string_view value) {
  // SQLITE_TRANSIENT: SQLite copies, so callers may bind temporaries. A default-constructed
  // string_view has no data pointer, which SQLite would bind as NULL, not as ''.
  const char* data = value.data() != nullptr ? value.data() : "";
  if (cached_ != nullptr) {
    note(sqlite3_bind_text64(cached_->stmt, index, data, value.size(), SQLITE_TRANSIENT,
                             SQLITE_UTF8));
  }
}

void Statement::bind_one(int index, std::nullptr_t) {
  if (cached_ != nullptr) note(sqlite3_bind_null(cached_->stmt, index));
}

Result<bool, StoreError> Statement::step() {
  if (error_ != SQLITE_OK) return unexpected(store_error_from_sqlite(error_));
  const int rc = sqlite3_step(cached_->stmt);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  error_ = rc;
  return unexpected(store_error_from_sqlite(rc));
}

Result<void, StoreError> Statement::run() {
  for (;;) {
    auto row = step();
    if (!row) return unexpected(row.error());
    if (!*row) return {};
  }
}

std::int64_t Statement::int64(int column) const {
  REDOUBT_ASSERT(cached_ != nullptr);
  return sqlite3_column_int64(cached_->stmt, column);
}

std::string Statement::text(int column) const {
  REDOUBT_ASSERT(cached_ != nullptr);
  // Text first, then its length: that order is the one SQLite documents as safe.
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(cached_->stmt, column));
  const int size = sqlite3_column_bytes(cached_->stmt, column);
  if (data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(size));
}

bool Statement::is_null(int column) const {
  REDOUBT_ASSERT(cached_ != nullptr);
  return sqlite3_column_type(cached_->stmt, column) == SQLITE_NULL;
}

// ---------------------------------------------------------------------------------------------
// Database

Result<std::unique_ptr<Database>, std::string> Database::open(const std::filesystem::path& path,
                                                              Mode mode) {
  sqlite3* raw = nullptr;
  // NOMUTEX: we serialize use of each connection ourselves. No SQLITE_OPEN_CREATE: Store::open
  // creates the file with restrictive permissions first.
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  auto db = std::make_unique<Database>(Key{}, raw);
  if (rc != SQLITE_OK) {
    return unexpected("cannot open " + path.string() + ": " +
                      (raw != nullptr ? db->error_message() : std::string(sqlite3_errstr(rc))));
  }
  sqlite3_extended_result_codes(raw, 1);
  // Defensive mode: SQL cannot corrupt the file (writable_schema, page-level tricks) even if a
  // bug ever let crafted SQL through. trusted_schema=OFF: triggers and views run no functions
  // with side effects.
  sqlite3_db_config(raw, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(raw, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  // Several processes (server, admin CLI) share the file; a writer waits for the other's short
  // transaction instead of failing.
  sqlite3_busy_timeout(raw, 5000);

  const char* pragmas = mode == Mode::kReadWrite ? "PRAGMA foreign_keys=ON;"
                                                   "PRAGMA synchronous=FULL;"
                                                 : "PRAGMA foreign_keys=ON;"
                                                   "PRAGMA query_only=ON;";
  if (!db->exec(pragmas)) {
    return unexpected("cannot configure " + path.string() + ": " + db->error_message());
  }
  if (mode == Mode::kReadWrite) {
    // WAL: readers never block the writer or each other, and a commit costs one fsync of the
    // log. The mode is persistent in the file; asking again is a no-op.
    Statement st = db->prepare("PRAGMA journal_mode=WAL");
    auto row = st.step();
    if (!row || !*row || st.text(0) != "wal") {
      return unexpected("cannot switch " + path.string() + " to WAL mode: " + db->error_message());
    }
  }
  return db;
}

Database::~Database() {
  for (auto& [sql, cached] : cache_) {
    REDOUBT_CHECK(!cached.in_use);
    sqlite3_finalize(cached.stmt);
  }
  sqlite3_close_v2(db_);
}

Statement Database::prepare(std::string_view sql) {
  auto [it, inserted] = cache_.try_emplace(std::string(sql));
  CachedStatement& cached = it->second;
  if (cached.stmt == nullptr) {
    // PERSISTENT: these statements live as long as the connection.
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &cached.stmt, nullptr);
    if (rc != SQLITE_OK || cached.stmt == nullptr) {
      // Our SQL is fixed text, so a syntax error here is a bug; a busy or I/O error is not.
      REDOUBT_ASSERT((rc & 0xff) != SQLITE_ERROR);
      sqlite3_finalize(cached.stmt);
      cache_.erase(it);
      return Statement(nullptr, rc != SQLITE_OK ? rc : SQLITE_MISUSE);
    }
  }
  REDOUBT_CHECK(!cached.in_use);
  cached.in_use = true;
  return Statement(&cached, SQLITE_OK);
}

Result<void, StoreError> Database::exec(const char* sql) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return unexpected(store_error_from_sqlite(rc));
  return {};
}

std::int64_t Database::changes() const { return sqlite3_changes64(db_); }

bool Database::is_autocommit() const { return sqlite3_get_autocommit(db_) != 0; }

std::string Database::error_message() const { return sqlite3_errmsg(db_); }

}  // namespace redoubt::store

#pragma once

// The metadata database's schema and its versioned migrations. Internal to src/store.

#include <string>

#include "base/result.h"
#include "store/database.h"

namespace redoubt::store {

// The schema version this binary writes (PRAGMA user_version after migrate()).
int latest_schema_version();

// Brings the database to latest_schema_version(), one migration per transaction, each taken with
// BEGIN IMMEDIATE so two processes opening a new data folder at once cannot both apply it.
// Idempotent: a current database is left as it is. Fails, with a one-line reason, if a migration
// fails (its transaction is rolled back) or if the database is newer than this binary (running an
// older binary against it could lose data).
// REQUIRES: `db` is a read-write connection with no open transaction.
Result<void, std::string> migrate(Database& db);

// migrate(), stopping at `version` (at most latest_schema_version()). For tests that build a
// database as an older program left it.
Result<void, std::string> migrate_to(Database& db, int version);

// The database's PRAGMA user_version.
Result<int, StoreError> read_schema_version(Database& db);

}  // namespace redoubt::store

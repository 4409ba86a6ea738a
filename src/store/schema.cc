#include "store/schema.h"

#include <span>

namespace redoubt::store {
namespace {

struct Migration {
  int version;
  const char* sql;
};

// Append new migrations; never edit one that has shipped. Conventions:
//   - Addresses and domain names are stored normalized (store/address.h), so equality is `=`.
//   - Times are unix seconds (INTEGER).
//   - Every lookup and every foreign key has an index (a foreign key without one makes each
//     parent DELETE scan the child table).
constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE domains (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

-- No ON DELETE CASCADE from domains: removing a domain that still has accounts or aliases is
-- refused (kInUse), never a silent mass deletion.
CREATE TABLE accounts (
  id            INTEGER PRIMARY KEY,
  domain_id     INTEGER NOT NULL REFERENCES domains (id),
  address       TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  quota_bytes   INTEGER NOT NULL DEFAULT 0  -- 0: no limit
);
CREATE INDEX accounts_by_domain ON accounts (domain_id);

-- address is "local@domain", or "@domain" for the domain's catch-all; domain_id is its domain.
-- target is the normalized address of an account or of another alias.
CREATE TABLE aliases (
  id        INTEGER PRIMARY KEY,
  domain_id INTEGER NOT NULL REFERENCES domains (id),
  address   TEXT NOT NULL,
  target    TEXT NOT NULL,
  UNIQUE (address, target)
);
CREATE INDEX aliases_by_target ON aliases (target);
CREATE INDEX aliases_by_domain ON aliases (domain_id);

-- RFC 9051 §2.3.1.1 (UIDVALIDITY, UIDNEXT) and RFC 7162 §3.1.1 (HIGHESTMODSEQ). uid_next and
-- highest_modseq only grow. special_use is an RFC 6154 attribute such as '\Sent', or ''.
CREATE TABLE mailboxes (
  id             INTEGER PRIMARY KEY,
  account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  name           TEXT NOT NULL,
  special_use    TEXT NOT NULL DEFAULT '',
  uid_validity   INTEGER NOT NULL,
  uid_next       INTEGER NOT NULL DEFAULT 1,
  highest_modseq INTEGER NOT NULL DEFAULT 1,
  subscribed     INTEGER NOT NULL DEFAULT 1,
  UNIQUE (account_id, name)
);

-- One row per stored body (store/blob_store.h). refcount counts the messages rows that use it;
-- a garbage collector may delete blobs whose count is 0 (after a grace period, since a delivery
-- may be about to reference a blob that was just written).
CREATE TABLE blobs (
  hash     TEXT PRIMARY KEY,
  size     INTEGER NOT NULL,
  refcount INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- flags: bitmask of system flags (store/message_flags.h). keywords: IMAP keywords separated by
-- single spaces (RFC 9051 §2.3.2: keywords are atoms, which contain no space).
CREATE TABLE messages (
  id            INTEGER PRIMARY KEY,
  mailbox_id    INTEGER NOT NULL REFERENCES mailboxes (id) ON DELETE CASCADE,
  uid           INTEGER NOT NULL,
  modseq        INTEGER NOT NULL,
  flags         INTEGER NOT NULL DEFAULT 0,
  keywords      TEXT NOT NULL DEFAULT '',
  internal_date INTEGER NOT NULL,
  size          INTEGER NOT NULL,
  blob_hash     TEXT NOT NULL REFERENCES blobs (hash),
  UNIQUE (mailbox_id, uid)
);
CREATE INDEX messages_by_blob ON messages (blob_hash);

-- Every way a message row goes away (expunge, or the cascade from a removed account) releases
-- its blob, so refcount cannot drift from the truth.
CREATE TRIGGER messages_release_blob AFTER DELETE ON messages BEGIN
  UPDATE blobs SET refcount = refcount - 1 WHERE hash = OLD.blob_hash;
END;

-- Named counters that must outlive the rows they number. 'uid_validity' is the last UIDVALIDITY
-- handed out: RFC 9051 §2.3.1.1 forbids reusing a (mailbox name, UIDVALIDITY) pair, which a
-- plain clock could do when an account is removed and created again within a second.
CREATE TABLE counters (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters (name, value) VALUES ('uid_validity', 0);
)sql"},
};

// Applies `migration` unless another connection already did, in one transaction.
Result<void, std::string> apply(Database& db, const Migration& migration) {
  const std::string where = "schema migration " + std::to_string(migration.version);
  if (!db.exec("BEGIN IMMEDIATE")) return unexpected(where + ": " + db.error_message());
  auto fail = [&]() -> Result<void, std::string> {
    std::string reason = where + ": " + db.error_message();
    (void)db.exec("ROLLBACK");
    return unexpected(std::move(reason));
  };
  auto version = read_schema_version(db);
  if (!version) return fail();
  if (*version >= migration.version) {
    (void)db.exec("ROLLBACK");
    return {};
  }
  if (!db.exec(migration.sql)) return fail();
  const std::string set_version = "PRAGMA user_version = " + std::to_string(migration.version);
  if (!db.exec(set_version.c_str())) return fail();
  if (!db.exec("COMMIT")) return fail();
  return {};
}

}  // namespace

int latest_schema_version() { return std::span(kMigrations).back().version; }

Result<int, StoreError> read_schema_version(Database& db) {
  Statement st = db.prepare("PRAGMA user_version");
  auto row = st.step();
  if (!row) return unexpected(row.error());
  if (!*row) return unexpected(StoreError::kTemporary);
  return static_cast<int>(st.int64(0));
}

Result<void, std::string> migrate(Database& db) {
  auto version = read_schema_version(db);
  if (!version) return unexpected("cannot read schema version: " + db.error_message());
  if (*version > latest_schema_version()) {
    return unexpected("database schema version " + std::to_string(*version) +
                      " is newer than this program's (" + std::to_string(latest_schema_version()) +
                      "); upgrade redoubt");
  }
  for (const Migration& migration : kMigrations) {
    if (migration.version <= *version) continue;
    if (auto applied = apply(db, migration); !applied) return applied;
  }
  return {};
}

}  // namespace redoubt::store

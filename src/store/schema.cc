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
    {2, R"sql(
-- RFC 9051 §6.3.7: subscriptions are names, kept when the mailbox is deleted and possible for
-- names that do not exist, so they cannot live on the mailboxes row. mailboxes.subscribed is
-- copied here once and then unused (left in place: nothing reads or writes it any more).
CREATE TABLE subscriptions (
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  PRIMARY KEY (account_id, name)
) WITHOUT ROWID;
INSERT INTO subscriptions (account_id, name)
  SELECT account_id, name FROM mailboxes WHERE subscribed != 0;

-- The UIDs removed from each mailbox, with the MODSEQ of their removal, so that changes_since
-- can report them (RFC 7162 §3.2.5.2 QRESYNC VANISHED). Deleting a mailbox drops its log: its
-- UIDVALIDITY is gone with it.
CREATE TABLE expunged (
  mailbox_id INTEGER NOT NULL REFERENCES mailboxes (id) ON DELETE CASCADE,
  uid        INTEGER NOT NULL,
  modseq     INTEGER NOT NULL
);
CREATE INDEX expunged_by_modseq ON expunged (mailbox_id, modseq);
CREATE INDEX messages_by_modseq ON messages (mailbox_id, modseq);

-- An account's storage use, kept by the triggers below so that a quota check (every APPEND,
-- COPY and delivery) reads one row instead of summing every message.
ALTER TABLE accounts ADD COLUMN used_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN message_count INTEGER NOT NULL DEFAULT 0;
UPDATE accounts SET
  used_bytes = (SELECT coalesce(sum(m.size), 0) FROM messages m
                JOIN mailboxes b ON b.id = m.mailbox_id WHERE b.account_id = accounts.id),
  message_count = (SELECT count(*) FROM messages m
                   JOIN mailboxes b ON b.id = m.mailbox_id WHERE b.account_id = accounts.id);

-- Messages never move between accounts (copy_messages refuses it), so INSERT and DELETE are the
-- only changes to count. The account is found through the mailbox row.
CREATE TRIGGER messages_count_insert AFTER INSERT ON messages BEGIN
  UPDATE accounts SET used_bytes = used_bytes + NEW.size, message_count = message_count + 1
  WHERE id = (SELECT account_id FROM mailboxes WHERE id = NEW.mailbox_id);
END;

-- SQLite deletes a parent row before running its ON DELETE CASCADE actions. So when a mailbox
-- goes, its messages' rows are deleted after it, and this trigger finds no mailbox and changes
-- nothing: mailboxes_release_usage has already subtracted them. When an account goes, neither
-- finds the account row: the UPDATEs match nothing, which is not an error.
CREATE TRIGGER messages_count_delete AFTER DELETE ON messages BEGIN
  UPDATE accounts SET used_bytes = used_bytes - OLD.size, message_count = message_count - 1
  WHERE id = (SELECT account_id FROM mailboxes WHERE id = OLD.mailbox_id);
END;
CREATE TRIGGER mailboxes_release_usage BEFORE DELETE ON mailboxes BEGIN
  UPDATE accounts SET
    used_bytes = used_bytes -
                 (SELECT coalesce(sum(size), 0) FROM messages WHERE mailbox_id = OLD.id),
    message_count = message_count - (SELECT count(*) FROM messages WHERE mailbox_id = OLD.id)
  WHERE id = OLD.account_id;
END;
)sql"},
    {3, R"sql(
-- SCRAM-SHA-256 credentials (RFC 5802, RFC 7677) as auth/scram.h formats them
-- ("SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>"), set with the password hash from
-- the same password. '' for accounts whose password was set before this version: they cannot
-- use SCRAM until their password is set again (the server never sees the password otherwise).
ALTER TABLE accounts ADD COLUMN scram_sha256 TEXT NOT NULL DEFAULT '';
)sql"},
    {4, R"sql(
-- What IMAP answers for FETCH ENVELOPE, BODY and BODYSTRUCTURE of a body (store::MessageSummary),
-- saved when a message first references the body. version names the code that computed the
-- row; a reader that wants another version computes the answer from the body instead. Bodies
-- stored before this version have no row and are parsed at each FETCH, as before.
CREATE TABLE blob_summaries (
  hash           TEXT PRIMARY KEY REFERENCES blobs (hash) ON DELETE CASCADE,
  version        INTEGER NOT NULL,
  envelope       TEXT NOT NULL,
  body           TEXT NOT NULL,
  body_structure TEXT NOT NULL
) WITHOUT ROWID;
)sql"},
    {5, R"sql(
-- The expunge log is pruned after a retention period (Store::collect_garbage): `at` is when each
-- row was written (unix seconds); rows from before this version count from the upgrade.
-- mailboxes.expunged_horizon is the highest MODSEQ of the rows pruned from the mailbox's log:
-- changes_since below it cannot list every expunge (RFC 7162 §3.2.5.2 lets QRESYNC fall back to
-- reporting every UID that does not exist now).
ALTER TABLE expunged ADD COLUMN at INTEGER NOT NULL DEFAULT 0;
UPDATE expunged SET at = CAST(strftime('%s', 'now') AS INTEGER);
CREATE INDEX expunged_by_time ON expunged (at);
ALTER TABLE mailboxes ADD COLUMN expunged_horizon INTEGER NOT NULL DEFAULT 0;
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

Result<void, std::string> migrate(Database& db) { return migrate_to(db, latest_schema_version()); }

Result<void, std::string> migrate_to(Database& db, int target_version) {
  auto version = read_schema_version(db);
  if (!version) return unexpected("cannot read schema version: " + db.error_message());
  if (*version > latest_schema_version()) {
    return unexpected("database schema version " + std::to_string(*version) +
                      " is newer than this program's (" + std::to_string(latest_schema_version()) +
                      "); upgrade redoubt");
  }
  for (const Migration& migration : kMigrations) {
    if (migration.version <= *version || migration.version > target_version) continue;
    if (auto applied = apply(db, migration); !applied) return applied;
  }
  return {};
}

}  // namespace redoubt::store

// Store: domains, accounts and aliases.

#include <string>

#include "store/address.h"
#include "store/committer.h"
#include "store/database.h"
#include "store/directory_queries.h"
#include "store/mailbox_queries.h"
#include "store/read_pool.h"
#include "store/store.h"
#include "store/store_try.h"

namespace redoubt::store {
namespace {

// Created with every account. RFC 6154 §2 attributes let clients find them in any language;
// INBOX is special by name (RFC 9051 §5.1).
struct StandardMailbox {
  const char* name;
  const char* special_use;
};
constexpr StandardMailbox kStandardMailboxes[] = {
    {"INBOX", ""},        {"Sent", "\\Sent"}, {"Drafts", "\\Drafts"},
    {"Trash", "\\Trash"}, {"Junk", "\\Junk"}, {"Archive", "\\Archive"},
};

}  // namespace

// --- Domains ---------------------------------------------------------------------------------

Result<DomainId, StoreError> Store::add_domain(std::string_view name) {
  auto domain = normalize_domain(name);
  if (!domain) return unexpected(domain.error());
  return writes_->write([&](Database& db) -> Result<DomainId, StoreError> {
    Statement st = db.prepare("INSERT INTO domains (name) VALUES (?1) RETURNING id");
    st.bind(*domain);
    auto row = st.step();  // A taken name fails here with kExists (UNIQUE).
    if (!row) return unexpected(row.error());
    if (!*row) return unexpected(StoreError::kTemporary);
    const auto id = st.id<DomainId>(0);
    if (auto done = st.run(); !done) return unexpected(done.error());
    return id;
  });
}

Result<void, StoreError> Store::remove_domain(std::string_view name) {
  auto domain = normalize_domain(name);
  if (!domain) return unexpected(domain.error());
  return writes_->write([&](Database& db) -> Result<void, StoreError> {
    STORE_TRY(id, find_domain_id(db, *domain));
    if (!*id) return unexpected(StoreError::kNotFound);
    Statement used = db.prepare(
        "SELECT EXISTS (SELECT 1 FROM accounts WHERE domain_id = ?1) "
        "    OR EXISTS (SELECT 1 FROM aliases WHERE domain_id = ?1)");
    used.bind(**id);
    STORE_TRY(row, used.step());
    if (!*row) return unexpected(StoreError::kTemporary);
    if (used.int64(0) != 0) return unexpected(StoreError::kInUse);
    Statement remove = db.prepare("DELETE FROM domains WHERE id = ?1");
    remove.bind(**id);
    return remove.run();
  });
}

Result<std::vector<DomainInfo>, StoreError> Store::list_domains() {
  return reads_->read([](Database& db) -> Result<std::vector<DomainInfo>, StoreError> {
    Statement st = db.prepare("SELECT id, name FROM domains ORDER BY name");
    std::vector<DomainInfo> domains;
    for (;;) {
      STORE_TRY(row, st.step());
      if (!*row) return domains;
      domains.push_back(DomainInfo{st.id<DomainId>(0), st.text(1)});
    }
  });
}

Result<bool, StoreError> Store::is_local_domain(std::string_view name) {
  auto domain = normalize_domain(name);
  if (!domain) return unexpected(domain.error());
  return reads_->read([&](Database& db) -> Result<bool, StoreError> {
    STORE_TRY(id, find_domain_id(db, *domain));
    return id->has_value();
  });
}

// --- Accounts --------------------------------------------------------------------------------

Result<AccountId, StoreError> Store::add_account(std::string_view address,
                                                 std::string_view password_hash,
                                                 std::string_view scram_sha256) {
  auto normalized = normalize_address(address);
  if (!normalized) return unexpected(normalized.error());
  return writes_->write([&](Database& db) -> Result<AccountId, StoreError> {
    STORE_TRY(domain, find_domain_id(db, domain_of(*normalized)));
    if (!*domain) return unexpected(StoreError::kNotFound);
    // An alias of the same name would never be used again (accounts win in resolve_recipient):
    // refuse rather than shadow it silently.
    STORE_TRY(aliased, is_alias(db, *normalized));
    if (*aliased) return unexpected(StoreError::kExists);

    Statement insert = db.prepare(
        "INSERT INTO accounts (domain_id, address, password_hash, created_at, scram_sha256) "
        "VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id");
    insert.bind(**domain, *normalized, password_hash, unix_now(), scram_sha256);
    STORE_TRY(row, insert.step());  // A taken address fails here with kExists (UNIQUE).
    if (!*row) return unexpected(StoreError::kTemporary);
    const auto account = insert.id<AccountId>(0);
    if (auto done = insert.run(); !done) return unexpected(done.error());

    for (const StandardMailbox& mailbox : kStandardMailboxes) {
      STORE_TRY(created, insert_mailbox(db, account, mailbox.name, mailbox.special_use));
      if (auto subscribed = subscribe(db, account, mailbox.name); !subscribed) {
        return unexpected(subscribed.error());
      }
    }
    return account;
  });
}

Result<void, StoreError> Store::set_password(std::string_view address,
                                             std::string_view password_hash,
                                             std::string_view scram_sha256) {
  auto normalized = normalize_address(address);
  if (!normalized) return unexpected(normalized.error());
  return writes_->write([&](Database& db) -> Result<void, StoreError> {
    Statement st = db.prepare(
        "UPDATE accounts SET password_hash = ?2, scram_sha256 = ?3 WHERE address = ?1");
    st.bind(*normalized, password_hash, scram_sha256);
    if (auto done = st.run(); !done) return done;
    if (db.changes() == 0) return unexpected(StoreError::kNotFound);
    return {};
  });
}

Result<void, StoreError> Store::remove_account(std::string_view address) {
  auto normalized = normalize_address(address);
  if (!normalized) return unexpected(normalized.error());
  return writes_->write([&](Database& db) -> Result<void, StoreError> {
    STORE_TRY(account, find_account_id(db, *normalized));
    if (!*account) return unexpected(StoreError::kNotFound);
    // Aliases pointing here would otherwise dangle, and a new account that later takes the
    // address would silently inherit their mail.
    Statement unalias = db.prepare("DELETE FROM aliases WHERE target = ?1");
    unalias.bind(*normalized);
    if (auto done = unalias.run(); !done) return done;
    // Mailboxes and messages go by ON DELETE CASCADE; the messages_release_blob trigger
    // decrements the blobs' reference counts.
    Statement remove = db.prepare("DELETE FROM accounts WHERE id = ?1");
    remove.bind(**account);
    return remove.run();
  });
}

Result<std::vector<AccountInfo>, StoreError> Store::list_accounts(
    std::optional<std::string_view> domain) {
  std::optional<std::string> domain_name;
  if (domain) {
    auto normalized = normalize_domain(*domain);
    if (!normalized) return unexpected(normalized.error());
    domain_name = std::move(*normalized);
  }
  return reads_->read([&](Database& db) -> Result<std::vector<AccountInfo>, StoreError> {
    std::optional<DomainId> domain_id;
    if (domain_name) {
      STORE_TRY(id, find_domain_id(db, *domain_name));
      if (!*id) return unexpected(StoreError::kNotFound);
      domain_id = **id;
    }
    Statement st = domain_id ? db.prepare(
                                   "SELECT id, address FROM accounts WHERE domain_id = ?1 "
                                   "ORDER BY address")
                             : db.prepare("SELECT id, address FROM accounts ORDER BY address");
    if (domain_id) st.bind(*domain_id);
    std::vector<AccountInfo> accounts;
    for (;;) {
      STORE_TRY(row, st.step());
      if (!*row) return accounts;
      accounts.push_back(AccountInfo{st.id<AccountId>(0), st.text(1), {}});
    }
  });
}

Result<AccountInfo, StoreError> Store::find_account(std::string_view address) {
  auto normalized = normalize_address(address);
  if (!normalized) return unexpected(normalized.error());
  return reads_->read([&](Database& db) -> Result<AccountInfo, StoreError> {
    Statement st = db.prepare(
        "SELECT id, address, password_hash, scram_sha256 FROM accounts WHERE address = ?1");
    st.bind(*normalized);
    STORE_TRY(row, st.step());
    if (!*row) return unexpected(StoreError::kNotFound);
    return AccountInfo{st.id<AccountId>(0), st.text(1), st.text(2), st.text(3)};
  });
}

// --- Aliases ---------------------------------------------------------------------------------

Result<void, StoreError> Store::add_alias(std::string_view address, std::string_view target) {
  auto source = normalize_alias_address(address);
  if (!source) return unexpected(source.error());
  auto destination = normalize_address(target);  // A catch-all is no target: kInvalid.
  if (!destination) return unexpected(destination.error());
  if (*source == *destination) return unexpected(StoreError::kInvalid);
  return writes_->write([&](Database& db) -> Result<void, StoreError> {
    STORE_TRY(domain, find_domain_id(db, domain_of(*source)));
    if (!*domain) return unexpected(StoreError::kNotFound);
    STORE_TRY(target_domain, find_domain_id(db, domain_of(*destination)));
    // Mail to a remote target would have to be relayed, which the store cannot queue yet.
    if (!*target_domain) return unexpected(StoreError::kInvalid);
    STORE_TRY(target_account, find_account_id(db, *destination));
    if (!*target_account) {
      STORE_TRY(target_alias, is_alias(db, *destination));
      if (!*target_alias) return unexpected(StoreError::kNotFound);
    }
    STORE_TRY(shadowed, find_account_id(db, *source));
    if (*shadowed) return unexpected(StoreError::kExists);

    Statement insert =
        db.prepare("INSERT INTO aliases (domain_id, address, target) VALUES (?1, ?2, ?3)");
    insert.bind(**domain, *source, *destination);
    return insert.run();  // An existing mapping fails here with kExists (UNIQUE).
  });
}

Result<void, StoreError> Store::remove_alias(std::string_view address,
                                             std::optional<std::string_view> target) {
  auto source = normalize_alias_address(address);
  if (!source) return unexpected(source.error());
  std::optional<std::string> destination;
  if (target) {
    auto normalized = normalize_address(*target);
    if (!normalized) return unexpected(normalized.error());
    destination = std::move(*normalized);
  }
  return writes_->write([&](Database& db) -> Result<void, StoreError> {
    Statement st = destination
                       ? db.prepare("DELETE FROM aliases WHERE address = ?1 AND target = ?2")
                       : db.prepare("DELETE FROM aliases WHERE address = ?1");
    if (destination) {
      st.bind(*source, *destination);
    } else {
      st.bind(*source);
    }
    if (auto done = st.run(); !done) return done;
    if (db.changes() == 0) return unexpected(StoreError::kNotFound);
    return {};
  });
}

Result<std::vector<AliasInfo>, StoreError> Store::list_aliases() {
  return reads_->read([](Database& db) -> Result<std::vector<AliasInfo>, StoreError> {
    Statement st = db.prepare("SELECT address, target FROM aliases ORDER BY address, target");
    std::vector<AliasInfo> aliases;
    for (;;) {
      STORE_TRY(row, st.step());
      if (!*row) return aliases;
      aliases.push_back(AliasInfo{st.text(0), st.text(1)});
    }
  });
}

}  // namespace redoubt::store

// Store: creating, deleting and renaming mailboxes; subscriptions.

#include <set>

#include "store/committer.h"
#include "store/database.h"
#include "store/mailbox_name.h"
#include "store/mailbox_queries.h"
#include "store/message_transfer.h"
#include "store/store.h"
#include "store/store_try.h"

namespace redoubt::store {
namespace {

// Enough for any real hierarchy; the bound keeps one account from growing LIST without end.
constexpr std::int64_t kMaxMailboxes = 10'000;

Result<void, StoreError> require_account(Database& db, AccountId account) {
  STORE_TRY(exists, account_exists(db, account));
  if (!*exists) return unexpected(StoreError::kNotFound);
  return {};
}

Result<void, StoreError> require_mailbox_room(Database& db, AccountId account) {
  Statement st = db.prepare("SELECT count(*) FROM mailboxes WHERE account_id = ?1");
  st.bind(account);
  STORE_TRY(row, st.step());
  if (!*row) return unexpected(StoreError::kTemporary);
  if (st.int64(0) >= kMaxMailboxes) return unexpected(StoreError::kOverQuota);
  return {};
}

Result<void, StoreError> unsubscribe(Database& db, AccountId account, std::string_view name) {
  Statement st = db.prepare("DELETE FROM subscriptions WHERE account_id = ?1 AND name = ?2");
  st.bind(account, name);
  return st.run();
}

Result<bool, StoreError> is_subscribed(Database& db, AccountId account, std::string_view name) {
  Statement st = db.prepare("SELECT 1 FROM subscriptions WHERE account_id = ?1 AND name = ?2");
  st.bind(account, name);
  return st.step();
}

// A subscription to a renamed mailbox follows it (as in Dovecot and Cyrus): the client asked for
// the mailbox, not for the old name.
Result<void, StoreError> move_subscription(Database& db, AccountId account,
                                           std::string_view from, std::string_view to) {
  STORE_TRY(subscribed, is_subscribed(db, account, from));
  if (!*subscribed) return {};
  if (auto removed = unsubscribe(db, account, from); !removed) return removed;
  return subscribe(db, account, to);
}

struct Renaming {
  MailboxId id;
  std::string from;
  std::string to;
};

// `from` and its children with their new names. kExists if a new name is taken; kInvalid if one
// grows too long. Names inside the renamed set count as taken too, which refuses a few renames
// that could be done in some order, but never half-does one.
Result<std::vector<Renaming>, StoreError> plan_rename(const std::vector<MailboxInfo>& mailboxes,
                                                      std::string_view from,
                                                      std::string_view to) {
  std::set<std::string, std::less<>> taken;
  std::vector<Renaming> plan;
  for (const MailboxInfo& mailbox : mailboxes) {
    taken.insert(mailbox.name);
    if (mailbox.name == from || is_below(mailbox.name, from)) {
      std::string renamed = std::string(to) + mailbox.name.substr(from.size());
      plan.push_back(Renaming{mailbox.id, mailbox.name, std::move(renamed)});
    }
  }
  for (const Renaming& renaming : plan) {
    if (!is_valid_mailbox_name(renaming.to)) return unexpected(StoreError::kInvalid);
    if (taken.contains(renaming.to) || is_inbox(renaming.to)) {
      return unexpected(StoreError::kExists);
    }
  }
  return plan;
}

Result<void, StoreError> rename_one(Database& db, AccountId account, const Renaming& renaming) {
  Statement st = db.prepare("UPDATE mailboxes SET name = ?2 WHERE id = ?1");
  st.bind(renaming.id, renaming.to);
  if (auto done = st.run(); !done) return done;
  return move_subscription(db, account, renaming.from, renaming.to);
}

// RFC 9051 §6.3.6: renaming INBOX moves its messages to a new mailbox and leaves INBOX, and its
// children, where they are. The new mailbox gets a fresh UIDVALIDITY, so the messages get new
// UIDs; INBOX logs them as expunged.
Result<void, StoreError> rename_inbox(Database& db, AccountId account, std::string_view to,
                                      std::vector<MailboxChange>& changes) {
  STORE_TRY(inbox, find_mailbox_row(db, account, kInbox));
  if (!*inbox) return unexpected(StoreError::kNotFound);
  if (is_inbox(to)) return unexpected(StoreError::kExists);
  if (auto room = require_mailbox_room(db, account); !room) return room;
  STORE_TRY(target, insert_mailbox(db, account, to, ""));
  if (auto subscribed = subscribe(db, account, to); !subscribed) return subscribed;

  STORE_TRY(messages, mailbox_messages(db, (*inbox)->info.id));
  STORE_TRY(moved, transfer_messages(db, (*inbox)->info.id, *messages, target->id, true));
  changes.push_back(MailboxChange{account, (*inbox)->info.id});
  changes.push_back(MailboxChange{account, target->id});
  return {};
}

Result<void, StoreError> rename_tree(Database& db, AccountId account, std::string_view from,
                                     std::string_view to, std::vector<MailboxChange>& changes) {
  STORE_TRY(source, find_mailbox_row(db, account, from));
  if (!*source) return unexpected(StoreError::kNotFound);
  if (is_below(to, from)) return unexpected(StoreError::kInvalid);
  STORE_TRY(mailboxes, account_mailboxes(db, account));
  STORE_TRY(plan, plan_rename(*mailboxes, from, to));
  for (const Renaming& renaming : *plan) {
    if (auto renamed = rename_one(db, account, renaming); !renamed) return renamed;
    changes.push_back(MailboxChange{account, renaming.id});
  }
  return {};
}

}  // namespace

Result<MailboxInfo, StoreError> Store::create_mailbox(AccountId account, std::string_view name,
                                                      std::string_view special_use) {
  if (!is_valid_mailbox_name(name)) return unexpected(StoreError::kInvalid);
  const std::optional<std::string_view> attribute = canonical_special_use(special_use);
  if (!attribute) return unexpected(StoreError::kInvalid);
  return writes_->write_changes([&](Database& db, std::vector<MailboxChange>& changes)
                                    -> Result<MailboxInfo, StoreError> {
    if (auto found = require_account(db, account); !found) return unexpected(found.error());
    if (is_inbox(name)) return unexpected(StoreError::kExists);  // INBOX always exists.
    if (auto room = require_mailbox_room(db, account); !room) return unexpected(room.error());
    STORE_TRY(created, insert_mailbox(db, account, name, *attribute));
    if (auto subscribed = subscribe(db, account, name); !subscribed) {
      return unexpected(subscribed.error());
    }
    changes.push_back(MailboxChange{account, created->id});
    return std::move(*created);
  });
}

Result<void, StoreError> Store::delete_mailbox(AccountId account, std::string_view name) {
  if (is_inbox(name)) return unexpected(StoreError::kInvalid);  // RFC 9051 §6.3.5
  return writes_->write_changes(
      [&](Database& db, std::vector<MailboxChange>& changes) -> Result<void, StoreError> {
        STORE_TRY(found, find_mailbox_row(db, account, name));
        if (!*found) return unexpected(StoreError::kNotFound);
        // Messages and expunge log go by ON DELETE CASCADE; triggers release the blobs and the
        // account's usage (schema.cc). Subscriptions are names and stay (RFC 9051 §6.3.7).
        Statement st = db.prepare("DELETE FROM mailboxes WHERE id = ?1");
        st.bind((*found)->info.id);
        if (auto done = st.run(); !done) return done;
        changes.push_back(MailboxChange{account, (*found)->info.id});
        return {};
      });
}

Result<void, StoreError> Store::rename_mailbox(AccountId account, std::string_view from,
                                               std::string_view to) {
  if (!is_valid_mailbox_name(to)) return unexpected(StoreError::kInvalid);
  return writes_->write_changes(
      [&](Database& db, std::vector<MailboxChange>& changes) -> Result<void, StoreError> {
        if (is_inbox(from)) return rename_inbox(db, account, to, changes);
        return rename_tree(db, account, from, to, changes);
      });
}

Result<void, StoreError> Store::set_subscribed(AccountId account, std::string_view name,
                                               bool subscribed) {
  if (!is_valid_mailbox_name(name)) return unexpected(StoreError::kInvalid);
  const std::string canonical = canonical_mailbox_name(name);
  return writes_->write([&](Database& db) -> Result<void, StoreError> {
    if (auto found = require_account(db, account); !found) return found;
    return subscribed ? subscribe(db, account, canonical) : unsubscribe(db, account, canonical);
  });
}

}  // namespace redoubt::store

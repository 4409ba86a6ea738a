// Store: reading mailboxes, messages, subscriptions and changes.

#include <algorithm>
#include <limits>

#include "store/blob_rows.h"
#include "store/database.h"
#include "store/mailbox_name.h"
#include "store/mailbox_queries.h"
#include "store/read_pool.h"
#include "store/store.h"
#include "store/store_try.h"

namespace redoubt::store {
namespace {

Result<void, StoreError> require_account(Database& db, AccountId account) {
  // Tells "no such account" apart from "nothing there" (which a later DELETE could cause).
  STORE_TRY(exists, account_exists(db, account));
  if (!*exists) return unexpected(StoreError::kNotFound);
  return {};
}

// SQLite integers are signed; a MODSEQ above every stored one selects nothing either way.
std::int64_t sql_modseq(ModSeq modseq) {
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(std::min(static_cast<std::uint64_t>(modseq), kMax));
}

Result<std::vector<MessageInfo>, StoreError> read_messages(Statement& st) {
  std::vector<MessageInfo> messages;
  for (;;) {
    STORE_TRY(row, st.step());
    if (!*row) return messages;
    messages.push_back(read_message(st));
  }
}

Result<std::vector<MessageInfo>, StoreError> messages_after(Database& db, MailboxId mailbox,
                                                            ModSeq since) {
  Statement st = db.prepare("SELECT " REDOUBT_MESSAGE_COLUMNS
                            " FROM messages WHERE mailbox_id = ?1 AND modseq > ?2 ORDER BY uid");
  st.bind(mailbox, sql_modseq(since));
  return read_messages(st);
}

Result<std::vector<Uid>, StoreError> expunged_after(Database& db, MailboxId mailbox,
                                                    ModSeq since) {
  Statement st = db.prepare(
      "SELECT uid FROM expunged WHERE mailbox_id = ?1 AND modseq > ?2 ORDER BY uid");
  st.bind(mailbox, sql_modseq(since));
  std::vector<Uid> uids;
  for (;;) {
    STORE_TRY(row, st.step());
    if (!*row) return uids;
    uids.push_back(Uid(static_cast<std::uint32_t>(st.int64(0))));
  }
}

}  // namespace

Result<std::vector<MailboxInfo>, StoreError> Store::list_mailboxes(AccountId account) {
  return reads_->read([&](Database& db) -> Result<std::vector<MailboxInfo>, StoreError> {
    if (auto found = require_account(db, account); !found) return unexpected(found.error());
    return account_mailboxes(db, account);
  });
}

Result<std::vector<MessageInfo>, StoreError> Store::list_messages(MailboxId mailbox) {
  return reads_->read([&](Database& db) -> Result<std::vector<MessageInfo>, StoreError> {
    STORE_TRY(found, find_mailbox_row(db, mailbox));
    if (!*found) return unexpected(StoreError::kNotFound);
    return mailbox_messages(db, mailbox);
  });
}

Result<MailboxInfo, StoreError> Store::find_mailbox(AccountId account, std::string_view name) {
  const std::string canonical = canonical_mailbox_name(name);
  return reads_->read([&](Database& db) -> Result<MailboxInfo, StoreError> {
    STORE_TRY(found, find_mailbox_row(db, account, canonical));
    if (!*found) return unexpected(StoreError::kNotFound);
    return std::move((*found)->info);
  });
}

Result<std::vector<std::string>, StoreError> Store::list_subscriptions(AccountId account) {
  return reads_->read([&](Database& db) -> Result<std::vector<std::string>, StoreError> {
    if (auto found = require_account(db, account); !found) return unexpected(found.error());
    Statement st =
        db.prepare("SELECT name FROM subscriptions WHERE account_id = ?1 ORDER BY name");
    st.bind(account);
    std::vector<std::string> names;
    for (;;) {
      STORE_TRY(row, st.step());
      if (!*row) return names;
      names.push_back(st.text(0));
    }
  });
}

Result<MailboxCounts, StoreError> Store::mailbox_counts(MailboxId mailbox) {
  return reads_->read([&](Database& db) -> Result<MailboxCounts, StoreError> {
    STORE_TRY(found, find_mailbox_row(db, mailbox));
    if (!*found) return unexpected(StoreError::kNotFound);
    Statement st = db.prepare(
        "SELECT count(*), coalesce(sum((flags & ?2) = 0), 0), coalesce(sum((flags & ?3) != 0), 0), "
        "coalesce(sum(size), 0) FROM messages WHERE mailbox_id = ?1");
    st.bind(mailbox, MessageFlags::kSeen, MessageFlags::kDeleted);
    STORE_TRY(row, st.step());
    if (!*row) return unexpected(StoreError::kTemporary);  // An aggregate always has a row.
    return MailboxCounts{
        .messages = static_cast<std::uint64_t>(st.int64(0)),
        .unseen = static_cast<std::uint64_t>(st.int64(1)),
        .deleted = static_cast<std::uint64_t>(st.int64(2)),
        .size = static_cast<std::uint64_t>(st.int64(3)),
    };
  });
}

Result<MailboxChanges, StoreError> Store::changes_since(MailboxId mailbox, ModSeq since) {
  // One read transaction: the counters, the messages and the expunges agree with each other.
  return reads_->read([&](Database& db) -> Result<MailboxChanges, StoreError> {
    STORE_TRY(found, find_mailbox_row(db, mailbox));
    if (!*found) return unexpected(StoreError::kNotFound);
    STORE_TRY(changed, messages_after(db, mailbox, since));
    STORE_TRY(expunged, expunged_after(db, mailbox, since));
    Statement horizon = db.prepare("SELECT expunged_horizon FROM mailboxes WHERE id = ?1");
    horizon.bind(mailbox);
    STORE_TRY(row, horizon.step());
    if (!*row) return unexpected(StoreError::kNotFound);
    return MailboxChanges{.mailbox = std::move((*found)->info),
                          .changed = std::move(*changed),
                          .expunged = std::move(*expunged),
                          .expunges_incomplete = sql_modseq(since) < horizon.int64(0)};
  });
}

Result<std::vector<std::optional<MessageSummary>>, StoreError> Store::summaries(
    std::span<const std::string> hashes, std::uint32_t version) {
  return reads_->read([&](Database& db) { return read_summaries(db, hashes, version); });
}

}  // namespace redoubt::store

// Store: adding messages to mailboxes (IMAP APPEND, COPY and MOVE).

#include <algorithm>
#include <limits>

#include "store/blob_rows.h"
#include "store/committer.h"
#include "store/database.h"
#include "store/keywords.h"
#include "store/mailbox_queries.h"
#include "store/message_transfer.h"
#include "store/quota.h"
#include "store/store.h"
#include "store/store_try.h"

namespace redoubt::store {
namespace {

Result<void, StoreError> share_blob(Database& db, const std::string& hash) {
  Statement st = db.prepare("UPDATE blobs SET refcount = refcount + 1 WHERE hash = ?1");
  st.bind(hash);
  return st.run();
}

Result<void, StoreError> copy_row(Database& db, const MessageInfo& message, MailboxId to, Uid uid,
                                  ModSeq modseq) {
  Statement st = db.prepare(
      "INSERT INTO messages (mailbox_id, uid, modseq, flags, keywords, internal_date, size, "
      "blob_hash) SELECT ?2, ?3, ?4, flags, keywords, internal_date, size, blob_hash "
      "FROM messages WHERE id = ?1");
  st.bind(message.id, to, uid, modseq);
  if (auto done = st.run(); !done) return done;
  return share_blob(db, message.blob_hash);
}

Result<void, StoreError> move_row(Database& db, const MessageInfo& message, MailboxId to, Uid uid,
                                  ModSeq modseq) {
  // The same row, so body and usage stay counted once (the triggers watch only INSERT/DELETE).
  Statement st =
      db.prepare("UPDATE messages SET mailbox_id = ?2, uid = ?3, modseq = ?4 WHERE id = ?1");
  st.bind(message.id, to, uid, modseq);
  return st.run();
}

std::uint64_t total_size(const std::vector<MessageInfo>& messages) {
  std::uint64_t total = 0;
  for (const MessageInfo& message : messages) total += message.size;
  return total;
}

}  // namespace

Result<std::vector<std::pair<Uid, Uid>>, StoreError> transfer_messages(
    Database& db, MailboxId from, const std::vector<MessageInfo>& messages, MailboxId to,
    bool move) {
  std::vector<std::pair<Uid, Uid>> uids;
  if (messages.empty()) return uids;
  if (messages.size() > std::numeric_limits<std::uint32_t>::max()) {
    return unexpected(StoreError::kOverQuota);
  }
  STORE_TRY(target, allocate(db, to, static_cast<std::uint32_t>(messages.size())));
  ModSeq expunge_modseq = target->modseq;  // One MODSEQ per mailbox, also when `from` is `to`.
  if (move && from != to) {
    STORE_TRY(source, allocate(db, from, 0));
    expunge_modseq = source->modseq;
  }
  std::uint32_t next = target->first_uid;
  for (const MessageInfo& message : messages) {
    const Uid uid{next++};
    auto done = move ? move_row(db, message, to, uid, target->modseq)
                     : copy_row(db, message, to, uid, target->modseq);
    if (!done) return unexpected(done.error());
    if (move) {
      if (auto logged = log_expunge(db, from, message.uid, expunge_modseq); !logged) {
        return unexpected(logged.error());
      }
    }
    uids.emplace_back(message.uid, uid);
  }
  return uids;
}

Result<AppendedMessage, StoreError> Store::append(MailboxId mailbox, const BlobRef& blob,
                                                  MessageFlags flags,
                                                  std::span<const std::string> keywords,
                                                  std::int64_t internal_date) {
  const AppendRequest request{blob, flags, keywords, internal_date};
  STORE_TRY(appended, append(mailbox, std::span(&request, 1)));
  return appended->front();
}

Result<std::vector<AppendedMessage>, StoreError> Store::append(
    MailboxId mailbox, std::span<const AppendRequest> messages) {
  if (messages.empty()) return std::vector<AppendedMessage>{};
  if (messages.size() > std::numeric_limits<std::uint32_t>::max()) {
    return unexpected(StoreError::kOverQuota);  // More than a mailbox has UIDs.
  }
  // Everything that needs no transaction first. Keywords. Bodies: one must be durable before a
  // row points to it, as for deliveries: the file exists with the promised size, and its name is
  // fsynced into its folder (each fan-out folder once, however many of the bodies it holds).
  std::vector<std::string> keyword_columns;
  std::uint64_t total_size = 0;
  std::vector<std::string_view> synced_folders;
  for (const AppendRequest& message : messages) {
    STORE_TRY(checked, checked_keywords(message.keywords));
    keyword_columns.push_back(join_keywords(*checked));
    if (auto checked_blob = blobs_.check(message.blob); !checked_blob) {
      return unexpected(checked_blob.error());
    }
    const std::string_view folder = std::string_view(message.blob.hash).substr(0, 2);
    if (std::find(synced_folders.begin(), synced_folders.end(), folder) == synced_folders.end()) {
      if (auto synced = blobs_.sync_directory_of(message.blob.hash); !synced) {
        return unexpected(synced.error());
      }
      synced_folders.push_back(folder);
    }
    total_size = message.blob.size > std::numeric_limits<std::uint64_t>::max() - total_size
                     ? std::numeric_limits<std::uint64_t>::max()
                     : total_size + message.blob.size;
  }
  return writes_->write_changes([&](Database& db, std::vector<MailboxChange>& changes)
                                    -> Result<std::vector<AppendedMessage>, StoreError> {
    STORE_TRY(found, find_mailbox_row(db, mailbox));
    if (!*found) return unexpected(StoreError::kNotFound);
    if (auto room = check_room(db, (*found)->account, total_size); !room) {
      return unexpected(room.error());
    }
    STORE_TRY(allocation,
              allocate(db, mailbox, static_cast<std::uint32_t>(messages.size())));
    std::vector<AppendedMessage> rows;  // Built afresh: the committer may run this twice.
    for (std::size_t i = 0; i < messages.size(); ++i) {
      const AppendRequest& message = messages[i];
      // Again, now that no other write can come between this check and the commit: garbage
      // collection (store/maintenance.cc) removes bodies only inside write jobs, so a body found
      // here cannot go before the row below references it.
      if (auto present = blobs_.check(message.blob); !present) {
        return unexpected(present.error());
      }
      if (auto referenced = reference_blob(db, message.blob); !referenced) {
        return unexpected(referenced.error());
      }
      const Uid uid{allocation->first_uid + static_cast<std::uint32_t>(i)};
      Statement insert = db.prepare(
          "INSERT INTO messages (mailbox_id, uid, modseq, flags, keywords, internal_date, size, "
          "blob_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
      insert.bind(mailbox, uid, allocation->modseq, message.flags & kAllMessageFlags,
                  keyword_columns[i], message.internal_date, message.blob.size,
                  message.blob.hash);
      if (auto done = insert.run(); !done) return unexpected(done.error());
      rows.push_back(AppendedMessage{(*found)->info.uid_validity, uid, allocation->modseq});
    }
    changes.push_back(MailboxChange{(*found)->account, mailbox});
    return rows;
  });
}

Result<CopiedMessages, StoreError> Store::copy_messages(MailboxId from, std::span<const Uid> uids,
                                                        MailboxId to, bool move) {
  return writes_->write_changes([&](Database& db, std::vector<MailboxChange>& changes)
                                    -> Result<CopiedMessages, StoreError> {
    STORE_TRY(source, find_mailbox_row(db, from));
    STORE_TRY(target, find_mailbox_row(db, to));
    if (!*source || !*target) return unexpected(StoreError::kNotFound);
    const AccountId account = (*source)->account;
    if ((*target)->account != account) return unexpected(StoreError::kInvalid);
    STORE_TRY(messages, select_messages(db, from, uids));
    CopiedMessages copied{(*target)->info.uid_validity, {}};
    if (messages->empty()) return copied;
    if (!move) {  // A move adds nothing to the account.
      if (auto room = check_room(db, account, total_size(*messages)); !room) {
        return unexpected(room.error());
      }
    }
    STORE_TRY(pairs, transfer_messages(db, from, *messages, to, move));
    copied.uids = std::move(*pairs);
    changes.push_back(MailboxChange{account, to});
    if (move) changes.push_back(MailboxChange{account, from});
    return copied;
  });
}

}  // namespace redoubt::store

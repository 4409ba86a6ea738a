// Store: changing flags and expunging messages (IMAP STORE and EXPUNGE, RFC 7162 CONDSTORE).

#include "store/committer.h"
#include "store/database.h"
#include "store/keywords.h"
#include "store/mailbox_queries.h"
#include "store/store.h"
#include "store/store_try.h"

namespace redoubt::store {
namespace {

// `message` as `update` wants it. Keywords are checked and normalized already.
MessageInfo updated(const MessageInfo& message, const FlagUpdate& update, MessageFlags flags,
                    const std::vector<std::string>& keywords) {
  MessageInfo after = message;
  switch (update.mode) {
    case FlagUpdate::Mode::kReplace:
      after.flags = flags;
      after.keywords = replace_keywords(message.keywords, keywords);
      break;
    case FlagUpdate::Mode::kAdd:
      after.flags = message.flags | flags;
      after.keywords = add_keywords(message.keywords, keywords);
      break;
    case FlagUpdate::Mode::kRemove:
      after.flags = message.flags & ~flags;
      after.keywords = remove_keywords(message.keywords, keywords);
      break;
  }
  return after;
}

Result<void, StoreError> save_flags(Database& db, const MessageInfo& message) {
  Statement st =
      db.prepare("UPDATE messages SET flags = ?2, keywords = ?3, modseq = ?4 WHERE id = ?1");
  st.bind(message.id, message.flags, join_keywords(message.keywords), message.modseq);
  return st.run();
}

Result<void, StoreError> remove_message(Database& db, const MessageInfo& message, ModSeq modseq,
                                        MailboxId mailbox) {
  // The messages_release_blob and messages_count_delete triggers release the body and the quota.
  Statement st = db.prepare("DELETE FROM messages WHERE id = ?1");
  st.bind(message.id);
  if (auto done = st.run(); !done) return done;
  return log_expunge(db, mailbox, message.uid, modseq);
}

}  // namespace

Result<FlagUpdateResult, StoreError> Store::store_flags(MailboxId mailbox,
                                                        std::span<const Uid> uids,
                                                        const FlagUpdate& update) {
  STORE_TRY(keywords, checked_keywords(update.keywords));
  const MessageFlags flags = update.flags & kAllMessageFlags;
  return writes_->write_changes([&](Database& db, std::vector<MailboxChange>& changes)
                                    -> Result<FlagUpdateResult, StoreError> {
    STORE_TRY(found, find_mailbox_row(db, mailbox));
    if (!*found) return unexpected(StoreError::kNotFound);
    STORE_TRY(messages, select_messages(db, mailbox, uids));
    FlagUpdateResult result;
    for (const MessageInfo& message : *messages) {
      // RFC 7162 §3.1.3: changed by someone else since the client looked.
      if (update.unchanged_since && message.modseq > *update.unchanged_since) {
        result.modified.push_back(message.uid);
        continue;
      }
      MessageInfo after = updated(message, update, flags, *keywords);
      if (after.keywords.size() > kMaxKeywords) return unexpected(StoreError::kInvalid);
      if (after.flags != message.flags || after.keywords != message.keywords) {
        result.changed.push_back(std::move(after));
      }
    }
    if (result.changed.empty()) return result;  // Nothing changed: no new MODSEQ.
    STORE_TRY(allocation, allocate(db, mailbox, 0));
    for (MessageInfo& message : result.changed) {
      message.modseq = allocation->modseq;
      if (auto saved = save_flags(db, message); !saved) return unexpected(saved.error());
    }
    changes.push_back(MailboxChange{(*found)->account, mailbox});
    return result;
  });
}

Result<std::vector<Uid>, StoreError> Store::expunge(MailboxId mailbox,
                                                    std::span<const Uid> uids) {
  return writes_->write_changes([&](Database& db, std::vector<MailboxChange>& changes)
                                    -> Result<std::vector<Uid>, StoreError> {
    STORE_TRY(found, find_mailbox_row(db, mailbox));
    if (!*found) return unexpected(StoreError::kNotFound);
    STORE_TRY(messages, select_messages(db, mailbox, uids));
    std::vector<Uid> removed;
    if (messages->empty()) return removed;
    // RFC 7162 §3.1.1: an expunge is a change too; QRESYNC reports it with this MODSEQ.
    STORE_TRY(allocation, allocate(db, mailbox, 0));
    for (const MessageInfo& message : *messages) {
      if (auto done = remove_message(db, message, allocation->modseq, mailbox); !done) {
        return unexpected(done.error());
      }
      removed.push_back(message.uid);
    }
    changes.push_back(MailboxChange{(*found)->account, mailbox});
    return removed;
  });
}

}  // namespace redoubt::store

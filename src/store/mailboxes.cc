// Store: reading mailboxes and messages.

#include "store/database.h"
#include "store/read_pool.h"
#include "store/store.h"
#include "store/store_try.h"

namespace redoubt::store {

Result<std::vector<MailboxInfo>, StoreError> Store::list_mailboxes(AccountId account) {
  return reads_->read([&](Database& db) -> Result<std::vector<MailboxInfo>, StoreError> {
    // Tells "no such account" apart from "no mailboxes" (which a later DELETE could cause).
    Statement exists = db.prepare("SELECT 1 FROM accounts WHERE id = ?1");
    exists.bind(account);
    STORE_TRY(found, exists.step());
    if (!*found) return unexpected(StoreError::kNotFound);

    Statement st = db.prepare(
        "SELECT id, name, special_use, uid_validity, uid_next, highest_modseq FROM mailboxes "
        "WHERE account_id = ?1 ORDER BY name");
    st.bind(account);
    std::vector<MailboxInfo> mailboxes;
    for (;;) {
      STORE_TRY(row, st.step());
      if (!*row) return mailboxes;
      mailboxes.push_back(MailboxInfo{
          .id = st.id<MailboxId>(0),
          .name = st.text(1),
          .special_use = st.text(2),
          .uid_validity = UidValidity(static_cast<std::uint32_t>(st.int64(3))),
          .uid_next = Uid(static_cast<std::uint32_t>(st.int64(4))),
          .highest_modseq = ModSeq(static_cast<std::uint64_t>(st.int64(5))),
      });
    }
  });
}

Result<std::vector<MessageInfo>, StoreError> Store::list_messages(MailboxId mailbox) {
  return reads_->read([&](Database& db) -> Result<std::vector<MessageInfo>, StoreError> {
    Statement exists = db.prepare("SELECT 1 FROM mailboxes WHERE id = ?1");
    exists.bind(mailbox);
    STORE_TRY(found, exists.step());
    if (!*found) return unexpected(StoreError::kNotFound);

    Statement st = db.prepare(
        "SELECT id, uid, modseq, flags, internal_date, size, blob_hash FROM messages "
        "WHERE mailbox_id = ?1 ORDER BY uid");
    st.bind(mailbox);
    std::vector<MessageInfo> messages;
    for (;;) {
      STORE_TRY(row, st.step());
      if (!*row) return messages;
      messages.push_back(MessageInfo{
          .id = st.id<MessageId>(0),
          .uid = Uid(static_cast<std::uint32_t>(st.int64(1))),
          .modseq = ModSeq(static_cast<std::uint64_t>(st.int64(2))),
          .flags = MessageFlags(static_cast<std::uint32_t>(st.int64(3))),
          .internal_date = st.int64(4),
          .size = static_cast<std::uint64_t>(st.int64(5)),
          .blob_hash = st.text(6),
      });
    }
  });
}

}  // namespace redoubt::store

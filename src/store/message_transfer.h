#pragma once

// Copying and moving message rows between mailboxes of one account (COPY, MOVE, and RENAME of
// INBOX). Internal to src/store.

#include <utility>
#include <vector>

#include "base/result.h"
#include "store/database.h"
#include "store/ids.h"
#include "store/mailbox_info.h"
#include "store/store_error.h"

namespace redoubt::store {

// Gives `messages` (rows of mailbox `from`, ascending UID) new UIDs in `to`, in order, all with
// one new MODSEQ of `to`. A copy shares each body (its blob's refcount goes up); a move carries
// the row over and logs the old UIDs as expunged from `from` with one new MODSEQ of `from` (the
// same one when `from` is `to`). Returns (old UID, new UID) pairs. Quota is the caller's to
// check. REQUIRES: both mailboxes belong to one account; inside the write transaction.
Result<std::vector<std::pair<Uid, Uid>>, StoreError> transfer_messages(
    Database& db, MailboxId from, const std::vector<MessageInfo>& messages, MailboxId to,
    bool move);

}  // namespace redoubt::store

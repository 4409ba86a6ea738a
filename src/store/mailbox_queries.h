#pragma once

// Queries shared by the mailbox and message operations. Internal to src/store. Each runs on the
// connection and in the transaction its caller holds; those that advance counters need the write
// transaction.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/database.h"
#include "store/ids.h"
#include "store/mailbox_info.h"
#include "store/store_error.h"

namespace redoubt::store {

// Column lists for read_mailbox and read_message, to paste into SELECT and RETURNING clauses
// (string literals, so that each query stays one literal for the statement cache).
#define REDOUBT_MAILBOX_COLUMNS "id, name, special_use, uid_validity, uid_next, highest_modseq"
#define REDOUBT_MESSAGE_COLUMNS \
  "id, uid, modseq, flags, internal_date, size, blob_hash, keywords"

// The row at the current step of a statement that selected the columns above, from column 0.
MailboxInfo read_mailbox(const Statement& st);
MessageInfo read_message(const Statement& st);

// A mailbox with the account it belongs to.
struct MailboxRow {
  AccountId account;
  MailboxInfo info;
};

// The mailbox `id`, or nullopt.
Result<std::optional<MailboxRow>, StoreError> find_mailbox_row(Database& db, MailboxId id);

// The account's mailbox named exactly `name` (callers pass canonical_mailbox_name()), or nullopt.
Result<std::optional<MailboxRow>, StoreError> find_mailbox_row(Database& db, AccountId account,
                                                               std::string_view name);

// Every mailbox of the account, sorted by name.
Result<std::vector<MailboxInfo>, StoreError> account_mailboxes(Database& db, AccountId account);

Result<bool, StoreError> account_exists(Database& db, AccountId account);

// Every message of `mailbox`, ascending UID.
Result<std::vector<MessageInfo>, StoreError> mailbox_messages(Database& db, MailboxId mailbox);

// The messages of `mailbox` whose UIDs are in `uids` (ascending), ascending.
Result<std::vector<MessageInfo>, StoreError> select_messages(Database& db, MailboxId mailbox,
                                                             std::span<const Uid> uids);

// What one write operation takes from a mailbox's counters.
struct Allocation {
  std::uint32_t first_uid = 0;  // The first of the `new_uids` UIDs asked for (0 if none).
  ModSeq modseq{};              // The operation's one MODSEQ.
};

// Takes `new_uids` UIDs and one new MODSEQ (RFC 7162 §3.1.1: above the mailbox's HIGHESTMODSEQ)
// in the statement that advances uid_next and highest_modseq, so no two operations ever get the
// same. kNotFound if there is no such mailbox; kOverQuota if the UIDs would pass 2^32-1 (RFC 9051
// §2.3.1.1: UIDs are 32-bit; renumbering under a new UIDVALIDITY is not implemented).
Result<Allocation, StoreError> allocate(Database& db, MailboxId mailbox, std::uint32_t new_uids);

// Logs the removal of `uid` from `mailbox` at `modseq`, for changes_since.
Result<void, StoreError> log_expunge(Database& db, MailboxId mailbox, Uid uid, ModSeq modseq);

// A UIDVALIDITY never handed out before in this data folder (RFC 9051 §2.3.1.1).
Result<UidValidity, StoreError> next_uid_validity(Database& db);

// Inserts the mailbox row; kExists if the account has one of that name.
Result<MailboxInfo, StoreError> insert_mailbox(Database& db, AccountId account,
                                               std::string_view name,
                                               std::string_view special_use);

// Subscribes the account to `name`; subscribing twice is no error.
Result<void, StoreError> subscribe(Database& db, AccountId account, std::string_view name);

// Current time in Unix seconds.
std::int64_t unix_now();

}  // namespace redoubt::store

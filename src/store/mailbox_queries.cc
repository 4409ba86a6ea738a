#include "store/mailbox_queries.h"

#include <algorithm>
#include <chrono>
#include <limits>

#include "store/keywords.h"
#include "store/store_try.h"

namespace redoubt::store {
namespace {

// Steps `st` (an INSERT or UPDATE ... RETURNING) to its one row, reads it with `read`, and
// finishes the statement.
template <class Read>
auto returning_one(Statement& st, Read read)
    -> Result<std::optional<decltype(read(st))>, StoreError> {
  STORE_TRY(row, st.step());
  if (!*row) return std::optional<decltype(read(st))>();
  auto value = read(st);
  if (auto done = st.run(); !done) return unexpected(done.error());
  return std::optional(std::move(value));
}

Result<std::optional<MailboxRow>, StoreError> one_mailbox_row(Statement& st) {
  STORE_TRY(row, st.step());
  if (!*row) return std::optional<MailboxRow>();
  // The account id is selected after the mailbox columns.
  return std::optional(MailboxRow{st.id<AccountId>(6), read_mailbox(st)});
}

}  // namespace

MailboxInfo read_mailbox(const Statement& st) {
  return MailboxInfo{
      .id = st.id<MailboxId>(0),
      .name = st.text(1),
      .special_use = st.text(2),
      .uid_validity = UidValidity(static_cast<std::uint32_t>(st.int64(3))),
      .uid_next = Uid(static_cast<std::uint32_t>(st.int64(4))),
      .highest_modseq = ModSeq(static_cast<std::uint64_t>(st.int64(5))),
  };
}

MessageInfo read_message(const Statement& st) {
  return MessageInfo{
      .id = st.id<MessageId>(0),
      .uid = Uid(static_cast<std::uint32_t>(st.int64(1))),
      .modseq = ModSeq(static_cast<std::uint64_t>(st.int64(2))),
      .flags = MessageFlags(static_cast<std::uint32_t>(st.int64(3))),
      .internal_date = st.int64(4),
      .size = static_cast<std::uint64_t>(st.int64(5)),
      .blob_hash = st.text(6),
      .keywords = parse_keywords(st.text(7)),
  };
}

Result<std::optional<MailboxRow>, StoreError> find_mailbox_row(Database& db, MailboxId id) {
  Statement st =
      db.prepare("SELECT " REDOUBT_MAILBOX_COLUMNS ", account_id FROM mailboxes WHERE id = ?1");
  st.bind(id);
  return one_mailbox_row(st);
}

Result<std::optional<MailboxRow>, StoreError> find_mailbox_row(Database& db, AccountId account,
                                                               std::string_view name) {
  Statement st = db.prepare("SELECT " REDOUBT_MAILBOX_COLUMNS
                            ", account_id FROM mailboxes WHERE account_id = ?1 AND name = ?2");
  st.bind(account, name);
  return one_mailbox_row(st);
}

Result<std::vector<MailboxInfo>, StoreError> account_mailboxes(Database& db, AccountId account) {
  Statement st = db.prepare("SELECT " REDOUBT_MAILBOX_COLUMNS
                            " FROM mailboxes WHERE account_id = ?1 ORDER BY name");
  st.bind(account);
  std::vector<MailboxInfo> mailboxes;
  for (;;) {
    STORE_TRY(row, st.step());
    if (!*row) return mailboxes;
    mailboxes.push_back(read_mailbox(st));
  }
}

Result<bool, StoreError> account_exists(Database& db, AccountId account) {
  Statement st = db.prepare("SELECT 1 FROM accounts WHERE id = ?1");
  st.bind(account);
  return st.step();
}

Result<std::vector<MessageInfo>, StoreError> mailbox_messages(Database& db, MailboxId mailbox) {
  Statement st = db.prepare("SELECT " REDOUBT_MESSAGE_COLUMNS
                            " FROM messages WHERE mailbox_id = ?1 ORDER BY uid");
  st.bind(mailbox);
  std::vector<MessageInfo> messages;
  for (;;) {
    STORE_TRY(row, st.step());
    if (!*row) return messages;
    messages.push_back(read_message(st));
  }
}

Result<std::vector<MessageInfo>, StoreError> select_messages(Database& db, MailboxId mailbox,
                                                             std::span<const Uid> uids) {
  std::vector<MessageInfo> messages;
  if (uids.empty()) return messages;
  std::vector<Uid> wanted(uids.begin(), uids.end());
  if (!std::is_sorted(wanted.begin(), wanted.end())) std::sort(wanted.begin(), wanted.end());
  // One range scan rather than a lookup per UID: clients send whole ranges ("1:*") far more
  // often than sparse sets, and a scan costs at most the mailbox's size.
  Statement st = db.prepare("SELECT " REDOUBT_MESSAGE_COLUMNS
                            " FROM messages WHERE mailbox_id = ?1 AND uid BETWEEN ?2 AND ?3 "
                            "ORDER BY uid");
  st.bind(mailbox, wanted.front(), wanted.back());
  for (;;) {
    STORE_TRY(row, st.step());
    if (!*row) return messages;
    const auto uid = Uid(static_cast<std::uint32_t>(st.int64(1)));
    if (std::binary_search(wanted.begin(), wanted.end(), uid)) {
      messages.push_back(read_message(st));
    }
  }
}

Result<Allocation, StoreError> allocate(Database& db, MailboxId mailbox, std::uint32_t new_uids) {
  Statement st = db.prepare(
      "UPDATE mailboxes SET uid_next = uid_next + ?2, highest_modseq = highest_modseq + 1 "
      "WHERE id = ?1 RETURNING uid_next - ?2, highest_modseq");
  st.bind(mailbox, new_uids);
  STORE_TRY(taken, returning_one(st, [](const Statement& s) {
              return std::pair(s.int64(0), s.int64(1));
            }));
  if (!*taken) return unexpected(StoreError::kNotFound);
  const auto [first_uid, modseq] = **taken;
  if (new_uids > 0 &&
      first_uid + new_uids - 1 > std::numeric_limits<std::uint32_t>::max()) {
    return unexpected(StoreError::kOverQuota);
  }
  return Allocation{new_uids > 0 ? static_cast<std::uint32_t>(first_uid) : 0,
                    ModSeq(static_cast<std::uint64_t>(modseq))};
}

Result<void, StoreError> log_expunge(Database& db, MailboxId mailbox, Uid uid, ModSeq modseq) {
  Statement st =
      db.prepare("INSERT INTO expunged (mailbox_id, uid, modseq, at) VALUES (?1, ?2, ?3, ?4)");
  st.bind(mailbox, uid, modseq,
          std::chrono::duration_cast<std::chrono::seconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count());
  return st.run();
}

// The current time, as RFC 9051 §2.3.1.1 suggests, but above every earlier value even if the
// clock stood still or went back: the counter is read and advanced in one statement.
Result<UidValidity, StoreError> next_uid_validity(Database& db) {
  Statement st = db.prepare(
      "UPDATE counters SET value = max(value + 1, ?1) WHERE name = 'uid_validity' "
      "RETURNING value");
  st.bind(unix_now());
  STORE_TRY(value, returning_one(st, [](const Statement& s) { return s.int64(0); }));
  if (!*value) return unexpected(StoreError::kTemporary);  // Schema damaged: counter missing.
  // Zero is not a valid UIDVALIDITY; past 2^32 (year 2106) there is no value left to give.
  if (**value <= 0 || **value > 0xFFFFFFFF) return unexpected(StoreError::kTemporary);
  return UidValidity(static_cast<std::uint32_t>(**value));
}

Result<MailboxInfo, StoreError> insert_mailbox(Database& db, AccountId account,
                                               std::string_view name,
                                               std::string_view special_use) {
  STORE_TRY(uid_validity, next_uid_validity(db));
  Statement st = db.prepare(
      "INSERT INTO mailboxes (account_id, name, special_use, uid_validity) "
      "VALUES (?1, ?2, ?3, ?4) RETURNING " REDOUBT_MAILBOX_COLUMNS);
  st.bind(account, name, special_use, *uid_validity);
  STORE_TRY(inserted, returning_one(st, read_mailbox));  // A taken name fails: kExists.
  if (!*inserted) return unexpected(StoreError::kTemporary);
  return std::move(**inserted);
}

Result<void, StoreError> subscribe(Database& db, AccountId account, std::string_view name) {
  Statement st =
      db.prepare("INSERT OR IGNORE INTO subscriptions (account_id, name) VALUES (?1, ?2)");
  st.bind(account, name);
  return st.run();
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace redoubt::store

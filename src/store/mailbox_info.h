#pragma once

// What the store returns about mailboxes and messages.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/ids.h"
#include "store/message_flags.h"

namespace redoubt::store {

// A mailbox with the counters IMAP reports in SELECT and STATUS.
struct MailboxInfo {
  MailboxId id;
  std::string name;          // "INBOX" or a UTF-8 name; "/" separates levels.
  std::string special_use;   // RFC 6154 attribute ("\Sent", "\Trash", ...), or "" for none.
  UidValidity uid_validity;  // RFC 9051 §2.3.1.1
  Uid uid_next;              // The UID the next message will get (RFC 9051 §2.3.1.1).
  ModSeq highest_modseq;     // RFC 7162 §3.1.1

  bool operator==(const MailboxInfo&) const = default;
};

// A message in a mailbox.
struct MessageInfo {
  MessageId id;
  Uid uid;
  ModSeq modseq;
  MessageFlags flags;
  std::int64_t internal_date;  // Unix seconds (RFC 9051 §2.3.3).
  std::uint64_t size;          // Octets of the body (RFC822.SIZE).
  std::string blob_hash;       // Key for Store::read_blob.
  // IMAP keywords (RFC 9051 §2.3.2), each an atom, sorted ignoring ASCII case, without
  // duplicates, at most 64. Case is kept as first set; two keywords differing only in case are
  // the same keyword.
  std::vector<std::string> keywords;

  bool operator==(const MessageInfo&) const = default;
};

// What IMAP answers for FETCH ENVELOPE, BODY and BODYSTRUCTURE of a body (RFC 9051 §7.5.2),
// computed once when the body is stored (imap/server/summary.h) and kept beside it, so that a
// client listing a mailbox costs a row read per message instead of a parse. The store keeps the
// text as given; `version` names the code that made it, and readers ignore other versions.
struct MessageSummary {
  std::uint32_t version = 0;
  std::string envelope;
  std::string body;
  std::string body_structure;

  bool operator==(const MessageSummary&) const = default;
};

// Counts for IMAP STATUS (RFC 9051 §6.3.11, RFC 8438 SIZE) that MailboxInfo does not carry.
struct MailboxCounts {
  std::uint64_t messages = 0;
  std::uint64_t unseen = 0;   // Messages without \Seen.
  std::uint64_t deleted = 0;  // Messages with \Deleted.
  std::uint64_t size = 0;     // Sum of the messages' sizes in octets.

  bool operator==(const MailboxCounts&) const = default;
};

// What changed in a mailbox after a MODSEQ (RFC 7162): the messages whose last change is newer
// (arrivals and flag changes, ascending UID), and the UIDs expunged since (ascending).
struct MailboxChanges {
  MailboxInfo mailbox;                  // The counters as of the same read.
  std::vector<MessageInfo> changed;
  std::vector<Uid> expunged;
  // The expunge log below `since` was pruned (Store::collect_garbage): `expunged` may miss UIDs
  // removed after `since`. A caller that must know them all compares the UIDs it knows with the
  // mailbox's current ones instead (RFC 7162 §3.2.5.2).
  bool expunges_incomplete = false;

  bool operator==(const MailboxChanges&) const = default;
};

// How Store::store_flags changes flags (IMAP STORE FLAGS, +FLAGS, -FLAGS).
struct FlagUpdate {
  enum class Mode { kReplace, kAdd, kRemove };
  Mode mode = Mode::kReplace;
  MessageFlags flags = MessageFlags::kNone;
  std::vector<std::string> keywords;  // Atoms, as sent.
  // RFC 7162 §3.1.3 UNCHANGEDSINCE: messages whose MODSEQ is greater are not changed.
  std::optional<ModSeq> unchanged_since;
};

// The outcome of Store::store_flags.
struct FlagUpdateResult {
  // Every message the update was applied to whose flags actually changed, after the change
  // (with its new MODSEQ), ascending UID. A message already in the wanted state is left alone
  // (no new MODSEQ), RFC 7162 §3.1.3 allows either.
  std::vector<MessageInfo> changed;
  // Messages skipped because of UNCHANGEDSINCE (RFC 7162 [MODIFIED ...]), ascending.
  std::vector<Uid> modified;
};

// Where Store::append put a message.
struct AppendedMessage {
  UidValidity uid_validity;
  Uid uid;
  ModSeq modseq;

  bool operator==(const AppendedMessage&) const = default;
};

// The outcome of Store::copy_messages: pairs of (source UID, new UID in the target), in the
// order of the source UIDs, and the target's UIDVALIDITY (RFC 4315 COPYUID).
struct CopiedMessages {
  UidValidity uid_validity;
  std::vector<std::pair<Uid, Uid>> uids;

  bool operator==(const CopiedMessages&) const = default;
};

// An account's storage use and limit (RFC 9208 STORAGE in KiB is derived by IMAP).
struct QuotaUsage {
  std::uint64_t used_bytes = 0;
  std::uint64_t messages = 0;
  std::uint64_t limit_bytes = 0;  // 0: no limit.

  bool operator==(const QuotaUsage&) const = default;
};

}  // namespace redoubt::store

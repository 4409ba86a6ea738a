#pragma once

// What the store returns about mailboxes and messages.

#include <cstdint>
#include <string>

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

  bool operator==(const MessageInfo&) const = default;
};

}  // namespace redoubt::store

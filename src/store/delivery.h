#pragma once

// Input and output of a local delivery (Store::deliver).

#include <cstdint>
#include <functional>
#include <vector>

#include "base/result.h"
#include "store/blob_store.h"
#include "store/ids.h"
#include "store/store_error.h"

namespace redoubt::store {

// One message for one or more local accounts: every recipient gets its own message row in its
// INBOX, all sharing the one body.
struct Delivery {
  BlobRef blob;                       // From BlobWriter::finish().
  std::vector<AccountId> recipients;  // From Store::resolve_recipient; duplicates count once.
  std::int64_t internal_date = 0;     // Unix seconds; RFC 9051 §2.3.3, normally arrival time.
};

// Where one recipient's copy went.
struct DeliveredMessage {
  AccountId account;
  MailboxId mailbox;
  Uid uid;
  ModSeq modseq;

  bool operator==(const DeliveredMessage&) const = default;
};

// The outcome of a Delivery: one DeliveredMessage per distinct recipient whose account still
// exists (in the order given), or why nothing was delivered.
using DeliveryResult = Result<std::vector<DeliveredMessage>, StoreError>;

// Receives a DeliveryResult on the store's committer thread. It must return quickly and must not
// block on the store (Store::deliver_and_wait from inside it would deadlock); post the result to
// the caller's own executor instead. It must not throw.
using DeliveryCallback = std::function<void(DeliveryResult)>;

}  // namespace redoubt::store

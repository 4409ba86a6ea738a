#include "store/committer.h"

#include <algorithm>
#include <limits>
#include <set>
#include <string>

#include "base/check.h"
#include "store/blob_rows.h"
#include "store/quota.h"

namespace redoubt::store {

Committer::Committer(std::unique_ptr<Database> db, BlobStore blobs, WatchRegistry& watches)
    : blobs_(std::move(blobs)), watches_(watches), db_(std::move(db)), thread_([this] { run(); }) {}

Committer::~Committer() {
  {
    std::lock_guard lock(queue_mutex_);
    is_stopping_ = true;
  }
  queue_changed_.notify_one();
  thread_.join();
}

void Committer::submit(Delivery delivery, DeliveryCallback done) {
  {
    std::lock_guard lock(queue_mutex_);
    // While draining, only callbacks (on the committer thread) may add work; run() still takes it.
    REDOUBT_CHECK(!is_stopping_ || is_committer_thread());
    queue_.push_back(Pending{std::move(delivery), std::move(done)});
  }
  queue_changed_.notify_one();
}

Result<void, StoreError> Committer::commit() {
  if (auto committed = db_->exec("COMMIT"); !committed) {
    rollback();
    return committed;
  }
  commits_.fetch_add(1, std::memory_order_relaxed);
  return {};
}

void Committer::rollback() {
  // A failed statement may already have rolled the transaction back (e.g. SQLITE_FULL).
  if (!db_->is_autocommit()) (void)db_->exec("ROLLBACK");
}

void Committer::run() {
  for (;;) {
    std::vector<Pending> batch;
    {
      std::unique_lock lock(queue_mutex_);
      queue_changed_.wait(lock, [&] { return is_stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // Stopping, and nothing left to drain.
      batch.swap(queue_);
    }
    process(batch);
    // Before the callbacks: an IMAP IDLE session should hear of new mail no later than the SMTP
    // client hears 250.
    announce(batch);
    // Outside every lock, so a callback may submit the next delivery or call other Store methods.
    for (Pending& pending : batch) pending.done(std::move(pending.result));
  }
}

void Committer::announce(const std::vector<Pending>& batch) {
  std::vector<MailboxChange> changes;
  for (const Pending& pending : batch) {
    if (!pending.result) continue;
    for (const DeliveredMessage& delivered : *pending.result) {
      changes.push_back(MailboxChange{delivered.account, delivered.mailbox});
    }
  }
  if (!changes.empty()) watches_.notify(std::move(changes));
}

void Committer::process(std::vector<Pending>& batch) {
  // A delivery may only reference a body whose file exists with the promised size, or a crash
  // could leave a message row without content.
  std::vector<Pending*> ready;
  for (Pending& pending : batch) {
    if (auto checked = blobs_.check(pending.delivery.blob); !checked) {
      pending.result = unexpected(checked.error());
    } else {
      ready.push_back(&pending);
    }
  }

  // BlobWriter::finish renamed each body into its fan-out folder; the rename is durable only once
  // that folder is fsynced. Do it here, once per folder per batch, so that a burst of deliveries
  // shares the cost, and before the commit, so no committed row can point to a lost name.
  std::set<std::string> synced_ok;
  std::set<std::string> synced_failed;
  std::vector<Pending*> durable;
  for (Pending* pending : ready) {
    const std::string folder = pending->delivery.blob.hash.substr(0, 2);
    if (!synced_ok.contains(folder) && !synced_failed.contains(folder)) {
      (blobs_.sync_directory_of(pending->delivery.blob.hash) ? synced_ok : synced_failed)
          .insert(folder);
    }
    if (synced_failed.contains(folder)) {
      pending->result = unexpected(StoreError::kTemporary);
    } else {
      durable.push_back(pending);
    }
  }
  if (durable.empty()) return;

  std::lock_guard lock(write_mutex_);
  write_together(durable);
}

void Committer::write_together(const std::vector<Pending*>& group) {
  if (!db_->exec("BEGIN IMMEDIATE")) {
    // Nothing here is specific to one delivery (typically another process held the write lock
    // for the whole busy timeout): retrying each alone would only multiply the wait.
    for (Pending* pending : group) pending->result = unexpected(StoreError::kTemporary);
    return;
  }
  std::vector<DeliveryResult> results;
  results.reserve(group.size());
  bool is_ok = true;
  for (Pending* pending : group) {
    results.push_back(apply(pending->delivery));
    if (!results.back()) {
      is_ok = false;
      break;
    }
  }
  if (is_ok) {
    if (auto committed = commit(); !committed) {
      is_ok = false;
      results.back() = unexpected(committed.error());
    }
  } else {
    rollback();
  }
  if (is_ok) {
    for (std::size_t i = 0; i < group.size(); ++i) group[i]->result = std::move(results[i]);
    return;
  }
  if (group.size() == 1) {
    group.front()->result = std::move(results.back());
    return;
  }
  // The shared transaction is gone. Retry each delivery in its own, so one that cannot be stored
  // (or whatever made the batch fail) does not take the others down with it.
  for (Pending* pending : group) write_together({pending});
}

Result<std::vector<DeliveredMessage>, StoreError> Committer::apply(const Delivery& delivery) {
  std::vector<DeliveredMessage> delivered;
  std::vector<AccountId> seen;
  for (AccountId account : delivery.recipients) {
    // Two RCPT TO addresses (or an alias and its target) can name one account: one copy each.
    if (std::find(seen.begin(), seen.end(), account) != seen.end()) continue;
    seen.push_back(account);
    // The SMTP server refuses recipients without room at RCPT time; this catches the messages
    // that filled the account since. Earlier deliveries of this batch count: the usage triggers
    // have run for them.
    if (auto room = check_room(*db_, account, delivery.blob.size); !room) {
      return unexpected(room.error());
    }

    // Allocate the UID and the MODSEQ in the statement that advances the counters, so two
    // messages can never get the same ones (RFC 9051 §2.3.1.1: UIDs strictly ascend; RFC 7162
    // §3.1.1: every change gets a MODSEQ above the mailbox's previous HIGHESTMODSEQ).
    Statement allocate = db_->prepare(
        "UPDATE mailboxes SET uid_next = uid_next + 1, highest_modseq = highest_modseq + 1 "
        "WHERE account_id = ?1 AND name = 'INBOX' "
        "RETURNING id, uid_next - 1, highest_modseq");
    allocate.bind(account);
    auto row = allocate.step();
    if (!row) return unexpected(row.error());
    if (!*row) continue;  // The account was removed after its address was resolved.
    const auto mailbox = allocate.id<MailboxId>(0);
    const std::int64_t uid = allocate.int64(1);
    const std::int64_t modseq = allocate.int64(2);
    if (auto done = allocate.run(); !done) return unexpected(done.error());
    // RFC 9051 §2.3.1.1: UIDs are 32-bit. Renumbering under a new UIDVALIDITY is not
    // implemented; until it is, a mailbox whose UIDs are used up takes no more mail.
    if (uid > std::numeric_limits<std::uint32_t>::max()) {
      return unexpected(StoreError::kOverQuota);
    }

    if (auto done = reference_blob(*db_, delivery.blob); !done) return unexpected(done.error());

    Statement insert = db_->prepare(
        "INSERT INTO messages (mailbox_id, uid, modseq, flags, internal_date, size, blob_hash) "
        "VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6)");
    insert.bind(mailbox, uid, modseq, delivery.internal_date, delivery.blob.size,
                delivery.blob.hash);
    if (auto done = insert.run(); !done) return unexpected(done.error());

    delivered.push_back(DeliveredMessage{account, mailbox, Uid(static_cast<std::uint32_t>(uid)),
                                         ModSeq(static_cast<std::uint64_t>(modseq))});
  }
  return delivered;
}

}  // namespace redoubt::store

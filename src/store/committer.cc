#include "store/committer.h"

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <limits>
#include <set>
#include <string>
#include <string_view>

#include "store/blob_rows.h"
#include "store/quota.h"

namespace redoubt::store {
namespace {

// Transaction control run once per job: cached, unlike BEGIN and COMMIT (Database::exec), since a
// batch runs them up to kMaxBatch times. One name serves every job, as each job's savepoint is
// released before the next one starts.
Result<void, StoreError> run_cached(Database& db, std::string_view sql) {
  return db.prepare(sql).run();
}

// Files one delivery into the INBOX of each recipient.
Result<std::vector<DeliveredMessage>, StoreError> deliver_one(Database& db,
                                                              const Delivery& delivery) {
  std::vector<DeliveredMessage> delivered;
  std::vector<AccountId> seen;
  for (AccountId account : delivery.recipients) {
    // Two RCPT TO addresses (or an alias and its target) can name one account: one copy each.
    if (std::find(seen.begin(), seen.end(), account) != seen.end()) continue;
    seen.push_back(account);
    // The SMTP server refuses recipients without room at RCPT time; this catches the messages
    // that filled the account since. Earlier jobs of this batch count: the usage triggers have
    // run for them.
    if (auto room = check_room(db, account, delivery.blob.size); !room) {
      return unexpected(room.error());
    }

    // Allocate the UID and the MODSEQ in the statement that advances the counters, so two
    // messages can never get the same ones (RFC 9051 §2.3.1.1: UIDs strictly ascend; RFC 7162
    // §3.1.1: every change gets a MODSEQ above the mailbox's previous HIGHESTMODSEQ).
    Statement allocate = db.prepare(
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

    if (auto done = reference_blob(db, delivery.blob); !done) return unexpected(done.error());

    Statement insert = db.prepare(
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

}  // namespace

bool Committer::DeliveryJob::apply(Database& db) {
  result = deliver_one(db, delivery);
  return result.has_value();
}

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
    queue_.emplace_back(std::in_place_type<DeliveryJob>, std::move(delivery), std::move(done));
  }
  queue_changed_.notify_one();
}

void Committer::run_write(WriteJob& job) {
  if (is_committer_thread()) {
    // Called from `work` itself, the thread would wait for its own batch to end.
    REDOUBT_CHECK(!is_in_batch_);
    // From a DeliveryCallback, between batches: queueing would wait for this very thread, but
    // nothing else uses the connection now, so the job is a batch of its own.
    Job* const alone[] = {&job};
    write_batch(alone);
    return;
  }
  std::unique_lock lock(queue_mutex_);
  REDOUBT_CHECK(!is_stopping_);
  queue_.emplace_back(&job);
  queue_changed_.notify_one();
  // `job` lives on this stack: the committer thread touches it only until it sets is_done, under
  // the lock this wait reacquires before returning.
  jobs_done_.wait(lock, [&] { return job.is_done; });
}

void Committer::run() {
  for (;;) {
    std::vector<Queued> batch;
    {
      std::unique_lock lock(queue_mutex_);
      queue_changed_.wait(lock, [&] { return is_stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // Stopping, and nothing left to drain.
      const auto end = queue_.begin() + std::min(queue_.size(), kMaxBatch);
      batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(end));
      queue_.erase(queue_.begin(), end);
    }
    process(batch);
  }
}

void Committer::process(std::vector<Queued>& batch) {
  check_blobs(batch);
  std::vector<Job*> jobs;
  jobs.reserve(batch.size());
  for (Queued& queued : batch) {
    if (auto* write = std::get_if<WriteJob*>(&queued)) {
      jobs.push_back(*write);
    } else if (auto& delivery = std::get<DeliveryJob>(queued); delivery.is_ready) {
      jobs.push_back(&delivery);
    }
  }
  write_batch(jobs);

  // The writers first: each is blocked until now, and tells its own watchers.
  bool has_writes = false;
  {
    std::lock_guard lock(queue_mutex_);
    for (Queued& queued : batch) {
      if (auto* write = std::get_if<WriteJob*>(&queued)) {
        (*write)->is_done = true;  // The last touch: the caller may return and free it.
        has_writes = true;
      }
    }
  }
  if (has_writes) jobs_done_.notify_all();

  // Before the callbacks: an IMAP IDLE session should hear of new mail no later than the SMTP
  // client hears 250.
  announce(batch);
  // Outside every lock, so a callback may submit the next delivery or call other Store methods.
  for (Queued& queued : batch) {
    if (auto* delivery = std::get_if<DeliveryJob>(&queued)) {
      delivery->done(std::move(delivery->result));
    }
  }
}

void Committer::check_blobs(std::vector<Queued>& batch) {
  // A delivery may only reference a body whose file exists with the promised size, or a crash
  // could leave a message row without content.
  //
  // BlobWriter::finish renamed each body into its fan-out folder; the rename is durable only once
  // that folder is fsynced. Do it here, once per folder per batch, so that a burst of deliveries
  // shares the cost, and before the commit, so no committed row can point to a lost name.
  std::set<std::string> synced_ok;
  std::set<std::string> synced_failed;
  for (Queued& queued : batch) {
    auto* job = std::get_if<DeliveryJob>(&queued);
    if (job == nullptr) continue;
    if (auto checked = blobs_.check(job->delivery.blob); !checked) {
      job->fail(checked.error());
      continue;
    }
    const std::string folder = job->delivery.blob.hash.substr(0, 2);
    if (!synced_ok.contains(folder) && !synced_failed.contains(folder)) {
      (blobs_.sync_directory_of(job->delivery.blob.hash) ? synced_ok : synced_failed)
          .insert(folder);
    }
    if (synced_failed.contains(folder)) {
      job->fail(StoreError::kTemporary);
    } else {
      job->is_ready = true;
    }
  }
}

void Committer::announce(const std::vector<Queued>& batch) {
  std::vector<MailboxChange> changes;
  for (const Queued& queued : batch) {
    const auto* job = std::get_if<DeliveryJob>(&queued);
    if (job == nullptr || !job->result) continue;
    for (const DeliveredMessage& delivered : *job->result) {
      changes.push_back(MailboxChange{delivered.account, delivered.mailbox});
    }
  }
  if (!changes.empty()) watches_.notify(std::move(changes));
}

void Committer::write_batch(std::span<Job* const> jobs) {
  is_in_batch_ = true;
  std::vector<Job*> remaining(jobs.begin(), jobs.end());
  std::vector<bool> kept;
  while (!remaining.empty()) {
    if (auto begun = db_->exec("BEGIN IMMEDIATE"); !begun) {
      // Nothing here is specific to one job (typically another process held the write lock for
      // the whole busy timeout): retrying each alone would only multiply the wait.
      for (Job* job : remaining) job->fail(begun.error());
      break;
    }
    if (const std::optional<std::size_t> lost = apply_all(remaining, kept)) {
      // SQLite rolled the whole transaction back while that job ran (disk full, an I/O error,
      // out of memory), undoing the jobs before it too. That job keeps its error; the others run
      // again in a new transaction, so that what failed one job does not fail its batch. Each
      // round drops a job, so this ends.
      remaining.erase(remaining.begin() + static_cast<std::ptrdiff_t>(*lost));
      continue;
    }
    if (auto committed = commit(); !committed) {
      // Jobs that failed on their own keep their own reason.
      for (std::size_t i = 0; i < remaining.size(); ++i) {
        if (kept[i]) remaining[i]->fail(committed.error());
      }
    }
    break;
  }
  is_in_batch_ = false;
}

std::optional<std::size_t> Committer::apply_all(std::span<Job* const> jobs,
                                                std::vector<bool>& kept) {
  kept.assign(jobs.size(), false);
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    Job& job = *jobs[i];
    if (auto saved = run_cached(*db_, "SAVEPOINT job"); !saved) {
      job.fail(saved.error());
      if (db_->is_autocommit()) return i;
      continue;
    }
    const bool is_ok = job.apply(*db_);
    if (db_->is_autocommit()) {
      if (is_ok) job.fail(StoreError::kTemporary);  // Its changes are gone with the transaction.
      return i;
    }
    if (is_ok) {
      // Inside BEGIN, RELEASE only forgets the savepoint; the changes stay in the transaction.
      if (auto released = run_cached(*db_, "RELEASE job"); !released) {
        job.fail(released.error());
        rollback();  // The job's changes cannot be told apart from the others' any more.
        return i;
      }
      kept[i] = true;
      continue;
    }
    // ROLLBACK TO undoes the job's changes but keeps the savepoint open; RELEASE closes it.
    if (!run_cached(*db_, "ROLLBACK TO job") || !run_cached(*db_, "RELEASE job")) {
      rollback();  // Committing now could keep part of a failed job.
      return i;
    }
  }
  return std::nullopt;
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

}  // namespace redoubt::store

#pragma once

// The single writer of the metadata database, with group commit for every write. Internal to
// src/store.
//
// Why group commit: with synchronous=FULL every COMMIT waits for an fsync, which costs
// milliseconds on real disks (4 ms at 250 fsync/s), and SQLite lets one transaction write at a
// time. Committing each IMAP STORE or EXPUNGE alone would cap the whole server at the disk's fsync
// rate, with every writer queued behind all the fsyncs before its own. Instead, callers queue
// jobs (deliveries, and the work of write()) and one committer thread takes every job queued while
// the previous commit was running and writes them all in one transaction, so N concurrent writes
// cost one fsync of the WAL (plus, for deliveries, one per touched blob folder), not N. Latency
// stays about that of one commit.
//
// Each job runs inside its own SAVEPOINT of the batch's transaction: a job that fails is rolled
// back to it and only its own changes are undone. Jobs run in the order they were queued, so a job
// sees the changes of every job queued before it (committed or in its batch), as it would if each
// had committed alone.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "base/check.h"
#include "base/result.h"
#include "store/blob_store.h"
#include "store/database.h"
#include "store/delivery.h"
#include "store/store_error.h"
#include "store/watch_registry.h"

namespace redoubt::store {

class Committer {
 public:
  // Most jobs in one transaction. A bound keeps a batch's commit (and so each job's latency) short
  // when writers queue faster than the disk commits; 64 already divides the fsyncs by 64.
  static constexpr std::size_t kMaxBatch = 64;

  // Takes the read-write connection and starts the committer thread, which tells `watches` of
  // every committed delivery. `watches` must outlive the Committer.
  Committer(std::unique_ptr<Database> db, BlobStore blobs, WatchRegistry& watches);
  // Finishes every job already queued (calling delivery callbacks), then stops the thread.
  // REQUIRES: no thread other than the committer's own (delivery callbacks) still calls in.
  ~Committer();
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  // Queues `delivery`; `done` runs on the committer thread once the outcome is durable (or
  // failed). Thread-safe. REQUIRES: the destructor has not started, unless called from a
  // DeliveryCallback (such deliveries are drained too).
  void submit(Delivery delivery, DeliveryCallback done);

  // Runs `work(Database&)` as one atomic, durable change on the write connection and returns its
  // result (a Result<T, StoreError>): if it returns a value its changes are committed, if it
  // returns an error they, and only they, are undone. Returns once the outcome is final; a value
  // means the change is on disk. Thread-safe.
  //
  // `work` runs on the committer thread, inside a batch transaction (see the top of this file),
  // after every job queued before it. The caller blocks until the commit, so `work` may use the
  // caller's locals by reference. The call also blocks while another process holds the write
  // lock; past the busy timeout it fails with kTemporary. If the batch's COMMIT fails (an I/O
  // error: kTemporary), no write of the batch is durable and each one fails. From a
  // DeliveryCallback (the committer thread, between batches) `work` runs at once in a
  // transaction of its own.
  //
  // REQUIRES of `work`: it must not call write(), write_changes() or Store::deliver_and_wait()
  // (checked: they would wait for the committer thread that runs `work`), nor wait for anything
  // that waits for a write. It must not throw. It may run more than once, with its earlier runs'
  // database changes undone: if SQLite loses the shared transaction (disk full, an I/O error)
  // while a later job runs, the other jobs run again in a new one. So its only effects are on
  // `db` and its result; whatever it records through references must be reset when it starts
  // (as write_changes does).
  template <class F>
  std::invoke_result_t<F, Database&> write(F&& work) {
    using R = std::invoke_result_t<F, Database&>;
    static_assert(std::is_same_v<typename R::error_type, StoreError>,
                  "work must return Result<T, StoreError>");
    WriteJobOf<std::remove_reference_t<F>, R> job(work);
    run_write(job);
    return std::move(job).outcome();
  }

  // write() for work that changes mailboxes: `work(Database&, std::vector<MailboxChange>&)`
  // records the mailboxes it changed, and once the transaction has committed their watchers are
  // told (store/watch_registry.h), on the calling thread.
  template <class F>
  std::invoke_result_t<F, Database&, std::vector<MailboxChange>&> write_changes(F&& work) {
    std::vector<MailboxChange> changes;
    auto result = write([&](Database& db) {
      changes.clear();  // `work` may run again (see write()).
      return work(db, changes);
    });
    if (result && !changes.empty()) watches_.notify(std::move(changes));
    return result;
  }

  // Transactions committed by this Committer. A batch counts once however many writes and
  // deliveries it held, so under concurrency this is below the number of write() calls.
  std::uint64_t commit_count() const { return commits_.load(std::memory_order_relaxed); }

  // True on the committer thread (where DeliveryCallbacks and every write's `work` run).
  bool is_committer_thread() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  // One caller's work in a batch. Used on the committer thread only.
  class Job {
   public:
    // Makes the job's changes on `db`, inside the batch transaction and the job's own savepoint,
    // and records the outcome; true if the changes are to be kept. May be called again after the
    // transaction was lost (see write()).
    virtual bool apply(Database& db) = 0;
    // Records `error` as the outcome: the job's changes will not be committed.
    virtual void fail(StoreError error) = 0;

   protected:
    ~Job() = default;
  };

  // A job of write(), owned by its caller, who waits for is_done.
  class WriteJob : public Job {
   public:
    bool is_done = false;  // GUARDED_BY(queue_mutex_)

   protected:
    ~WriteJob() = default;
  };

  template <class F, class R>
  class WriteJobOf final : public WriteJob {
   public:
    explicit WriteJobOf(F& work) : work_(work) {}
    bool apply(Database& db) override {
      outcome_.emplace(work_(db));
      return outcome_->has_value();
    }
    void fail(StoreError error) override { outcome_.emplace(unexpected(error)); }
    // REQUIRES: the job was applied or failed.
    R outcome() && {
      REDOUBT_CHECK(outcome_.has_value());
      return std::move(*outcome_);
    }

   private:
    F& work_;
    std::optional<R> outcome_;
  };

  // A job of submit(), owned by the queue and then by its batch.
  class DeliveryJob final : public Job {
   public:
    DeliveryJob(Delivery delivery, DeliveryCallback done)
        : delivery(std::move(delivery)), done(std::move(done)) {}
    bool apply(Database& db) override;
    void fail(StoreError error) override { result = unexpected(error); }

    Delivery delivery;
    DeliveryCallback done;
    bool is_ready = false;  // Its body is durable (check_blobs): it may go into the transaction.
    DeliveryResult result = unexpected(StoreError::kTemporary);
  };

  using Queued = std::variant<DeliveryJob, WriteJob*>;

  void run_write(WriteJob& job);
  void run();
  void process(std::vector<Queued>& batch);
  void check_blobs(std::vector<Queued>& batch);  // Sets is_ready, or fails the delivery.
  void write_batch(std::span<Job* const> jobs);
  std::optional<std::size_t> apply_all(std::span<Job* const> jobs, std::vector<bool>& kept);
  void announce(const std::vector<Queued>& batch);
  Result<void, StoreError> commit();
  void rollback();

  const BlobStore blobs_;
  WatchRegistry& watches_;

  // Used only on the committer thread (so it needs no lock): every batch, and the writes of
  // DeliveryCallbacks, run there.
  std::unique_ptr<Database> db_;
  bool is_in_batch_ = false;  // A job's `work` is running: write() from there would never return.

  std::mutex queue_mutex_;
  std::condition_variable queue_changed_;  // Something was queued, or stopping.
  std::condition_variable jobs_done_;      // Some WriteJob's is_done turned true.
  std::vector<Queued> queue_;              // GUARDED_BY(queue_mutex_)
  bool is_stopping_ = false;               // GUARDED_BY(queue_mutex_)

  std::atomic<std::uint64_t> commits_{0};
  std::thread thread_;  // Last: starts after everything it uses is constructed.
};

}  // namespace redoubt::store

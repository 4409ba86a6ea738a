#pragma once

// The single writer of the metadata database, with group commit for deliveries. Internal to
// src/store.
//
// Why group commit: with synchronous=FULL every COMMIT waits for an fsync, which costs
// milliseconds on real disks. A committer thread takes every delivery queued while the previous
// commit was running and writes them all in one transaction, so N concurrent deliveries cost one
// fsync of the WAL (plus one per touched blob folder), not N. Latency stays that of one commit.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

#include "base/result.h"
#include "store/blob_store.h"
#include "store/database.h"
#include "store/delivery.h"
#include "store/store_error.h"
#include "store/watch_registry.h"

namespace redoubt::store {

class Committer {
 public:
  // Takes the read-write connection and starts the committer thread, which tells `watches` of
  // every committed delivery. `watches` must outlive the Committer.
  Committer(std::unique_ptr<Database> db, BlobStore blobs, WatchRegistry& watches);
  // Finishes every delivery already submitted (calling its callback), then stops the thread.
  ~Committer();
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  // Queues `delivery`; `done` runs on the committer thread once the outcome is durable (or
  // failed). Thread-safe. REQUIRES: the destructor has not started, unless called from a
  // DeliveryCallback (such deliveries are drained too).
  void submit(Delivery delivery, DeliveryCallback done);

  // Runs `work(Database&)` in its own BEGIN IMMEDIATE transaction on the write connection,
  // committing if it returns a value and rolling back otherwise, and returns its result (a
  // Result<T, StoreError>). Blocks while a batch of deliveries is being written, or while another
  // process holds the write lock (up to the busy timeout, then kTemporary). Thread-safe.
  template <class F>
  std::invoke_result_t<F, Database&> write(F&& work) {
    std::lock_guard lock(write_mutex_);
    if (auto begun = db_->exec("BEGIN IMMEDIATE"); !begun) return unexpected(begun.error());
    std::invoke_result_t<F, Database&> result = work(*db_);
    if (result) {
      if (auto committed = commit(); !committed) result = unexpected(committed.error());
    } else {
      rollback();
    }
    return result;
  }

  // write() for work that changes mailboxes: `work(Database&, std::vector<MailboxChange>&)`
  // records the mailboxes it changed, and once the transaction has committed their watchers are
  // told (store/watch_registry.h), outside the write lock.
  template <class F>
  std::invoke_result_t<F, Database&, std::vector<MailboxChange>&> write_changes(F&& work) {
    std::vector<MailboxChange> changes;
    auto result = write([&](Database& db) {
      changes.clear();
      return work(db, changes);
    });
    if (result && !changes.empty()) watches_.notify(std::move(changes));
    return result;
  }

  // Write transactions committed by this Committer (directory changes and delivery batches).
  std::uint64_t commit_count() const { return commits_.load(std::memory_order_relaxed); }

  // True on the committer thread (where DeliveryCallbacks run).
  bool is_committer_thread() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  struct Pending {
    Delivery delivery;
    DeliveryCallback done;
    DeliveryResult result = unexpected(StoreError::kTemporary);
  };

  void run();
  void announce(const std::vector<Pending>& batch);
  void process(std::vector<Pending>& batch);
  void write_together(const std::vector<Pending*>& group);
  Result<std::vector<DeliveredMessage>, StoreError> apply(const Delivery& delivery);
  Result<void, StoreError> commit();
  void rollback();

  const BlobStore blobs_;
  WatchRegistry& watches_;

  std::mutex write_mutex_;
  std::unique_ptr<Database> db_;  // GUARDED_BY(write_mutex_)

  std::mutex queue_mutex_;
  std::condition_variable queue_changed_;
  std::vector<Pending> queue_;  // GUARDED_BY(queue_mutex_)
  bool is_stopping_ = false;    // GUARDED_BY(queue_mutex_)

  std::atomic<std::uint64_t> commits_{0};
  std::thread thread_;  // Last: starts after everything it uses is constructed.
};

}  // namespace redoubt::store

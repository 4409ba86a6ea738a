#pragma once

// A bounded pool of read-only connections to the metadata database. Internal to src/store.

#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <type_traits>
#include <vector>

#include "base/result.h"
#include "store/database.h"
#include "store/store_error.h"

namespace redoubt::store {

// Thread-safe. Connections are opened on demand, up to `max_connections`, and kept for reuse
// with their prepared statements. In WAL mode readers do not block the writer, nor it them.
class ReadPool {
 public:
  ReadPool(std::filesystem::path db_path, std::size_t max_connections);
  ReadPool(const ReadPool&) = delete;
  ReadPool& operator=(const ReadPool&) = delete;

  // Runs `work(Database&)` in one read transaction, so all its queries see the same committed
  // state, and returns its result (a Result<T, StoreError>). Waits while every connection is in
  // use. kTemporary if no connection can be opened or the transaction cannot start.
  template <class F>
  std::invoke_result_t<F, Database&> read(F&& work) {
    auto db = acquire();
    if (!db) return unexpected(db.error());
    Lease lease(*this, std::move(*db));
    if (auto begun = lease.db().exec("BEGIN"); !begun) return unexpected(begun.error());
    return work(lease.db());
  }

 private:
  // Gives a connection back on every path, ending its transaction first: a read transaction
  // holds a WAL snapshot, which would keep the log from being checkpointed.
  class Lease {
   public:
    Lease(ReadPool& pool, std::unique_ptr<Database> db) : pool_(pool), db_(std::move(db)) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (!db_->is_autocommit()) (void)db_->exec("ROLLBACK");
      pool_.release(std::move(db_));
    }
    Database& db() { return *db_; }

   private:
    ReadPool& pool_;
    std::unique_ptr<Database> db_;
  };

  Result<std::unique_ptr<Database>, StoreError> acquire();
  void release(std::unique_ptr<Database> db);

  const std::filesystem::path db_path_;
  const std::size_t max_connections_;
  std::mutex mutex_;
  std::condition_variable released_;
  std::vector<std::unique_ptr<Database>> idle_;  // GUARDED_BY(mutex_)
  std::size_t open_ = 0;                         // GUARDED_BY(mutex_): idle and lent out.
};

}  // namespace redoubt::store

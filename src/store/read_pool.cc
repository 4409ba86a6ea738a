#include "store/read_pool.h"

namespace redoubt::store {

ReadPool::ReadPool(std::filesystem::path db_path, std::size_t max_connections)
    : db_path_(std::move(db_path)), max_connections_(max_connections) {}

Result<std::unique_ptr<Database>, StoreError> ReadPool::acquire() {
  {
    std::unique_lock lock(mutex_);
    released_.wait(lock, [&] { return !idle_.empty() || open_ < max_connections_; });
    if (!idle_.empty()) {
      std::unique_ptr<Database> db = std::move(idle_.back());
      idle_.pop_back();
      return db;
    }
    ++open_;  // Reserve the slot, then open without holding the lock.
  }
  auto db = Database::open(db_path_, Database::Mode::kReadOnly);
  if (!db) {
    std::lock_guard lock(mutex_);
    --open_;
    released_.notify_one();
    return unexpected(StoreError::kTemporary);
  }
  return std::move(*db);
}

void ReadPool::release(std::unique_ptr<Database> db) {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(db));
  }
  released_.notify_one();
}

}  // namespace redoubt::store

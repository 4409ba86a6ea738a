#pragma once

// Bounds the number of connections, in total and per client address, across all I/O threads.
// acquire() hands out a Slot; the connection holds it for its lifetime.

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace redoubt::net {

class ConnectionLimiter {
 public:
  ConnectionLimiter(std::size_t max_total, std::size_t max_per_address)
      : max_total_(max_total), max_per_address_(max_per_address) {}

  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept : owner_(std::exchange(other.owner_, nullptr)), address_(std::move(other.address_)) {}
    Slot& operator=(Slot&&) = delete;
    ~Slot() { if (owner_) owner_->release(address_); }
    explicit operator bool() const { return owner_ != nullptr; }

   private:
    friend class ConnectionLimiter;
    Slot(ConnectionLimiter* owner, std::string address) : owner_(owner), address_(std::move(address)) {}
    ConnectionLimiter* owner_ = nullptr;
    std::string address_;
  };

  enum class Refusal { kNone, kTotal, kPerAddress };

  // An empty Slot and the reason when a limit is reached.
  std::pair<Slot, Refusal> acquire(const std::string& address) {
    std::lock_guard lock(mutex_);
    if (total_ >= max_total_) return {Slot(), Refusal::kTotal};
    std::size_t& count = per_address_[address];
    if (count >= max_per_address_) {
      if (count == 0) per_address_.erase(address);
      return {Slot(), Refusal::kPerAddress};
    }
    ++count;
    ++total_;
    return {Slot(this, address), Refusal::kNone};
  }

  std::size_t total() const {
    std::lock_guard lock(mutex_);
    return total_;
  }

 private:
  void release(const std::string& address) {
    std::lock_guard lock(mutex_);
    --total_;
    auto it = per_address_.find(address);
    if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
  }

  const std::size_t max_total_;
  const std::size_t max_per_address_;
  mutable std::mutex mutex_;
  std::size_t total_ = 0;                                  // Guarded by mutex_.
  std::unordered_map<std::string, std::size_t> per_address_;  // Guarded by mutex_.
};

}  // namespace redoubt::net

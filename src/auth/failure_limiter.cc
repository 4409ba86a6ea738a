#include "auth/failure_limiter.h"

namespace redoubt::auth {

FailureLimiter::FailureLimiter(unsigned max_failures, std::chrono::seconds window, std::size_t max_keys)
    : max_failures_(max_failures), window_(window), max_keys_(max_keys) {}

bool FailureLimiter::blocked(std::string_view key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(std::string(key));
  if (it == entries_.end()) return false;
  if (now - it->second.last >= window_) {
    order_.erase(it->second.age);
    entries_.erase(it);
    return false;
  }
  return it->second.failures >= max_failures_;
}

void FailureLimiter::record_failure(std::string_view key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto [it, added] = entries_.try_emplace(std::string(key));
  Entry& entry = it->second;
  if (!added) {
    if (now - entry.last >= window_) entry.failures = 0;
    order_.erase(entry.age);
  }
  ++entry.failures;
  entry.last = now;
  entry.age = order_.insert(order_.end(), it->first);
  while (entries_.size() > max_keys_) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
}

void FailureLimiter::clear(std::string_view key) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(std::string(key));
  if (it == entries_.end()) return;
  order_.erase(it->second.age);
  entries_.erase(it);
}

}  // namespace redoubt::auth

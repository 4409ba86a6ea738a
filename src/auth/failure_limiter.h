#pragma once

// Throttles password guessing. Keys are client addresses and account names: after
// `max_failures` failed logins within `window`, further attempts for that key are refused
// without checking the password until the window has passed since the last failure. A success
// clears the account's key (not the address's: one good password must not unlock guessing of
// others from the same address).
//
// Thread-safe. Memory is bounded: at most `max_keys` keys are tracked; when full, the oldest
// entries are dropped first (an attacker spreading over many keys gains little: each key still
// needs its own failures).

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace redoubt::auth {

class FailureLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  FailureLimiter(unsigned max_failures = 10, std::chrono::seconds window = std::chrono::minutes(15),
                 std::size_t max_keys = 100000);

  // True while `key` has reached max_failures within the window.
  bool blocked(std::string_view key, Clock::time_point now = Clock::now());
  void record_failure(std::string_view key, Clock::time_point now = Clock::now());
  void clear(std::string_view key);

 private:
  struct Entry {
    unsigned failures = 0;
    Clock::time_point last;
    std::list<std::string>::iterator age;  // Position in order_.
  };

  const unsigned max_failures_;
  const std::chrono::seconds window_;
  const std::size_t max_keys_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;  // Guarded by mutex_.
  std::list<std::string> order_;                    // Least recently failed first. Guarded.
};

}  // namespace redoubt::auth

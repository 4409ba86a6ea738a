#pragma once

// Password login against the store, for every protocol that takes one (IMAP, submission, HTTP).

#include <array>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/store.h"

namespace redoubt::auth {

// Remembers recent successful logins so that a client that logs in again (mail clients open
// several connections, and reconnect all day) does not pay Argon2id (64 MiB, ~0.1-0.3 s) each
// time; Dovecot's auth_cache does the same job. What is kept per account is the stored hash the
// password was verified against and an HMAC of the password under a key that exists only in this
// process's memory: never the password, nothing on disk. An entry counts only while the account's
// stored hash is unchanged, so `redoubt account passwd` (from any process) invalidates it at once.
// Failures are never cached. Thread-safe; bounded in size and age.
class LoginCache {
 public:
  explicit LoginCache(std::chrono::seconds ttl = std::chrono::minutes(30), std::size_t max_entries = 100000);

  // Whether `password` was verified for `account` (with its current `password_hash`) recently.
  bool remembers(const store::AccountInfo& account, std::string_view password);
  void remember(const store::AccountInfo& account, std::string_view password);

 private:
  using Clock = std::chrono::steady_clock;
  using Mac = std::array<unsigned char, 32>;
  struct Entry {
    std::string password_hash;
    Mac mac;
    Clock::time_point expires;
  };
  Mac mac_of(std::string_view password) const;

  const std::chrono::seconds ttl_;
  const std::size_t max_entries_;
  const std::string key_;  // 32 random bytes, made at start, never stored.
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;  // By address. Guarded by mutex_.
};

// The account `user` (an address) if `password` is its password. Blocking (Argon2id, SQLite):
// run it on the blocking pool. An unknown user, a malformed address and a wrong password take
// the same time (a dummy hash is checked) and give the same answer. With a `cache`, a password
// verified recently for the same stored hash is accepted without Argon2id.
std::optional<store::AccountInfo> check_password(store::Store& store, std::string_view user,
                                                 std::string_view password, LoginCache* cache = nullptr);

}  // namespace redoubt::auth

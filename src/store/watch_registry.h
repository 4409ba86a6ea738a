#pragma once

// The subscriptions behind Store::watch. Internal to src/store.
//
// Writers call notify() after their transaction committed; Store::Watch handles add and remove.
// The hard part is removal while a notification runs on another thread: remove() waits until no
// other thread is inside the callback, so that after a Watch is destroyed its callback (and what
// it captured) is never used again.

#include <compare>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "store/ids.h"

namespace redoubt::store {

// One Store::watch subscription.
struct WatchEntry {
  AccountId account;
  std::function<void(MailboxId)> callback;
  bool is_removed = false;               // GUARDED_BY(WatchRegistry::mutex_)
  std::vector<std::thread::id> callers;  // GUARDED_BY(WatchRegistry::mutex_): inside callback.
};

// A mailbox changed by a committed write.
struct MailboxChange {
  AccountId account;
  MailboxId mailbox;

  auto operator<=>(const MailboxChange&) const = default;
};

class WatchRegistry {
 public:
  WatchRegistry() = default;
  // REQUIRES: every entry removed (the Store outlives its Watches); checked.
  ~WatchRegistry();
  WatchRegistry(const WatchRegistry&) = delete;
  WatchRegistry& operator=(const WatchRegistry&) = delete;

  std::shared_ptr<WatchEntry> add(AccountId account, std::function<void(MailboxId)> callback);

  // Unsubscribes `entry`. Returns once no other thread is running its callback; from inside the
  // callback itself it does not wait for its own call (that would never end).
  void remove(const std::shared_ptr<WatchEntry>& entry);

  // Calls the callbacks of each change's account with its mailbox, once per distinct change.
  // Not under any store lock: callbacks may take their own.
  void notify(std::vector<MailboxChange> changes);

 private:
  void call(WatchEntry& entry, MailboxId mailbox);

  std::mutex mutex_;
  std::condition_variable call_ended_;
  std::map<AccountId, std::vector<std::shared_ptr<WatchEntry>>> by_account_;  // GUARDED_BY(mutex_)
};

}  // namespace redoubt::store

// Store::watch and the registry behind it.

#include <algorithm>

#include "base/check.h"
#include "store/store.h"
#include "store/watch_registry.h"

namespace redoubt::store {

WatchRegistry::~WatchRegistry() {
  // A Watch left alive would later touch this destroyed registry.
  REDOUBT_CHECK(by_account_.empty());
}

std::shared_ptr<WatchEntry> WatchRegistry::add(AccountId account,
                                               std::function<void(MailboxId)> callback) {
  auto entry = std::make_shared<WatchEntry>();
  entry->account = account;
  entry->callback = std::move(callback);
  std::lock_guard lock(mutex_);
  by_account_[account].push_back(entry);
  return entry;
}

void WatchRegistry::remove(const std::shared_ptr<WatchEntry>& entry) {
  std::unique_lock lock(mutex_);
  entry->is_removed = true;
  auto it = by_account_.find(entry->account);
  if (it != by_account_.end()) {
    std::erase(it->second, entry);
    if (it->second.empty()) by_account_.erase(it);
  }
  const std::thread::id self = std::this_thread::get_id();
  call_ended_.wait(lock, [&] {
    return std::all_of(entry->callers.begin(), entry->callers.end(),
                       [&](std::thread::id caller) { return caller == self; });
  });
}

void WatchRegistry::notify(std::vector<MailboxChange> changes) {
  std::sort(changes.begin(), changes.end());
  changes.erase(std::unique(changes.begin(), changes.end()), changes.end());
  for (const MailboxChange& change : changes) {
    std::vector<std::shared_ptr<WatchEntry>> watchers;
    {
      std::lock_guard lock(mutex_);
      auto it = by_account_.find(change.account);
      if (it == by_account_.end()) continue;
      watchers = it->second;  // Copied: callbacks run unlocked, while others may subscribe.
    }
    for (const auto& watcher : watchers) call(*watcher, change.mailbox);
  }
}

void WatchRegistry::call(WatchEntry& entry, MailboxId mailbox) {
  const std::thread::id self = std::this_thread::get_id();
  {
    std::lock_guard lock(mutex_);
    // Removed since `watchers` was copied: its owner may already have freed what it captured.
    if (entry.is_removed) return;
    entry.callers.push_back(self);
  }
  entry.callback(mailbox);
  {
    std::lock_guard lock(mutex_);
    entry.callers.erase(std::find(entry.callers.begin(), entry.callers.end(), self));
  }
  call_ended_.notify_all();
}

Store::Watch::Watch(Key, WatchRegistry& registry, std::shared_ptr<WatchEntry> entry)
    : registry_(registry), entry_(std::move(entry)) {}

Store::Watch::~Watch() { registry_.remove(entry_); }

std::unique_ptr<Store::Watch> Store::watch(AccountId account, WatchCallback changed) {
  REDOUBT_CHECK(changed != nullptr);
  return std::make_unique<Watch>(Key{}, *watches_, watches_->add(account, std::move(changed)));
}

}  // namespace redoubt::store

#include "auth/authenticate.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth/password.h"
#include "base/random.h"

namespace redoubt::auth {

LoginCache::LoginCache(std::chrono::seconds ttl, std::size_t max_entries)
    : ttl_(ttl), max_entries_(max_entries), key_(random_bytes(32)) {}

LoginCache::Mac LoginCache::mac_of(std::string_view password) const {
  Mac mac{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()), reinterpret_cast<const unsigned char*>(password.data()),
       password.size(), mac.data(), &length);
  return mac;
}

bool LoginCache::remembers(const store::AccountInfo& account, std::string_view password) {
  const Mac mac = mac_of(password);
  std::lock_guard lock(mutex_);
  auto it = entries_.find(account.address);
  if (it == entries_.end()) return false;
  if (Clock::now() >= it->second.expires || it->second.password_hash != account.password_hash) {
    entries_.erase(it);
    return false;
  }
  return constant_time_equals(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()),
                              std::string_view(reinterpret_cast<const char*>(it->second.mac.data()), mac.size()));
}

void LoginCache::remember(const store::AccountInfo& account, std::string_view password) {
  Entry entry{account.password_hash, mac_of(password), Clock::now() + ttl_};
  std::lock_guard lock(mutex_);
  if (entries_.size() >= max_entries_ && !entries_.contains(account.address)) {
    // Full: drop the expired, and if none were, everything (simple, and only costs re-hashing).
    std::erase_if(entries_, [now = Clock::now()](const auto& item) { return now >= item.second.expires; });
    if (entries_.size() >= max_entries_) entries_.clear();
  }
  entries_.insert_or_assign(account.address, std::move(entry));
}

std::optional<store::AccountInfo> check_password(store::Store& store, std::string_view user,
                                                 std::string_view password, LoginCache* cache) {
  auto account = store.find_account(user);
  bool matches = account && cache && cache->remembers(*account, password);
  if (!matches) {
    const std::string& encoded = account ? account->password_hash : dummy_password_hash();
    matches = verify_password(encoded, password);
    if (account && matches && cache) cache->remember(*account, password);
  }
  if (!account || !matches) return std::nullopt;
  account->password_hash.clear();  // Not needed past this point.
  account->scram_sha256.clear();
  return std::move(*account);
}

}  // namespace redoubt::auth

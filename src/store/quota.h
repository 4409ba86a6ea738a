#pragma once

// Storage quota checks shared by every write that adds messages. Internal to src/store.

#include <cstdint>

#include "base/result.h"
#include "store/database.h"
#include "store/ids.h"
#include "store/store_error.h"

namespace redoubt::store {

// kOverQuota if the account has a storage limit (accounts.quota_bytes) and `bytes` more would
// take its use (accounts.used_bytes) past it. Succeeds if there is no such account: callers that
// must tell find out otherwise.
Result<void, StoreError> check_room(Database& db, AccountId account, std::uint64_t bytes);

}  // namespace redoubt::store

// Store: storage quotas (RFC 9208 STORAGE; the counts are kept by triggers, see schema.cc).

#include "store/quota.h"

#include <limits>

#include "store/committer.h"
#include "store/read_pool.h"
#include "store/store.h"
#include "store/store_try.h"

namespace redoubt::store {
namespace {

// Whether `bytes` more fit under `limit` (0: none) given `used`, without overflowing.
bool fits(std::uint64_t used, std::uint64_t bytes, std::uint64_t limit) {
  if (limit == 0) return true;
  return used <= limit && bytes <= limit - used;
}

Result<std::optional<QuotaUsage>, StoreError> read_usage(Database& db, AccountId account) {
  Statement st =
      db.prepare("SELECT used_bytes, message_count, quota_bytes FROM accounts WHERE id = ?1");
  st.bind(account);
  STORE_TRY(row, st.step());
  if (!*row) return std::optional<QuotaUsage>();
  // The triggers keep the counts at or above zero; max() guards a hand-edited row.
  return std::optional(QuotaUsage{
      .used_bytes = static_cast<std::uint64_t>(std::max<std::int64_t>(st.int64(0), 0)),
      .messages = static_cast<std::uint64_t>(std::max<std::int64_t>(st.int64(1), 0)),
      .limit_bytes = static_cast<std::uint64_t>(std::max<std::int64_t>(st.int64(2), 0)),
  });
}

}  // namespace

Result<void, StoreError> check_room(Database& db, AccountId account, std::uint64_t bytes) {
  STORE_TRY(usage, read_usage(db, account));
  if (*usage && !fits((*usage)->used_bytes, bytes, (*usage)->limit_bytes)) {
    return unexpected(StoreError::kOverQuota);
  }
  return {};
}

Result<QuotaUsage, StoreError> Store::quota(AccountId account) {
  return reads_->read([&](Database& db) -> Result<QuotaUsage, StoreError> {
    STORE_TRY(usage, read_usage(db, account));
    if (!*usage) return unexpected(StoreError::kNotFound);
    return **usage;
  });
}

Result<void, StoreError> Store::set_quota(AccountId account, std::uint64_t limit_bytes) {
  if (limit_bytes > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return unexpected(StoreError::kInvalid);  // SQLite integers are signed 64-bit.
  }
  return writes_->write([&](Database& db) -> Result<void, StoreError> {
    Statement st = db.prepare("UPDATE accounts SET quota_bytes = ?2 WHERE id = ?1");
    st.bind(account, static_cast<std::int64_t>(limit_bytes));
    if (auto done = st.run(); !done) return done;
    if (db.changes() == 0) return unexpected(StoreError::kNotFound);
    return {};
  });
}

Result<bool, StoreError> Store::has_room(AccountId account, std::uint64_t bytes) {
  return reads_->read([&](Database& db) -> Result<bool, StoreError> {
    STORE_TRY(usage, read_usage(db, account));
    if (!*usage) return unexpected(StoreError::kNotFound);
    return fits((*usage)->used_bytes, bytes, (*usage)->limit_bytes);
  });
}

}  // namespace redoubt::store

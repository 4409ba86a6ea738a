#include "store/directory_queries.h"

namespace redoubt::store {

Result<std::optional<DomainId>, StoreError> find_domain_id(Database& db, std::string_view name) {
  Statement st = db.prepare("SELECT id FROM domains WHERE name = ?1");
  st.bind(name);
  auto row = st.step();
  if (!row) return unexpected(row.error());
  if (!*row) return std::optional<DomainId>();
  return std::optional<DomainId>(st.id<DomainId>(0));
}

Result<std::optional<AccountId>, StoreError> find_account_id(Database& db,
                                                             std::string_view address) {
  Statement st = db.prepare("SELECT id FROM accounts WHERE address = ?1");
  st.bind(address);
  auto row = st.step();
  if (!row) return unexpected(row.error());
  if (!*row) return std::optional<AccountId>();
  return std::optional<AccountId>(st.id<AccountId>(0));
}

Result<bool, StoreError> is_alias(Database& db, std::string_view address) {
  Statement st = db.prepare("SELECT 1 FROM aliases WHERE address = ?1 LIMIT 1");
  st.bind(address);
  return st.step();
}

Result<std::vector<std::string>, StoreError> alias_targets(Database& db, std::string_view address) {
  Statement st = db.prepare("SELECT target FROM aliases WHERE address = ?1 ORDER BY target");
  st.bind(address);
  std::vector<std::string> targets;
  for (;;) {
    auto row = st.step();
    if (!row) return unexpected(row.error());
    if (!*row) return targets;
    targets.push_back(st.text(0));
  }
}

}  // namespace redoubt::store

// Store::resolve_recipient: which accounts receive mail for an address.

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "store/address.h"
#include "store/database.h"
#include "store/directory_queries.h"
#include "store/read_pool.h"
#include "store/store.h"
#include "store/store_try.h"

namespace redoubt::store {
namespace {

// How many alias-to-alias steps expansion follows. Deep chains are configuration mistakes;
// the limit bounds the work an address can cause (as Postfix's virtual_alias_recursion_limit).
constexpr int kMaxAliasDepth = 8;

// Subaddress separator (RFC 5233 §1, Postfix recipient_delimiter, Dovecot's default).
constexpr char kSubaddressSeparator = '+';

// Adds the accounts `address` reaches to `accounts` (without duplicates): itself if it is an
// account, else the accounts its alias targets reach. Breadth-first with a visited set, so alias
// loops end, and a target reached twice counts once.
Result<void, StoreError> expand(Database& db, const std::string& address,
                                std::vector<AccountId>& accounts) {
  std::set<std::string> visited = {address};
  std::vector<std::string> level = {address};
  for (int depth = 0; !level.empty(); ++depth) {
    std::vector<std::string> next;
    for (const std::string& current : level) {
      STORE_TRY(account, find_account_id(db, current));
      if (*account) {
        if (std::find(accounts.begin(), accounts.end(), **account) == accounts.end()) {
          accounts.push_back(**account);
        }
        continue;
      }
      if (depth == kMaxAliasDepth) continue;  // Too deep: this branch reaches nobody.
      STORE_TRY(targets, alias_targets(db, current));
      for (std::string& target : *targets) {
        if (visited.insert(target).second) next.push_back(std::move(target));
      }
    }
    level = std::move(next);
  }
  return {};
}

}  // namespace

Result<std::vector<AccountId>, StoreError> Store::resolve_recipient(std::string_view address) {
  auto normalized = normalize_address(address);
  if (!normalized) return unexpected(normalized.error());
  // One read transaction: the steps below see one consistent directory.
  return reads_->read([&](Database& db) -> Result<std::vector<AccountId>, StoreError> {
    const std::string domain(domain_of(*normalized));
    STORE_TRY(domain_id, find_domain_id(db, domain));
    if (!*domain_id) return unexpected(StoreError::kNotFound);

    std::vector<AccountId> accounts;
    if (auto done = expand(db, *normalized, accounts); !done) return unexpected(done.error());
    if (!accounts.empty()) return accounts;

    // "user+tag@domain" -> "user@domain", unless the '+' starts the local part.
    const std::string_view local = local_part_of(*normalized);
    if (const auto separator = local.find(kSubaddressSeparator);
        separator != std::string_view::npos && separator > 0) {
      const std::string base = std::string(local.substr(0, separator)) + "@" + domain;
      if (auto done = expand(db, base, accounts); !done) return unexpected(done.error());
      if (!accounts.empty()) return accounts;
    }

    if (auto done = expand(db, "@" + domain, accounts); !done) return unexpected(done.error());
    return accounts;
  });
}

}  // namespace redoubt::store

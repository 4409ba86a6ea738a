#pragma once

// Lookups shared by the directory operations and recipient resolution. Internal to src/store.
// Each runs on whatever connection and transaction the caller holds. Arguments are normalized.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/database.h"
#include "store/ids.h"
#include "store/store_error.h"

namespace redoubt::store {

// The id of local domain `name`, or nullopt.
Result<std::optional<DomainId>, StoreError> find_domain_id(Database& db, std::string_view name);

// The id of the account `address`, or nullopt.
Result<std::optional<AccountId>, StoreError> find_account_id(Database& db,
                                                             std::string_view address);

// Whether `address` has at least one alias mapping.
Result<bool, StoreError> is_alias(Database& db, std::string_view address);

// The targets of alias `address`, sorted; empty if it is not an alias.
Result<std::vector<std::string>, StoreError> alias_targets(Database& db, std::string_view address);

}  // namespace redoubt::store

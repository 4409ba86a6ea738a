#pragma once

// What the store returns about domains, accounts and aliases (the "directory").

#include <string>

#include "store/ids.h"

namespace redoubt::store {

// A domain the server receives mail for. `name` is normalized (store/address.h).
struct DomainInfo {
  DomainId id;
  std::string name;

  bool operator==(const DomainInfo&) const = default;
};

// An account. `address` is normalized. `password_hash` is the opaque string given to
// Store::add_account / set_password (the store never hashes or checks it); it is filled in only by
// Store::find_account, so listings do not spread hashes through memory.
struct AccountInfo {
  AccountId id;
  std::string address;
  std::string password_hash;

  bool operator==(const AccountInfo&) const = default;
};

// One alias mapping: mail for `address` ("local@domain", or "@domain" for a catch-all) goes to
// `target` (an account or another alias). An address with several targets has several entries.
struct AliasInfo {
  std::string address;
  std::string target;

  bool operator==(const AliasInfo&) const = default;
};

}  // namespace redoubt::store

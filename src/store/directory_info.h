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

// An account. `address` is normalized. `password_hash` and `scram_sha256` are the opaque strings
// given to Store::add_account / set_password (the store never hashes or checks them;
// `scram_sha256` is "" for an account whose password was set before SCRAM support); they are
// filled in only by Store::find_account, so listings do not spread hashes through memory.
struct AccountInfo {
  AccountId id;
  std::string address;
  std::string password_hash;
  std::string scram_sha256;

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

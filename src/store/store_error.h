#pragma once

// Why a store call failed: a small closed set (STYLE.md rule 12). Each protocol maps these to its
// wire replies in exactly one file; details never reach a client.

#include <string_view>

namespace redoubt::store {

enum class StoreError {
  kTemporary,  // I/O error, database busy or similar: the same call may succeed later.
  kNotFound,   // The object (domain, account, alias, mailbox, blob) does not exist.
  kExists,     // The name is already taken.
  kInvalid,    // The argument is malformed or not allowed (bad address, non-local target, ...).
  kInUse,      // Other objects still refer to it (e.g. a domain that still has accounts).
  kOverQuota,  // The target mailbox or account can take no more messages.
  kTooLarge,   // The object exceeds a size limit.
};

// A short lowercase English phrase for CLI messages and logs ("already exists"). Never empty.
constexpr std::string_view describe(StoreError error) {
  switch (error) {
    case StoreError::kTemporary:
      return "temporary storage failure";
    case StoreError::kNotFound:
      return "not found";
    case StoreError::kExists:
      return "already exists";
    case StoreError::kInvalid:
      return "invalid argument";
    case StoreError::kInUse:
      return "still in use";
    case StoreError::kOverQuota:
      return "over quota";
    case StoreError::kTooLarge:
      return "too large";
  }
  return "unknown storage error";
}

}  // namespace redoubt::store

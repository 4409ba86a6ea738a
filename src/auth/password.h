#pragma once

// Password hashing with Argon2id (RFC 9106), stored in the PHC string format
// "$argon2id$v=19$m=...,t=...,p=...$salt$hash" so parameters can be raised later without
// breaking existing hashes.

#include <string>
#include <string_view>

#include "base/result.h"

namespace redoubt::auth {

struct Argon2Params {
  // RFC 9106 §4 second recommended option is m=64 MiB, t=3; OWASP's floor is m=19 MiB, t=2.
  // We take 64 MiB: a login is rare, a stolen hash database is forever.
  unsigned memory_kib = 64 * 1024;
  unsigned iterations = 3;
  unsigned parallelism = 1;
};

enum class PasswordError { kEmpty, kTooLong, kInternal };

// Hashes `password` with a fresh 16-byte random salt.
Result<std::string, PasswordError> hash_password(std::string_view password, const Argon2Params& = {});

// True when `password` matches `encoded`. Runs the full Argon2id computation and compares in
// constant time; a malformed `encoded` is simply "no match".
bool verify_password(std::string_view encoded, std::string_view password);

// The hash that callers verify against when the account does not exist, so that an unknown user
// and a wrong password take the same time (no user enumeration by timing).
const std::string& dummy_password_hash();

}  // namespace redoubt::auth

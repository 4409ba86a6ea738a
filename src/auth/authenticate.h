#pragma once

// Password login against the store, for every protocol that takes one (IMAP, submission, HTTP).

#include <optional>
#include <string_view>

#include "store/store.h"

namespace redoubt::auth {

// The account `user` (an address) if `password` is its password. Blocking (Argon2id, SQLite):
// run it on the blocking pool. An unknown user, a malformed address and a wrong password take
// the same time (a dummy hash is checked) and give the same answer.
std::optional<store::AccountInfo> check_password(store::Store& store, std::string_view user,
                                                 std::string_view password);

}  // namespace redoubt::auth

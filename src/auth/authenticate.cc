#include "auth/authenticate.h"

#include "auth/password.h"

namespace redoubt::auth {

std::optional<store::AccountInfo> check_password(store::Store& store, std::string_view user,
                                                 std::string_view password) {
  auto account = store.find_account(user);
  const std::string& encoded = account ? account->password_hash : dummy_password_hash();
  const bool matches = verify_password(encoded, password);
  if (!account || !matches) return std::nullopt;
  account->password_hash.clear();  // Not needed past this point.
  account->scram_sha256.clear();
  return std::move(*account);
}

}  // namespace redoubt::auth

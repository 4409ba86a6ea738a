#include "auth/password.h"

#include <argon2.h>

#include <vector>

#include "base/random.h"

namespace redoubt::auth {
namespace {
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
constexpr std::size_t kMaxPasswordBytes = 1024;
}  // namespace

Result<std::string, PasswordError> hash_password(std::string_view password, const Argon2Params& params) {
  if (password.empty()) return unexpected(PasswordError::kEmpty);
  if (password.size() > kMaxPasswordBytes) return unexpected(PasswordError::kTooLong);
  std::string salt = random_bytes(kSaltBytes);
  std::vector<char> encoded(argon2_encodedlen(params.iterations, params.memory_kib, params.parallelism,
                                              kSaltBytes, kHashBytes, Argon2_id));
  int rc = argon2id_hash_encoded(params.iterations, params.memory_kib, params.parallelism, password.data(),
                                 password.size(), salt.data(), salt.size(), kHashBytes, encoded.data(),
                                 encoded.size());
  if (rc != ARGON2_OK) return unexpected(PasswordError::kInternal);
  return std::string(encoded.data());
}

bool verify_password(std::string_view encoded, std::string_view password) {
  if (password.size() > kMaxPasswordBytes || !encoded.starts_with("$argon2id$")) return false;
  std::string terminated(encoded);  // libargon2 wants a C string.
  // argon2id_verify recomputes the hash and compares with a constant-time comparison.
  return argon2id_verify(terminated.c_str(), password.data(), password.size()) == ARGON2_OK;
}

const std::string& dummy_password_hash() {
  // Made once per process with a random password nobody knows; same parameters as real hashes.
  static const std::string kDummy = hash_password(random_hex(16)).value();
  return kDummy;
}

}  // namespace redoubt::auth

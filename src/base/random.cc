#include "base/random.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "base/check.h"
#include "base/hex.h"

namespace redoubt {

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  REDOUBT_CHECK(RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) == 1);
  return out;
}

std::string random_hex(std::size_t n) { return to_hex(random_bytes(n)); }

bool constant_time_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace redoubt

#include "auth/authenticate.h"

#include <gtest/gtest.h>

namespace redoubt::auth {
namespace {

store::AccountInfo account(std::string hash) {
  return store::AccountInfo{.id = store::AccountId(1), .address = "alice@example.test", .password_hash = std::move(hash)};
}

TEST(LoginCache, RemembersOnlyTheVerifiedPasswordForTheSameStoredHash) {
  LoginCache cache;
  const store::AccountInfo alice = account("$argon2id$v=19$one");
  EXPECT_FALSE(cache.remembers(alice, "secret"));
  cache.remember(alice, "secret");
  EXPECT_TRUE(cache.remembers(alice, "secret"));
  EXPECT_FALSE(cache.remembers(alice, "Secret"));
  EXPECT_FALSE(cache.remembers(alice, ""));
  // The password was changed (by any process): the stored hash differs, the entry is void.
  EXPECT_FALSE(cache.remembers(account("$argon2id$v=19$two"), "secret"));
  EXPECT_FALSE(cache.remembers(alice, "secret"));
}

TEST(LoginCache, EntriesExpire) {
  LoginCache cache(std::chrono::seconds(0));
  const store::AccountInfo alice = account("h");
  cache.remember(alice, "secret");
  EXPECT_FALSE(cache.remembers(alice, "secret"));
}

TEST(LoginCache, StaysWithinItsSize) {
  LoginCache cache(std::chrono::minutes(1), 2);
  for (int i = 0; i < 5; ++i) {
    store::AccountInfo a = account("h");
    a.address = "u" + std::to_string(i) + "@example.test";
    cache.remember(a, "pw");
  }
  store::AccountInfo last = account("h");
  last.address = "u4@example.test";
  EXPECT_TRUE(cache.remembers(last, "pw"));
}

}  // namespace
}  // namespace redoubt::auth

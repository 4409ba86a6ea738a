#include "auth/password.h"

#include <gtest/gtest.h>

namespace redoubt::auth {
namespace {

// Cheap parameters keep the test fast; production uses the defaults.
const Argon2Params kFast{.memory_kib = 1024, .iterations = 1, .parallelism = 1};

TEST(Password, HashVerifiesOnlyTheRightPassword) {
  auto hash = hash_password("correct horse", kFast);
  ASSERT_TRUE(hash);
  EXPECT_TRUE(hash->starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
  EXPECT_TRUE(verify_password(*hash, "correct horse"));
  EXPECT_FALSE(verify_password(*hash, "correct horse "));
  EXPECT_FALSE(verify_password(*hash, ""));
}

TEST(Password, SaltMakesEveryHashDifferent) {
  EXPECT_NE(*hash_password("same", kFast), *hash_password("same", kFast));
}

TEST(Password, RejectsEmptyAndOversizedPasswords) {
  EXPECT_EQ(hash_password("", kFast).error(), PasswordError::kEmpty);
  EXPECT_EQ(hash_password(std::string(2000, 'x'), kFast).error(), PasswordError::kTooLong);
}

TEST(Password, MalformedHashNeverMatches) {
  for (std::string_view bad : {"", "plain", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
                               "$argon2id$v=19$m=1024,t=1,p=1$$"}) {
    EXPECT_FALSE(verify_password(bad, "x")) << bad;
  }
}

}  // namespace
}  // namespace redoubt::auth

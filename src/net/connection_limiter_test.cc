#include "net/connection_limiter.h"

#include <gtest/gtest.h>

namespace redoubt::net {
namespace {

TEST(ConnectionLimiter, LimitsPerAddressAndInTotalAndReleases) {
  ConnectionLimiter limiter(3, 2);
  auto [a1, r1] = limiter.acquire("10.0.0.1");
  auto [a2, r2] = limiter.acquire("10.0.0.1");
  auto [a3, r3] = limiter.acquire("10.0.0.1");
  EXPECT_TRUE(a1 && a2);
  EXPECT_FALSE(a3);
  EXPECT_EQ(r3, ConnectionLimiter::Refusal::kPerAddress);
  {
    auto [b1, rb1] = limiter.acquire("10.0.0.2");
    EXPECT_TRUE(b1);
    auto [c1, rc1] = limiter.acquire("10.0.0.3");
    EXPECT_FALSE(c1);
    EXPECT_EQ(rc1, ConnectionLimiter::Refusal::kTotal);
    EXPECT_EQ(limiter.total(), 3u);
  }
  EXPECT_EQ(limiter.total(), 2u);
  auto [c2, rc2] = limiter.acquire("10.0.0.3");
  EXPECT_TRUE(c2);
}

}  // namespace
}  // namespace redoubt::net

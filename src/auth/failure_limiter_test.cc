#include "auth/failure_limiter.h"

#include <gtest/gtest.h>

namespace redoubt::auth {
namespace {

using namespace std::chrono_literals;

TEST(FailureLimiter, BlocksAfterMaxFailuresWithinTheWindow) {
  FailureLimiter limiter(3, 60s);
  const auto t0 = FailureLimiter::Clock::time_point{} + 1000s;
  for (int i = 0; i < 2; ++i) limiter.record_failure("10.0.0.1", t0);
  EXPECT_FALSE(limiter.blocked("10.0.0.1", t0));
  limiter.record_failure("10.0.0.1", t0 + 1s);
  EXPECT_TRUE(limiter.blocked("10.0.0.1", t0 + 2s));
  EXPECT_FALSE(limiter.blocked("10.0.0.2", t0 + 2s));
  // The window runs from the last failure.
  EXPECT_TRUE(limiter.blocked("10.0.0.1", t0 + 60s));
  EXPECT_FALSE(limiter.blocked("10.0.0.1", t0 + 61s));
}

TEST(FailureLimiter, FailuresOutsideTheWindowStartAgain) {
  FailureLimiter limiter(2, 10s);
  const auto t0 = FailureLimiter::Clock::time_point{} + 1000s;
  limiter.record_failure("k", t0);
  limiter.record_failure("k", t0 + 11s);
  EXPECT_FALSE(limiter.blocked("k", t0 + 12s));
  limiter.record_failure("k", t0 + 13s);
  EXPECT_TRUE(limiter.blocked("k", t0 + 14s));
  limiter.clear("k");
  EXPECT_FALSE(limiter.blocked("k", t0 + 14s));
}

TEST(FailureLimiter, ForgetsTheOldestKeysWhenFull) {
  FailureLimiter limiter(1, 60s, 2);
  const auto t0 = FailureLimiter::Clock::time_point{} + 1000s;
  limiter.record_failure("a", t0);
  limiter.record_failure("b", t0);
  limiter.record_failure("c", t0);
  EXPECT_FALSE(limiter.blocked("a", t0));
  EXPECT_TRUE(limiter.blocked("b", t0));
  EXPECT_TRUE(limiter.blocked("c", t0));
}

}  // namespace
}  // namespace redoubt::auth

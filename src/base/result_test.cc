#include "base/result.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace redoubt {
namespace {

enum class Why { kBad, kWorse };

Result<int, Why> half(int x) {
  if (x % 2) return unexpected(Why::kBad);
  return x / 2;
}

TEST(Result, ValueAndError) {
  auto ok = half(4);
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 2);
  auto bad = half(3);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), Why::kBad);
  EXPECT_EQ(bad.value_or(7), 7);
}

TEST(Result, MoveOnlyValues) {
  Result<std::unique_ptr<std::string>, Why> r = std::make_unique<std::string>("x");
  ASSERT_TRUE(r);
  std::unique_ptr<std::string> taken = std::move(r).value();
  EXPECT_EQ(*taken, "x");
}

TEST(Result, Void) {
  Result<void, Why> ok;
  EXPECT_TRUE(ok);
  Result<void, Why> bad = unexpected(Why::kWorse);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), Why::kWorse);
}

}  // namespace
}  // namespace redoubt

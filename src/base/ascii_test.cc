#include "base/ascii.h"

#include <gtest/gtest.h>

#include "base/random.h"

namespace redoubt {
namespace {

TEST(Ascii, CaseInsensitiveCompareIgnoresOnlyAsciiCase) {
  EXPECT_TRUE(ascii::iequals("MAIL FROM", "mail from"));
  EXPECT_FALSE(ascii::iequals("\xC3\x89", "\xC3\xA9"));  // É vs é: bytes differ beyond ASCII.
  EXPECT_TRUE(ascii::istarts_with("EHLO x", "ehlo"));
  EXPECT_EQ(ascii::trim("  a b\t"), "a b");
}

TEST(Random, HexHasRequestedLengthAndVaries) {
  auto a = random_hex(16), b = random_hex(16);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_TRUE(constant_time_equals(a, a));
  EXPECT_FALSE(constant_time_equals(a, b));
  EXPECT_FALSE(constant_time_equals("abc", "abcd"));
}

}  // namespace
}  // namespace redoubt

#include "base/date.h"

namespace redoubt {
namespace {

TEST(Date, Rfc5322InUtc) {
  EXPECT_EQ(rfc5322_date(0), "Thu, 1 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(rfc5322_date(1795430174), "Mon, 23 Nov 2026 10:36:14 +0000");
}

}  // namespace
}  // namespace redoubt

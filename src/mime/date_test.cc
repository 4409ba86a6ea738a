#include "mime/date.h"

#include <gtest/gtest.h>

namespace redoubt::mime {
namespace {

TEST(ParseDateTime, Valid) {
  struct Case {
    std::string_view input;
    DateTime want;
  };
  const Case cases[] = {
      // RFC 5322 Appendix A.1.1 and A.5 (comments and folding).
      {"Fri, 21 Nov 1997 09:55:06 -0600", {1997, 11, 21, 9, 55, 6, -360}},
      {"Thu,\r\n      13\r\n        Feb\r\n          1969\r\n      23:32\r\n               -0330 "
       "(Newfoundland Time)",
       {1969, 2, 13, 23, 32, 0, -210}},
      {"1 Jan 2024 00:00:00 +0000", {2024, 1, 1, 0, 0, 0, 0}},
      {"  tue , 29 FEB 2000 23:59:60 +1400", {2000, 2, 29, 23, 59, 60, 840}},
      {"Mon, 2 Jan 2006 15:04:05 GMT", {2006, 1, 2, 15, 4, 5, 0}},
      {"Mon, 2 Jan 2006 15:04:05 EST", {2006, 1, 2, 15, 4, 5, -300}},
      {"Mon, 2 Jan 2006 15:04:05 pdt", {2006, 1, 2, 15, 4, 5, -420}},
      {"Mon, 2 Jan 2006 15:04:05 Q", {2006, 1, 2, 15, 4, 5, 0}},     // military: -0000
      {"Mon, 2 Jan 2006 15:04:05 CEST", {2006, 1, 2, 15, 4, 5, 0}},  // unknown: -0000
      {"Mon, 2 Jan 2006 15:04:05", {2006, 1, 2, 15, 4, 5, 0}},       // no zone
      {"Mon, 2 Jan 2006 15:04:05 +01:30", {2006, 1, 2, 15, 4, 5, 90}},
      {"Monday, 2 January 2006 15:04 +0100 (CET)", {2006, 1, 2, 15, 4, 0, 60}},
      {"2-Jan-2006 15:04:05 +0100", {2006, 1, 2, 15, 4, 5, 60}},
      // RFC 5322 §4.3 obsolete years.
      {"1 Jan 49 00:00 +0000", {2049, 1, 1, 0, 0, 0, 0}},
      {"1 Jan 50 00:00 +0000", {1950, 1, 1, 0, 0, 0, 0}},
      {"1 Jan 103 00:00 +0000", {2003, 1, 1, 0, 0, 0, 0}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.input);
    auto got = parse_date_time(c.input);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(*got, c.want);
  }
}

TEST(ParseDateTime, Invalid) {
  for (std::string_view input :
       {"", "Fri", "Fri, 21 Nov", "Fri, 21 Nov 1997", "21 Nov 1997 09", "Fri, 31 Nov 1997 09:55",
        "Fri, 29 Feb 1900 09:55", "Fri, 21 Nov 1997 24:00", "Fri, 21 Nov 1997 09:60",
        "Fri, 21 Foo 1997 09:55", "Xyz, 21 Nov 1997 09:55", "Fri, 0 Nov 1997 09:55",
        "Fri, 21 Nov 19970 09:55", "Fri, 21 Nov 1997 09:55 +2400", "Fri, 21 Nov 1997 09:55 +060",
        "Fri, 21 Nov 1997 09:55 -0060", "(unclosed comment 21 Nov 1997 09:55",
        "Fri, 21 Nov 1899 09:55 +0000"}) {
    SCOPED_TRACE(input);
    EXPECT_FALSE(parse_date_time(input).has_value());
  }
}

TEST(ToUnixSeconds, AppliesZone) {
  EXPECT_EQ(to_unix_seconds({1970, 1, 1, 0, 0, 0, 0}), 0);
  EXPECT_EQ(to_unix_seconds({1997, 11, 21, 9, 55, 6, -360}), 880127706);
  EXPECT_EQ(to_unix_seconds({1969, 2, 13, 23, 32, 0, -210}), -27723480);
  EXPECT_EQ(to_unix_seconds({2024, 2, 29, 12, 0, 0, 120}), 1709200800);
}

}  // namespace
}  // namespace redoubt::mime

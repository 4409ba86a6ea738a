#include "imap/proto/date_time.h"

#include <gtest/gtest.h>

namespace redoubt::imap::proto {
namespace {

TEST(Date, ParsesAndFormats) {
  EXPECT_EQ(parse_date("1-Feb-1994"), (Date{1994, 2, 1}));
  EXPECT_EQ(parse_date("01-feb-1994"), (Date{1994, 2, 1}));
  EXPECT_EQ(parse_date("29-Feb-2000"), (Date{2000, 2, 29}));
  for (std::string_view bad : {"", "1-Feb-94", "0-Feb-1994", "29-Feb-1900", "32-Jan-2000",
                               "1-Fe-1994", "001-Feb-1994", "1-Feb-1994 ", "a-Feb-1994",
                               "1/Feb/1994"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(parse_date(bad).has_value());
  }
  EXPECT_EQ(format_date({1994, 2, 1}), "1-Feb-1994");
}

TEST(DateTime, ParsesAndFormats) {
  const DateTime want{{1996, 7, 17}, 2, 44, 25, -420};
  EXPECT_EQ(parse_date_time("17-Jul-1996 02:44:25 -0700"), want);
  EXPECT_EQ(format_date_time(want), "\"17-Jul-1996 02:44:25 -0700\"");
  EXPECT_EQ(parse_date_time(" 7-Jul-1996 02:44:25 +0000"), (DateTime{{1996, 7, 7}, 2, 44, 25, 0}));
  EXPECT_EQ(format_date_time({{1996, 7, 7}, 2, 44, 25, 90}), "\" 7-Jul-1996 02:44:25 +0130\"");
  for (std::string_view bad : {"17-Jul-1996 24:00:00 +0000", "17-Jul-1996 02:44 +0000",
                               "17-Jul-1996 02:44:25 0700", "17-Jul-1996 02:44:25 +0760",
                               "17-Jul-1996  02:44:25 +0000", "17-Jul-1996"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(parse_date_time(bad).has_value());
  }
}

TEST(DateTime, ConvertsToAndFromUnixTime) {
  const DateTime dt = date_time_from_unix(837596665, -420);  // 1996-07-17 09:44:25 UTC
  EXPECT_EQ(dt, (DateTime{{1996, 7, 17}, 2, 44, 25, -420}));
  EXPECT_EQ(to_unix(dt), 837596665);
  EXPECT_EQ(date_time_from_unix(-1), (DateTime{{1969, 12, 31}, 23, 59, 59, 0}));
}

}  // namespace
}  // namespace redoubt::imap::proto

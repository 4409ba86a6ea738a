#include "mime/quoted_printable.h"

#include <gtest/gtest.h>

namespace redoubt::mime {
namespace {

TEST(QuotedPrintable, Rfc2045Rules) {
  // Rule (1): =XX, either case of hex.
  EXPECT_EQ(decode_quoted_printable("caf=C3=A9 caf=c3=a9"), "caf\xc3\xa9 caf\xc3\xa9");
  // Rule (5): soft line breaks, with CRLF or LF, and padding after the "=".
  EXPECT_EQ(decode_quoted_printable("Now's the time =\r\nfor all folk"),
            "Now's the time for all folk");
  EXPECT_EQ(decode_quoted_printable("a=  \nb"), "ab");
  // Rule (3): trailing whitespace is transport padding.
  EXPECT_EQ(decode_quoted_printable("line  \t\r\nnext"), "line\r\nnext");
  // Hard line breaks are kept as written.
  EXPECT_EQ(decode_quoted_printable("a\nb\r\n"), "a\nb\r\n");
}

TEST(QuotedPrintable, MalformedEqualsIsKept) {
  std::string out;
  EXPECT_FALSE(decode_quoted_printable("100=%! =4 =G1", out));
  EXPECT_EQ(out, "100=%! =4 =G1");
}

TEST(QuotedPrintable, RoundTrip) {
  std::string all;
  for (int i = 0; i < 600; ++i) all.push_back(char(i * 13));
  all += "  trailing space ";
  std::string encoded = encode_quoted_printable(all);
  for (std::size_t start = 0, lf; (lf = encoded.find('\n', start)) != std::string::npos;
       start = lf + 1) {
    EXPECT_LE(lf - start, 77u);  // 76 characters + CR
  }
  EXPECT_EQ(decode_quoted_printable(encoded), all);
}

TEST(QDecoding, UnderscoreIsSpace) {
  // RFC 2047 §4.2
  std::string out;
  EXPECT_TRUE(decode_q("Keith_Moore=3F", out));
  EXPECT_EQ(out, "Keith Moore?");
}

}  // namespace
}  // namespace redoubt::mime

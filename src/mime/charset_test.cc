#include "mime/charset.h"

#include <gtest/gtest.h>

namespace redoubt::mime {
namespace {

TEST(Charset, CommonCharsets) {
  EXPECT_EQ(to_utf8("ISO-8859-1", "caf\xe9"), "caf\xc3\xa9");
  EXPECT_EQ(to_utf8("iso-8859-2", "\xb1"), "\xc4\x85");                  // ą
  EXPECT_EQ(to_utf8("windows-1252", "\x80 \x93q\x94"), "\xe2\x82\xac \xe2\x80\x9cq\xe2\x80\x9d");
  EXPECT_EQ(to_utf8("koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4"), "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");
  EXPECT_EQ(to_utf8("Shift_JIS", "\x93\xfa\x96\x7b"), "\xe6\x97\xa5\xe6\x9c\xac");  // 日本
  EXPECT_EQ(to_utf8("ISO-2022-JP", "\x1b$BF|K\\\x1b(B"), "\xe6\x97\xa5\xe6\x9c\xac");
  EXPECT_EQ(to_utf8("UTF-8", "ok \xe2\x9c\x93"), "ok \xe2\x9c\x93");
  EXPECT_EQ(to_utf8("", "plain"), "plain");  // RFC 2045 §5.2: US-ASCII
}

TEST(Charset, MislabelledLegacyChineseUsesTheSuperset) {
  // 0x8A 0xEE is GBK (U+5A4E), not GB2312: mail labelled gb2312 holds GBK all the time.
  std::string out;
  EXPECT_EQ(convert_to_utf8("gb2312", "\x8a\xee", out), Conversion::kExact);
  EXPECT_EQ(out, "\xe5\xa9\x8e");
}

TEST(Charset, InvalidBytesBecomeReplacementCharacters) {
  std::string out;
  EXPECT_EQ(convert_to_utf8("us-ascii", "a\xff" "b", out), Conversion::kReplaced);
  EXPECT_EQ(out, "a\xef\xbf\xbd" "b");
  out.clear();
  EXPECT_EQ(convert_to_utf8("utf-8", "a\xc3(b", out), Conversion::kReplaced);
  EXPECT_EQ(out, "a\xef\xbf\xbd(b");
}

TEST(Charset, UnknownCharsetFallsBackLosslessly) {
  std::string out;
  EXPECT_EQ(convert_to_utf8("x-no-such-charset", "caf\xc3\xa9", out), Conversion::kFallback);
  EXPECT_EQ(out, "caf\xc3\xa9");  // valid UTF-8 kept
  out.clear();
  EXPECT_EQ(convert_to_utf8("unknown-8bit", "caf\xe9", out), Conversion::kFallback);
  EXPECT_EQ(out, "caf\xc3\xa9");  // else one code point per byte
  out.clear();
  // ICU would parse ",swaporder" as an option; such names are simply unknown.
  EXPECT_EQ(convert_to_utf8("UTF-16,swaporder", "ab", out), Conversion::kFallback);
  EXPECT_FALSE(is_known_charset("UTF-16,version=1"));
  EXPECT_TRUE(is_known_charset("gb2312"));
}

TEST(Utf8, Validation) {
  EXPECT_TRUE(is_valid_utf8("abc \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));          // truncated
}

}  // namespace
}  // namespace redoubt::mime

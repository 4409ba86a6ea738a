#include "mime/rfc2047.h"

#include <gtest/gtest.h>

namespace redoubt::mime {
namespace {

// RFC 2047 §8, the examples of encoded words in comments and their displayed forms.
TEST(DecodeEncodedWords, Rfc2047Section8) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"(=?ISO-8859-1?Q?a?=)", "(a)"},
      {"(=?ISO-8859-1?Q?a?= b)", "(a b)"},
      {"(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)"},
      {"(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)"},
      {"(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)"},
      {"(=?ISO-8859-1?Q?a_b?=)", "(a b)"},
      {"(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)"},
      {"=?US-ASCII?Q?Keith_Moore?=", "Keith Moore"},
      {"=?ISO-8859-1?Q?Andr=E9?= Pirard", "Andr\xc3\xa9 Pirard"},
      {"=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n"
       "    =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
       "If you can read this you understand the example."},
  };
  for (auto [in, want] : cases) {
    SCOPED_TRACE(in);
    EXPECT_EQ(decode_encoded_words(in), want);
  }
  EXPECT_EQ(decode_unstructured(" =?ISO-8859-1?Q?a?=\r\n =?ISO-8859-1?Q?b?= c"), "ab c");
}

TEST(DecodeEncodedWords, SplitMultibyteCharacterIsJoined) {
  // "é" (C3 A9) split across two words of the same charset.
  EXPECT_EQ(decode_encoded_words("=?UTF-8?Q?caf=C3?= =?UTF-8?Q?=A9?="), "caf\xc3\xa9");
  EXPECT_EQ(decode_encoded_words("=?utf-8?B?w6k=?= =?UTF-8?b?w6k=?="), "\xc3\xa9\xc3\xa9");
}

TEST(DecodeEncodedWords, LanguageSuffixAndLenientPlacement) {
  // RFC 2231 §5
  EXPECT_EQ(decode_encoded_words("=?US-ASCII*EN?Q?Keith_Moore?="), "Keith Moore");
  // Touching other text: decoded anyway, as Python's email and Dovecot do.
  EXPECT_EQ(decode_encoded_words("Re:=?UTF-8?Q?=C3=A9?=!"), "Re:\xc3\xa9!");
}

TEST(DecodeEncodedWords, MalformedWordsStayRaw) {
  for (std::string_view raw :
       {"=?utf-8?X?abc?=", "=?utf-8?Q?abc", "=??Q?abc?=", "=?utf-8?Q?a b?=", "=?utf-8?Qabc?=",
        "=?", "=?utf-8?"}) {
    SCOPED_TRACE(raw);
    EXPECT_EQ(decode_encoded_words(raw), raw);
  }
}

TEST(DecodeEncodedWords, UnknownCharsetAndRawEightBit) {
  EXPECT_EQ(decode_encoded_words("=?x-unknown?Q?caf=E9?="), "caf\xc3\xa9");
  // RFC 6532 UTF-8 is kept; other 8-bit bytes are read as ISO-8859-1.
  EXPECT_EQ(decode_encoded_words("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(decode_encoded_words("caf\xe9"), "caf\xc3\xa9");
}

}  // namespace
}  // namespace redoubt::mime

#include "imap/proto/mutf7.h"

#include <gtest/gtest.h>

namespace redoubt::imap::proto {
namespace {

TEST(Mutf7, RoundTrips) {
  const struct {
    std::string_view utf8;
    std::string_view mutf7;
  } cases[] = {
      {"INBOX", "INBOX"},
      {"", ""},
      {"&", "&-"},
      {"Tom & Jerry", "Tom &- Jerry"},
      // RFC 3501 §5.1.3 example: "~peter/mail/台北/日本語"
      {"~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
       "~peter/mail/&U,BTFw-/&ZeVnLIqe-"},
      {"Entw\xc3\xbcrfe", "Entw&APw-rfe"},
      {"\xc3\xa9&", "&AOk-&-"},
      {"\xf0\x9f\x93\xa7", "&2D3c5w-"},  // U+1F4E7: a surrogate pair.
      {"a\tb", "a&AAk-b"},
      {"\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", "&IKwgrCCs-"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.mutf7);
    auto encoded = encode_mutf7(c.utf8);
    ASSERT_TRUE(encoded.has_value());
    EXPECT_EQ(*encoded, c.mutf7);
    auto decoded = decode_mutf7(c.mutf7);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, c.utf8);
  }
}

TEST(Mutf7, RefusesInvalidForms) {
  const struct {
    std::string_view mutf7;
    Mutf7Error want;
  } cases[] = {
      {"a\xc3\xa9", Mutf7Error::kInvalidCharacter},  // Raw 8-bit.
      {"a\tb", Mutf7Error::kInvalidCharacter},
      {"&AOk", Mutf7Error::kInvalidBase64},          // No "-".
      {"&AO/-", Mutf7Error::kInvalidBase64},         // "/" is "," in modified BASE64.
      {"&AOl-", Mutf7Error::kInvalidBase64},         // Non-zero padding bits.
      {"&AO-", Mutf7Error::kInvalidBase64},          // Partial UTF-16 unit.
      {"&AOkA-", Mutf7Error::kInvalidBase64},        // A whole spare base64 character.
      {"&AOk-&AOk-", Mutf7Error::kNotShortest},      // Null shift "-&".
      {"&AGE-", Mutf7Error::kNotShortest},           // "a" must represent itself.
      {"&ACY-", Mutf7Error::kNotShortest},           // "&" must be "&-".
      {"&2D0-", Mutf7Error::kInvalidUtf16},          // Lone high surrogate.
      {"&3OcAYQ-", Mutf7Error::kInvalidUtf16},       // Lone low surrogate.
      {"&AAA-", Mutf7Error::kInvalidUtf16},          // U+0000.
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.mutf7);
    auto got = decode_mutf7(c.mutf7);
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error(), c.want);
  }
  EXPECT_EQ(encode_mutf7("\xc3").error(), Mutf7Error::kInvalidCharacter);
  EXPECT_EQ(encode_mutf7("\xed\xa0\x80").error(), Mutf7Error::kInvalidCharacter);  // Surrogate.
  EXPECT_EQ(encode_mutf7(std::string_view("a\0", 2)).error(), Mutf7Error::kInvalidUtf16);
}

}  // namespace
}  // namespace redoubt::imap::proto

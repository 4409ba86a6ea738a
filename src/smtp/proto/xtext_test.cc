#include "smtp/proto/xtext.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace redoubt::smtp::proto {
namespace {

TEST(Xtext, Decode) {
  const struct {
    std::string_view input;
    std::optional<std::string> want;
  } cases[] = {
      {"", ""},
      {"QQ314159", "QQ314159"},
      {"e+3Dmc2@example.com", "e=mc2@example.com"},  // RFC 4954 §5 example.
      {"a+2Bb", "a+b"},
      {"a+2bb", "a+b"},  // Lower-case hex is accepted.
      {"+00+FF", std::string("\0\xFF", 2)},
      {"!~", "!~"},
      {"a+", std::nullopt},
      {"a+2", std::nullopt},
      {"a+G0", std::nullopt},
      {"a=b", std::nullopt},
      {"a b", std::nullopt},
      {"a\x7F", std::nullopt},
      {"\xC3\xA9", std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(decode_xtext(c.input), c.want) << testing::PrintToString(std::string(c.input));
  }
}

TEST(Xtext, EncodeRoundTrip) {
  EXPECT_EQ(encode_xtext("e=mc2@example.com"), "e+3Dmc2@example.com");
  EXPECT_EQ(encode_xtext("a+b c"), "a+2Bb+20c");
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  EXPECT_EQ(decode_xtext(encode_xtext(all)), all);
}

}  // namespace
}  // namespace redoubt::smtp::proto

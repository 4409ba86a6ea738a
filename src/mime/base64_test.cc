#include "mime/base64.h"

#include <gtest/gtest.h>

namespace redoubt::mime {
namespace {

TEST(Base64, Rfc4648TestVectors) {
  // RFC 4648 §10
  const std::pair<std::string_view, std::string_view> vectors[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(encode_base64(plain), encoded);
    EXPECT_EQ(decode_base64(encoded), plain);
  }
}

TEST(Base64, LenientAsRfc2045Asks) {
  std::string out;
  // RFC 2045 §6.8: line breaks and characters outside the alphabet are ignored.
  EXPECT_TRUE(decode_base64("Zm9v\r\nYmFy\r\n", out));
  EXPECT_EQ(out, "foobar");
  out.clear();
  EXPECT_FALSE(decode_base64("Zm9v!YmFy", out));
  EXPECT_EQ(out, "foobar");
  // "=" ends the data.
  out.clear();
  EXPECT_FALSE(decode_base64("Zg==Zm9v", out));
  EXPECT_EQ(out, "f");
  // Missing padding still yields the whole bytes.
  EXPECT_EQ(decode_base64("Zm9vYg"), "foob");
  EXPECT_EQ(decode_base64("Zm9vYmE"), "fooba");
  // A lone trailing character holds no whole byte.
  out.clear();
  EXPECT_FALSE(decode_base64("Zm9vY", out));
  EXPECT_EQ(out, "foo");
}

TEST(Base64, RoundTripAllBytesWithLineBreaks) {
  std::string all;
  for (int i = 0; i < 256 * 3; ++i) all.push_back(char(i * 7));
  std::string encoded = encode_base64(all, 76);
  EXPECT_NE(encoded.find("\r\n"), std::string::npos);
  EXPECT_EQ(decode_base64(encoded), all);
}

}  // namespace
}  // namespace redoubt::mime

#include "mime/parameters.h"

#include <gtest/gtest.h>

#include "mime/content_type.h"

namespace redoubt::mime {
namespace {

std::string value_of(std::string_view field_body, std::string_view name) {
  MediaType media = parse_media_type(field_body);
  auto params = parse_parameters(media.parameters);
  const Parameter* p = find_parameter(params, name);
  return p == nullptr ? "<none>" : p->value;
}

TEST(MediaType, Rfc2045Syntax) {
  MediaType m = parse_media_type(" text/plain; charset=us-ascii (Plain text)");
  EXPECT_EQ(m.type, "text");
  EXPECT_EQ(m.subtype, "plain");
  EXPECT_EQ(value_of(" text/plain; charset=us-ascii (Plain text)", "charset"), "us-ascii");
  EXPECT_EQ(value_of(" text/plain; charset=\"us-ascii\"", "charset"), "us-ascii");
  // RFC 2045 §5.1: comments may appear around tokens.
  MediaType c = parse_media_type(" (comment) text (more) / (x) html");
  EXPECT_EQ(c.type, "text");
  EXPECT_EQ(c.subtype, "html");
  EXPECT_FALSE(parse_media_type("text").is_valid());
  EXPECT_FALSE(parse_media_type("/plain").is_valid());
  EXPECT_FALSE(parse_media_type("").is_valid());
}

// RFC 2231 §3, §4 and §4.1 examples.
TEST(Parameters, Rfc2231Examples) {
  EXPECT_EQ(value_of("message/external-body; access-type=URL;\r\n"
                     " URL*0=\"ftp://\";\r\n"
                     " URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"",
                     "url"),
            "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar");

  auto params = parse_parameters(
      "; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A");
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].value, "This is ***fun***");
  EXPECT_EQ(params[0].language, "en-us");
  EXPECT_EQ(params[0].wire_name, "title*");
  EXPECT_EQ(params[0].wire_value, "us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A");

  params = parse_parameters(
      ";\r\n title*0*=us-ascii'en'This%20is%20even%20more%20;\r\n"
      " title*1*=%2A%2A%2Afun%2A%2A%2A%20;\r\n title*2=\"isn't it!\"");
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].value, "This is even more ***fun*** isn't it!");
  EXPECT_EQ(params[0].wire_value,
            "us-ascii'en'This%20is%20even%20more%20%2A%2A%2Afun%2A%2A%2A%20isn%27t%20it!");
}

TEST(Parameters, CharsetsAndOutOfOrderSections) {
  EXPECT_EQ(value_of("a/b; filename*=iso-8859-1''caf%E9.txt", "filename"), "caf\xc3\xa9.txt");
  EXPECT_EQ(value_of("a/b; name*1=\"world\"; name*0=\"hello \"", "name"), "hello world");
  EXPECT_EQ(value_of("a/b; name*=utf-8''%E2%82%AC", "name"), "\xe2\x82\xac");
}

TEST(Parameters, BrokenButCommon) {
  // Encoded words inside a quoted value (RFC 2047 §5 forbids it; everyone decodes it).
  EXPECT_EQ(value_of("a/b; name=\"=?UTF-8?B?w6kudHh0?=\"", "name"), "\xc3\xa9.txt");
  // Unquoted value with spaces.
  EXPECT_EQ(value_of("a/b; name=My File.pdf; x=y", "name"), "My File.pdf");
  // Missing ';' and stray ';;'.
  EXPECT_EQ(value_of("a/b;; charset=utf-8", "charset"), "utf-8");
  // Quoted-pairs.
  EXPECT_EQ(value_of("a/b; name=\"a\\\"b\"", "name"), "a\"b");
  // The first of two wins.
  EXPECT_EQ(value_of("a/b; charset=one; charset=two", "charset"), "one");
  // Unterminated quote runs to the end.
  EXPECT_EQ(value_of("a/b; boundary=\"abc", "boundary"), "abc");
  EXPECT_EQ(value_of("a/b; =novalue; ok=1", "ok"), "1");
}

TEST(Parameters, LimitIsApplied) {
  std::string many = "a/b";
  for (int i = 0; i < 500; ++i) many += "; p" + std::to_string(i) + "=v";
  Limits limits;
  limits.max_parameters = 10;
  EXPECT_EQ(parse_parameters(parse_media_type(many).parameters, limits).size(), 10u);
}

TEST(TransferEncoding, Tokens) {
  std::string_view token;
  EXPECT_EQ(parse_transfer_encoding(" Base64 ", token), TransferEncoding::kBase64);
  EXPECT_EQ(token, "Base64");
  EXPECT_EQ(parse_transfer_encoding("quoted-printable (yes)", token),
            TransferEncoding::kQuotedPrintable);
  EXPECT_EQ(parse_transfer_encoding("x-uuencode", token), TransferEncoding::kOther);
  EXPECT_EQ(parse_transfer_encoding("", token), TransferEncoding::k7bit);
}

}  // namespace
}  // namespace redoubt::mime

#include "smtp/proto/address_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace redoubt::smtp::proto {
namespace {

using Kind = SyntaxError::Kind;

Path mailbox(std::string local_part, std::string domain) {
  return Path{std::move(local_part), std::move(domain)};
}

struct Case {
  std::string_view input;
  Path want;
};

void expect_parses(const Case& c, PathRole role, bool allow_utf8) {
  SCOPED_TRACE(c.input);
  auto got = parse_path(c.input, role, allow_utf8);
  ASSERT_TRUE(got.has_value()) << got.error().reason;
  EXPECT_EQ(*got, c.want);
  // Round trip through the writer.
  auto again = parse_path(to_wire(*got), role, allow_utf8);
  ASSERT_TRUE(again.has_value()) << to_wire(*got) << ": " << again.error().reason;
  EXPECT_EQ(*again, *got);
}

TEST(ParsePath, Mailboxes) {
  const Case cases[] = {
      {"<user@example.com>", mailbox("user", "example.com")},
      {"<User.Name+tag@Sub.Example.COM>", mailbox("User.Name+tag", "Sub.Example.COM")},
      {"<!#$%&'*+-/=?^_`{|}~@x.org>", mailbox("!#$%&'*+-/=?^_`{|}~", "x.org")},
      {"<a@a-b.c>", mailbox("a", "a-b.c")},
      {"<a@a--b.c>", mailbox("a", "a--b.c")},
      {"<a@123.com>", mailbox("a", "123.com")},
      {"<a@localhost>", mailbox("a", "localhost")},
      {"<a@xn--bcher-kva.example>", mailbox("a", "xn--bcher-kva.example")},
      // RFC 5321 §4.1.2 Quoted-string: stored decoded.
      {R"(<"john doe"@example.com>)", mailbox("john doe", "example.com")},
      {R"(<"a\"b\\c"@x.org>)", mailbox(R"(a"b\c)", "x.org")},
      {R"(<"\a"@x.org>)", mailbox("a", "x.org")},
      {R"(<"plain"@x.org>)", mailbox("plain", "x.org")},
      {R"(<""@x.org>)", mailbox("", "x.org")},
      {R"(<"a..b"@x.org>)", mailbox("a..b", "x.org")},
      {R"(<"<>@,;:"@x.org>)", mailbox("<>@,;:", "x.org")},
      // RFC 5321 §4.1.1.3, Appendix C: source routes are dropped.
      {"<@relay.example:user@example.com>", mailbox("user", "example.com")},
      {"<@a.example,@b.example:user@c.example>", mailbox("user", "c.example")},
      // RFC 5321 §4.1.3 address literals.
      {"<user@[192.0.2.1]>", mailbox("user", "[192.0.2.1]")},
      {"<user@[0.0.0.0]>", mailbox("user", "[0.0.0.0]")},
      {"<user@[255.255.255.255]>", mailbox("user", "[255.255.255.255]")},
      {"<user@[IPv6:2001:db8::1]>", mailbox("user", "[IPv6:2001:db8::1]")},
      {"<user@[ipv6:::1]>", mailbox("user", "[ipv6:::1]")},
      {"<user@[IPv6:::]>", mailbox("user", "[IPv6:::]")},
      {"<user@[IPv6:1:2:3:4:5:6:7:8]>", mailbox("user", "[IPv6:1:2:3:4:5:6:7:8]")},
      {"<user@[IPv6:1:2:3::6:7:8]>", mailbox("user", "[IPv6:1:2:3::6:7:8]")},
      {"<user@[IPv6:1:2:3:4:5:6:192.0.2.1]>", mailbox("user", "[IPv6:1:2:3:4:5:6:192.0.2.1]")},
      {"<user@[IPv6:::ffff:192.0.2.1]>", mailbox("user", "[IPv6:::ffff:192.0.2.1]")},
      {"<user@[IPv6:1:2::3:4:192.0.2.1]>", mailbox("user", "[IPv6:1:2::3:4:192.0.2.1]")},
      {"<user@[IPv6:ABCD:ef01::]>", mailbox("user", "[IPv6:ABCD:ef01::]")},
  };
  for (const Case& c : cases) {
    expect_parses(c, PathRole::kReversePath, false);
    expect_parses(c, PathRole::kForwardPath, false);
    expect_parses(c, PathRole::kForwardPath, true);
  }
}

TEST(ParsePath, NullReversePath) {
  Path null_path;
  null_path.is_null = true;
  expect_parses({"<>", null_path}, PathRole::kReversePath, false);
  EXPECT_EQ(to_wire(null_path), "<>");
  EXPECT_EQ(null_path.address(), "");

  auto got = parse_path("<>", PathRole::kForwardPath, false);
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().kind, Kind::kBadRecipientAddress);
}

TEST(ParsePath, BarePostmasterOnlyAsForwardPath) {
  // RFC 5321 §4.1.1.3: "<Postmaster>" without a domain, in any case.
  for (std::string_view local : {"Postmaster", "postmaster", "POSTMASTER", "PostMaster"}) {
    const std::string input = "<" + std::string(local) + ">";
    Path want;
    want.local_part = std::string(local);
    want.is_postmaster = true;
    expect_parses({input, want}, PathRole::kForwardPath, false);
    EXPECT_EQ(want.address(), local);

    auto got = parse_path(input, PathRole::kReversePath, false);
    ASSERT_FALSE(got.has_value()) << input;
    EXPECT_EQ(got.error().kind, Kind::kBadSenderAddress);
  }
  // With a domain it is an ordinary mailbox; the session knows which domains are its own.
  expect_parses({"<Postmaster@example.com>", mailbox("Postmaster", "example.com")},
                PathRole::kForwardPath, false);
  for (std::string_view input : {"<Postmasters>", "<@a.example:Postmaster>", R"(<"Postmaster">)"}) {
    EXPECT_FALSE(parse_path(input, PathRole::kForwardPath, false).has_value()) << input;
  }
}

TEST(ParsePath, Utf8OnlyWhenAllowed) {
  // RFC 6531 §3.3: UTF-8 in local parts and domains.
  const Case cases[] = {
      {"<δοκιμή@παράδειγμα.δοκιμή>", mailbox("δοκιμή", "παράδειγμα.δοκιμή")},
      {"<用户@例子.广告>", mailbox("用户", "例子.广告")},
      {"<pelé@example.com>", mailbox("pelé", "example.com")},
      {"<user@bücher.example>", mailbox("user", "bücher.example")},
      {R"(<"ü x"@example.com>)", mailbox("ü x", "example.com")},
      {"<😀@x-😀.example>", mailbox("😀", "x-😀.example")},
  };
  for (const Case& c : cases) {
    expect_parses(c, PathRole::kForwardPath, true);
    EXPECT_TRUE(c.want.needs_smtputf8()) << c.input;
    auto got = parse_path(c.input, PathRole::kForwardPath, false);
    ASSERT_FALSE(got.has_value()) << c.input;
    EXPECT_EQ(got.error().kind, Kind::kBadRecipientAddress);
  }
  EXPECT_FALSE(mailbox("user", "example.com").needs_smtputf8());
  // A UTF-8 source route is dropped, so the Path is ASCII.
  expect_parses({"<@bücher.example:a@b.example>", mailbox("a", "b.example")},
                PathRole::kForwardPath, true);
  EXPECT_FALSE(parse_path("<@bücher.example:a@b.example>", PathRole::kForwardPath, false));
}

TEST(ParsePath, MalformedUtf8IsRefusedEvenWhenAllowed) {
  for (std::string_view bad : {
           "\xC0\xAF",          // Overlong "/".
           "\xE0\x80\xAF",      // Overlong, 3 octets.
           "\xF0\x80\x80\xAF",  // Overlong, 4 octets.
           "\xED\xA0\x80",      // Surrogate U+D800.
           "\xED\xBF\xBF",      // Surrogate U+DFFF.
           "\xF4\x90\x80\x80",  // U+110000.
           "\xE2\x82",          // Truncated.
           "\x80",              // Lone continuation octet.
           "\xFF",              // Never valid.
           "\xC3",              // Truncated at the end of a label.
       }) {
    for (const std::string& input :
         {"<a" + std::string(bad) + "b@example.com>", "<user@a" + std::string(bad) + "b.example>",
          "<\"a" + std::string(bad) + "b\"@example.com>"}) {
      SCOPED_TRACE(testing::PrintToString(input));
      auto got = parse_path(input, PathRole::kReversePath, true);
      ASSERT_FALSE(got.has_value());
      EXPECT_EQ(got.error().kind, Kind::kBadSenderAddress);
    }
  }
}

TEST(ParsePath, Errors) {
  for (std::string_view input : {
           "",
           "<",
           "user@example.com",  // No brackets.
           "<user@example.com",
           "user@example.com>",
           "<user>",
           "<user@>",
           "<@example.com>",
           "<.user@example.com>",
           "<user.@example.com>",
           "<us..er@example.com>",
           "<us er@example.com>",
           "<user@@example.com>",
           "<user@-example.com>",
           "<user@example-.com>",
           "<user@example..com>",
           "<user@.example.com>",
           "<user@example.com.>",
           "<user@exa_mple.com>",
           "<user@example.com >",
           "<\"user@example.com>",
           "<\"us\"er@example.com>",
           "<\"a\x01\"@example.com>",
           "<\"a\\\x01\"@example.com>",
           "<\"a\\\"@example.com>",
           "<a\"b\"@example.com>",
           "<@:user@example.com>",
           "<@relay.example user@example.com>",
           "<@relay.example,user@example.com>",
           "<@relay.example,:user@example.com>",
           "<user@[192.0.2.1>",
           "<user@[192.0.2]>",
           "<user@[192.0.2.1.5]>",
           "<user@[256.0.0.1]>",
           "<user@[1234.0.0.1]>",
           "<user@[192.0.2.1 ]>",
           "<user@[]>",
           "<user@[IPv6:]>",
           "<user@[IPv6:1::2::3]>",
           "<user@[IPv6:1:2:3:4:5:6:7]>",
           "<user@[IPv6:1:2:3:4:5:6:7:8:9]>",
           "<user@[IPv6:1:2:3:4:5:6:7::]>",  // "::" stands for at least two groups.
           "<user@[IPv6:1:2:3:4:5::192.0.2.1]>",
           "<user@[IPv6:12345::1]>",
           "<user@[IPv6:g::1]>",
           "<user@[IPv6::1]>",
           "<user@[IPv6:1:]>",
           "<user@[IPv6:::1.2.3]>",
           "<user@[IPv6:1.2.3.4::]>",
           "<user@[x-tag:stuff]>",  // No General-address-literal tag is registered.
           "<user@[192.0.2.1]x>",
           "<user\x80@example.com>",
           "<user@example.com>x",
       }) {
    SCOPED_TRACE(testing::PrintToString(input));
    auto got = parse_path(input, PathRole::kReversePath, false);
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error().kind, Kind::kBadSenderAddress);
    got = parse_path(input, PathRole::kForwardPath, true);
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error().kind, Kind::kBadRecipientAddress);
  }
}

TEST(ParsePath, LengthLimits) {
  // RFC 5321 §4.5.3.1.1: local part at most 64 octets, counted as sent.
  const std::string local64(64, 'a');
  EXPECT_TRUE(parse_path("<" + local64 + "@x.org>", PathRole::kReversePath, false).has_value());
  EXPECT_FALSE(parse_path("<" + local64 + "b@x.org>", PathRole::kReversePath, false).has_value());
  const std::string quoted64 = "\"" + std::string(62, 'a') + "\"";
  EXPECT_TRUE(parse_path("<" + quoted64 + "@x.org>", PathRole::kReversePath, false).has_value());
  const std::string quoted65 = "\"" + std::string(62, 'a') + " \"";
  EXPECT_FALSE(parse_path("<" + quoted65 + "@x.org>", PathRole::kReversePath, false).has_value());

  // RFC 1035 §2.3.4: labels of at most 63 octets.
  const std::string label63(63, 'l');
  EXPECT_TRUE(parse_path("<a@" + label63 + ".org>", PathRole::kReversePath, false).has_value());
  EXPECT_FALSE(parse_path("<a@" + label63 + "l.org>", PathRole::kReversePath, false).has_value());

  // RFC 5321 §4.5.3.1.3: the whole path at most 256 octets, brackets included.
  std::string domain = label63 + "." + label63 + "." + label63 + ".";
  domain += std::string(256 - 2 - 2 - domain.size(), 'd');  // "<a@" ... ">" make 256.
  const std::string path256 = "<a@" + domain + ">";
  ASSERT_EQ(path256.size(), 256u);
  EXPECT_TRUE(parse_path(path256, PathRole::kReversePath, false).has_value());
  EXPECT_FALSE(parse_path("<ab@" + domain + ">", PathRole::kReversePath, false).has_value());
  // A source route counts too.
  EXPECT_FALSE(
      parse_path("<@r.example:a@" + domain + ">", PathRole::kReversePath, false).has_value());

  // RFC 5321 §4.5.3.1.2: domain at most 255 octets.
  std::string domain255;
  for (int i = 0; i < 127; ++i) domain255 += "a.";
  domain255 += "a";
  ASSERT_EQ(domain255.size(), 255u);
  EXPECT_TRUE(is_domain(domain255, false));
  EXPECT_FALSE(is_domain(domain255 + "d", false));
  auto too_long = parse_path("<a@" + domain255 + "d>", PathRole::kReversePath, false);
  ASSERT_FALSE(too_long.has_value());
  EXPECT_EQ(too_long.error().reason, "domain too long");
}

TEST(ParsePathPrefix, LeavesTheRest) {
  auto got = parse_path_prefix("<a@b.example> SIZE=10", PathRole::kReversePath, false);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->consumed, 13u);
  EXPECT_EQ(got->path, mailbox("a", "b.example"));

  got = parse_path_prefix("<\"a> b\"@b.example> x", PathRole::kReversePath, false);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->path, mailbox("a> b", "b.example"));
  EXPECT_EQ(got->consumed, 18u);

  got = parse_path_prefix("<>x", PathRole::kReversePath, false);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->consumed, 2u);
}

TEST(ToWire, CanonicalForm) {
  const struct {
    Path path;
    std::string_view want;
  } cases[] = {
      {mailbox("user", "example.com"), "<user@example.com>"},
      {mailbox("john doe", "example.com"), R"(<"john doe"@example.com>)"},
      {mailbox(R"(a"b\c)", "x.org"), R"(<"a\"b\\c"@x.org>)"},
      {mailbox("", "x.org"), R"(<""@x.org>)"},
      {mailbox(".a", "x.org"), R"(<".a"@x.org>)"},
      {mailbox("pelé", "example.com"), "<pelé@example.com>"},
      {mailbox("a", "[IPv6:::1]"), "<a@[IPv6:::1]>"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(to_wire(c.path), c.want);
  }
}

TEST(IsDomain, Forms) {
  EXPECT_TRUE(is_domain("example.com", false));
  EXPECT_TRUE(is_domain("a", false));
  EXPECT_TRUE(is_domain("bücher.example", true));
  EXPECT_FALSE(is_domain("bücher.example", false));
  EXPECT_FALSE(is_domain("", false));
  EXPECT_FALSE(is_domain("example.com.", false));
  EXPECT_FALSE(is_domain("my_host", false));
  EXPECT_FALSE(is_domain("[192.0.2.1]", false));
}

TEST(IsAddressLiteral, Forms) {
  EXPECT_TRUE(is_address_literal("[192.0.2.1]"));
  EXPECT_TRUE(is_address_literal("[IPv6:2001:db8::1]"));
  EXPECT_FALSE(is_address_literal(""));
  EXPECT_FALSE(is_address_literal("[]"));
  EXPECT_FALSE(is_address_literal("192.0.2.1"));
  EXPECT_FALSE(is_address_literal("[192.0.2.1]x"));
}

}  // namespace
}  // namespace redoubt::smtp::proto

#include "mime/address.h"

#include <gtest/gtest.h>

#include "mime/idna.h"

namespace redoubt::mime {
namespace {

using Kind = Address::Kind;

Address mailbox(std::string name, std::string local, std::string domain, std::string route = {}) {
  Address a;
  a.name = std::move(name);
  a.mailbox = std::move(local);
  a.domain = std::move(domain);
  a.route = std::move(route);
  return a;
}
Address group_start(std::string name) {
  Address a;
  a.kind = Kind::kGroupStart;
  a.name = std::move(name);
  return a;
}
Address group_end() {
  Address a;
  a.kind = Kind::kGroupEnd;
  return a;
}

struct Case {
  std::string_view input;
  std::vector<Address> want;
};

void check(const Case& c) {
  SCOPED_TRACE(c.input);
  std::vector<Address> got = parse_address_list(c.input);
  ASSERT_EQ(got.size(), c.want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(got[i].kind, c.want[i].kind);
    EXPECT_EQ(got[i].name, c.want[i].name);
    EXPECT_EQ(got[i].route, c.want[i].route);
    EXPECT_EQ(got[i].mailbox, c.want[i].mailbox);
    EXPECT_EQ(got[i].domain, c.want[i].domain);
  }
}

// RFC 5322 Appendix A.1: addressing examples.
TEST(ParseAddressList, Rfc5322AppendixA1) {
  const Case cases[] = {
      {" John Doe <jdoe@machine.example>", {mailbox("John Doe", "jdoe", "machine.example")}},
      {" \"Joe Q. Public\" <john.q.public@example.com>",
       {mailbox("Joe Q. Public", "john.q.public", "example.com")}},
      {" Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
       {mailbox("Mary Smith", "mary", "x.test"), mailbox("", "jdoe", "example.org"),
        mailbox("Who?", "one", "y.test")}},
      {" <boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
       {mailbox("", "boss", "nil.test"),
        mailbox("Giant; \"Big\" Box", "sysservices", "example.net")}},
      {" A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
       {group_start("A Group"), mailbox("Ed Jones", "c", "a.test"),
        mailbox("", "joe", "where.test"), mailbox("John", "jdoe", "one.test"), group_end()}},
      {" Undisclosed recipients:;", {group_start("Undisclosed recipients"), group_end()}},
  };
  for (const Case& c : cases) check(c);
}

// RFC 5322 Appendix A.5: white space, comments, and other oddities.
TEST(ParseAddressList, Rfc5322AppendixA5) {
  const Case cases[] = {
      {" Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
       {mailbox("Pete", "pete", "silly.test")}},
      {" A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n"
       "         joe@example.org,\r\n  John <jdoe@one.test> (my dear friend); (the end of the "
       "group)",
       {group_start("A Group"), mailbox("Chris Jones", "c", "public.example"),
        mailbox("", "joe", "example.org"), mailbox("John", "jdoe", "one.test"), group_end()}},
  };
  for (const Case& c : cases) check(c);
}

// RFC 5322 Appendix A.6: obsolete syntax.
TEST(ParseAddressList, Rfc5322AppendixA6Obsolete) {
  const Case cases[] = {
      {" Joe Q. Public <john.q.public@example.com>",
       {mailbox("Joe Q. Public", "john.q.public", "example.com")}},
      {" Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example",
       {mailbox("Mary Smith", "mary", "example.net", "@node.test"),
        mailbox("", "jdoe", "test.example")}},
      {" <@a.test,@b.test:x@c.test>", {mailbox("", "x", "c.test", "@a.test,@b.test")}},
      // obs "addr (Name)": the comment names the mailbox.
      {" jdoe@example.org (John Doe)", {mailbox("John Doe", "jdoe", "example.org")}},
  };
  for (const Case& c : cases) check(c);
}

TEST(ParseAddressList, BrokenInputIsBestEffort) {
  const Case cases[] = {
      {" undisclosed-recipients", {mailbox("", "undisclosed-recipients", "")}},
      {" \"quoted local\"@example.com", {mailbox("", "quoted local", "example.com")}},
      {" <a@b", {mailbox("", "a", "b")}},
      {" Unclosed group: a@b", {group_start("Unclosed group"), mailbox("", "a", "b"), group_end()}},
      {" >>>, a@b", {mailbox("", "a", "b")}},
      {" <>", {mailbox("", "", "")}},
      {" =?utf-8?q?J=C3=B6rg?= <j@x.test>", {mailbox("=?utf-8?q?J=C3=B6rg?=", "j", "x.test")}},
      {" J\xc3\xb6rg <j\xc3\xb6@b\xc3\xbc.test>",
       {mailbox("J\xc3\xb6rg", "j\xc3\xb6", "b\xc3\xbc.test")}},  // RFC 6532
      {" [1.2.3.4]", {}},
      {" a@[192.0.2.1]", {mailbox("", "a", "[192.0.2.1]")}},
  };
  for (const Case& c : cases) check(c);
}

TEST(ParseAddressList, LimitIsApplied) {
  std::string many;
  for (int i = 0; i < 100; ++i) many += "a@b, ";
  Limits limits;
  limits.max_addresses = 5;
  EXPECT_EQ(parse_address_list(many, limits).size(), 5u);
}

TEST(Address, DecodedNameAndAddrSpec) {
  auto list = parse_address_list("=?ISO-8859-1?Q?Andr=E9?= Pirard <\"a b\"@example.com>");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(decoded_name(list[0]), "Andr\xc3\xa9 Pirard");
  EXPECT_EQ(addr_spec(list[0]), "\"a b\"@example.com");
  EXPECT_EQ(addr_spec(mailbox("", "x.y", "z")), "x.y@z");
}

TEST(Idna, Conversions) {
  EXPECT_EQ(domain_to_unicode("xn--bcher-kva.example"), "b\xc3\xbc" "cher.example");
  EXPECT_EQ(domain_to_unicode("mail.XN--BCHER-KVA.example"), "mail.b\xc3\xbc" "cher.example");
  EXPECT_EQ(domain_to_unicode("example.com"), "example.com");
  EXPECT_EQ(domain_to_unicode("xn--invalid--"), "xn--invalid--");
  EXPECT_EQ(domain_to_ascii("b\xc3\xbc" "cher.example"), "xn--bcher-kva.example");
  EXPECT_EQ(domain_to_ascii(""), std::nullopt);
}

}  // namespace
}  // namespace redoubt::mime

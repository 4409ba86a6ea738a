#include "smtp/proto/command_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace redoubt::smtp::proto {
namespace {

using Kind = SyntaxError::Kind;

Path mailbox(std::string local_part, std::string domain) {
  return Path{std::move(local_part), std::move(domain)};
}

Path null_path() {
  Path path;
  path.is_null = true;
  return path;
}

Path postmaster(std::string as_sent) {
  Path path;
  path.local_part = std::move(as_sent);
  path.is_postmaster = true;
  return path;
}

struct Case {
  std::string_view input;
  Command want;
};

void expect_commands(std::initializer_list<Case> cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::PrintToString(std::string(c.input)));
    auto got = parse_command(c.input, CommandLimits{});
    ASSERT_TRUE(got.has_value()) << got.error().reason;
    EXPECT_EQ(got->index(), c.want.index());
    EXPECT_TRUE(*got == c.want);
  }
}

struct ErrorCase {
  std::string_view input;
  Kind want;
};

void expect_errors(std::initializer_list<ErrorCase> cases) {
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(testing::PrintToString(std::string(c.input)));
    auto got = parse_command(c.input, CommandLimits{});
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error().kind, c.want) << got.error().reason;
    EXPECT_FALSE(got.error().reason.empty());
  }
}

TEST(ParseCommand, SimpleCommands) {
  expect_commands({
      {"DATA", Data{}},
      {"data", Data{}},
      {"RSET", Rset{}},
      {"QUIT", Quit{}},
      {"Quit", Quit{}},
      {"QUIT  ", Quit{}},  // Trailing white space is ignored.
      {"QUIT\t", Quit{}},
      {"NOOP", Noop{}},
      {"NOOP anything at all", Noop{}},  // RFC 5321 §4.1.1.9: the argument is ignored.
      {"STARTTLS", Starttls{}},
      {"starttls", Starttls{}},
      {"HELP", Help{}},
      {"HELP MAIL", Help{"MAIL"}},
      {"VRFY Smith", Vrfy{"Smith"}},
      {"VRFY <user@example.com>", Vrfy{"<user@example.com>"}},
      {"VRFY Müller SMTPUTF8", Vrfy{"Müller SMTPUTF8"}},
      {"EXPN Example-People", Expn{"Example-People"}},
      {"expn  list", Expn{"list"}},
  });
  expect_errors({
      {"DATA x", Kind::kBadArgument},
      {"RSET now", Kind::kBadArgument},
      {"QUIT please", Kind::kBadArgument},
      {"STARTTLS x", Kind::kBadArgument},
      {"VRFY", Kind::kSyntax},
      {"VRFY ", Kind::kSyntax},
      {"EXPN", Kind::kSyntax},
      {"VRFY a\xC0\xAF", Kind::kSyntax},
      {"HELP \xFF", Kind::kSyntax},
  });
}

TEST(ParseCommand, Hello) {
  expect_commands({
      {"EHLO mail.example.com", Ehlo{"mail.example.com"}},
      {"ehlo mail.example.com", Ehlo{"mail.example.com"}},
      {"EHLO [192.0.2.1]", Ehlo{"[192.0.2.1]"}},
      {"EHLO [IPv6:2001:db8::1]", Ehlo{"[IPv6:2001:db8::1]"}},
      {"EHLO my_host", Ehlo{"my_host"}},  // Kept as sent; see Ehlo in command.h.
      {"HELO relay.example.org", Helo{"relay.example.org"}},
      {"Helo  relay.example.org ", Helo{"relay.example.org"}},
  });
  expect_errors({
      {"EHLO", Kind::kSyntax},
      {"EHLO ", Kind::kSyntax},
      {"HELO", Kind::kSyntax},
      {"EHLO a b", Kind::kSyntax},
      {"EHLO bücher.example", Kind::kSyntax},
  });
}

TEST(ParseCommand, Mail) {
  expect_commands({
      {"MAIL FROM:<user@example.com>", Mail{.reverse_path = mailbox("user", "example.com")}},
      {"mail from:<user@example.com>", Mail{.reverse_path = mailbox("user", "example.com")}},
      {"MAIL FROM:<>", Mail{.reverse_path = null_path()}},
      // Postfix-compatible: spaces after the colon.
      {"MAIL FROM: <user@example.com>", Mail{.reverse_path = mailbox("user", "example.com")}},
      {"MAIL FROM:  <>", Mail{.reverse_path = null_path()}},
      {"MAIL FROM:<@relay.example:user@example.com>",
       Mail{.reverse_path = mailbox("user", "example.com")}},
      {"MAIL FROM:<\"john doe\"@example.com>",
       Mail{.reverse_path = mailbox("john doe", "example.com")}},
      {"MAIL FROM:<user@[192.0.2.1]>", Mail{.reverse_path = mailbox("user", "[192.0.2.1]")}},
      // RFC 1870 §3 example.
      {"MAIL FROM:<ned@thor.innosoft.com> SIZE=500000",
       Mail{.reverse_path = mailbox("ned", "thor.innosoft.com"), .size = 500000}},
      {"MAIL FROM:<a@b.example> SIZE=0",
       Mail{.reverse_path = mailbox("a", "b.example"), .size = 0}},
      {"MAIL FROM:<a@b.example> SIZE=18446744073709551615",
       Mail{.reverse_path = mailbox("a", "b.example"), .size = UINT64_MAX}},
      // RFC 6152, RFC 3030 §3.
      {"MAIL FROM:<a@b.example> BODY=7BIT",
       Mail{.reverse_path = mailbox("a", "b.example"), .body = Body::k7Bit}},
      {"MAIL FROM:<a@b.example> BODY=8BITMIME",
       Mail{.reverse_path = mailbox("a", "b.example"), .body = Body::k8BitMime}},
      {"MAIL FROM:<Sam@Random.com> BODY=BINARYMIME",
       Mail{.reverse_path = mailbox("Sam", "Random.com"), .body = Body::kBinaryMime}},
      {"MAIL FROM:<a@b.example> body=8bitmime",
       Mail{.reverse_path = mailbox("a", "b.example"), .body = Body::k8BitMime}},
      // RFC 6531 §3.4.
      {"MAIL FROM:<a@b.example> SMTPUTF8",
       Mail{.reverse_path = mailbox("a", "b.example"), .smtputf8 = true}},
      {"MAIL FROM:<pelé@example.com> SMTPUTF8",
       Mail{.reverse_path = mailbox("pelé", "example.com"), .smtputf8 = true}},
      {"MAIL FROM:<用户@例子.广告> smtputf8 BODY=8BITMIME",
       Mail{.reverse_path = mailbox("用户", "例子.广告"),
            .body = Body::k8BitMime,
            .smtputf8 = true}},
      // RFC 3461 example (§4.3 RET, §4.4 ENVID).
      {"MAIL FROM:<Alice@Example.COM> RET=HDRS ENVID=QQ314159",
       Mail{.reverse_path = mailbox("Alice", "Example.COM"),
            .ret = Ret::kHdrs,
            .envid = "QQ314159"}},
      {"MAIL FROM:<a@b.example> RET=full",
       Mail{.reverse_path = mailbox("a", "b.example"), .ret = Ret::kFull}},
      {"MAIL FROM:<a@b.example> ENVID=a+2Bb+3Dc+20d",
       Mail{.reverse_path = mailbox("a", "b.example"), .envid = "a+b=c d"}},
      // RFC 4954 §5 examples.
      {"MAIL FROM:<e=mc2@example.com> AUTH=e+3Dmc2@example.com",
       Mail{.reverse_path = mailbox("e=mc2", "example.com"), .auth = "e=mc2@example.com"}},
      {"MAIL FROM:<a@b.example> AUTH=<>",
       Mail{.reverse_path = mailbox("a", "b.example"), .auth = "<>"}},
      // Everything at once, any order, extra spaces between parameters.
      {"MAIL FROM:<a@b.example> AUTH=<>  SMTPUTF8 ENVID=x RET=FULL BODY=BINARYMIME SIZE=12",
       Mail{.reverse_path = mailbox("a", "b.example"),
            .size = 12,
            .body = Body::kBinaryMime,
            .smtputf8 = true,
            .ret = Ret::kFull,
            .envid = "x",
            .auth = "<>"}},
  });
}

TEST(ParseCommand, MailErrors) {
  expect_errors({
      {"MAIL", Kind::kSyntax},
      {"MAIL FROM", Kind::kSyntax},
      {"MAIL TO:<a@b.example>", Kind::kSyntax},
      {"MAIL  FROM:<a@b.example>", Kind::kSyntax},
      {"MAIL FROM :<a@b.example>", Kind::kSyntax},
      {"MAIL FROM:", Kind::kBadSenderAddress},
      {"MAIL FROM:a@b.example", Kind::kBadSenderAddress},
      {"MAIL FROM:<a@b.example", Kind::kBadSenderAddress},
      {"MAIL FROM:<a b@b.example>", Kind::kBadSenderAddress},
      {"MAIL FROM:<Postmaster>", Kind::kBadSenderAddress},
      {"MAIL FROM:<a@b.example>SIZE=1", Kind::kSyntax},
      {"MAIL FROM:<a@b.example> =1", Kind::kSyntax},
      {"MAIL FROM:<a@b.example> -SIZE=1", Kind::kSyntax},
      {"MAIL FROM:<a@b.example> SIZE=", Kind::kSyntax},
      {"MAIL FROM:<a@b.example> SIZE=1=2", Kind::kSyntax},
      {"MAIL FROM:<a@b.example> ENVID=\xC3\xA9", Kind::kSyntax},
      {"MAIL FROM:<a@b.example> SIZE", Kind::kBadArgument},
      {"MAIL FROM:<a@b.example> SIZE=-1", Kind::kBadArgument},
      {"MAIL FROM:<a@b.example> SIZE=1k", Kind::kBadArgument},
      {"MAIL FROM:<a@b.example> SIZE=18446744073709551616", Kind::kBadArgument},
      {"MAIL FROM:<a@b.example> SIZE=1 SIZE=2", Kind::kBadArgument},
      {"MAIL FROM:<a@b.example> SIZE=1 size=1", Kind::kBadArgument},
      {"MAIL FROM:<a@b.example> BODY=8BIT", Kind::kBadArgument},
      {"MAIL FROM:<a@b.example> BODY", Kind::kBadArgument},
      {"MAIL FROM:<a@b.example> SMTPUTF8=yes", Kind::kBadArgument},
      {"MAIL FROM:<a@b.example> SMTPUTF8 SMTPUTF8", Kind::kBadArgument},
      {"MAIL FROM:<a@b.example> RET=NONE", Kind::kBadArgument},
      {"MAIL FROM:<a@b.example> ENVID=a+2", Kind::kBadArgument},
      {"MAIL FROM:<a@b.example> ENVID=a+ZZ", Kind::kBadArgument},
      {"MAIL FROM:<a@b.example> ENVID=a+00", Kind::kBadArgument},  // NUL after decoding.
      {"MAIL FROM:<a@b.example> ENVID=a+0D+0A", Kind::kBadArgument},
      {"MAIL FROM:<a@b.example> AUTH=a+0Ab", Kind::kBadArgument},
      {"MAIL FROM:<a@b.example> AUTH", Kind::kBadArgument},
      // RFC 5321 §4.1.1.11: unknown parameters get 555.
      {"MAIL FROM:<a@b.example> XFOO=1", Kind::kUnknownParameter},
      {"MAIL FROM:<a@b.example> SIZE=1 XFOO", Kind::kUnknownParameter},
      {"MAIL FROM:<a@b.example> NOTIFY=NEVER", Kind::kUnknownParameter},  // RCPT's, not MAIL's.
      // RFC 6531 §3.5: UTF-8 address without SMTPUTF8.
      {"MAIL FROM:<pelé@example.com>", Kind::kNonAsciiAddress},
      {"MAIL FROM:<user@bücher.example> BODY=8BITMIME", Kind::kNonAsciiAddress},
      {"MAIL FROM:<p\xC3@example.com> SMTPUTF8", Kind::kBadSenderAddress},
  });
}

TEST(ParseCommand, EnvidLengthLimit) {
  // RFC 3461 §4.4: at most 100 characters.
  const std::string envid100(100, 'e');
  auto got = parse_command("MAIL FROM:<a@b.example> ENVID=" + envid100, CommandLimits{});
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(std::get<Mail>(*got).envid, envid100);
  got = parse_command("MAIL FROM:<a@b.example> ENVID=" + envid100 + "e", CommandLimits{});
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().kind, Kind::kBadArgument);
}

TEST(ParseCommand, Rcpt) {
  expect_commands({
      {"RCPT TO:<user@example.com>", Rcpt{.forward_path = mailbox("user", "example.com")}},
      {"rcpt to:<user@example.com>", Rcpt{.forward_path = mailbox("user", "example.com")}},
      {"RCPT TO: <user@example.com>", Rcpt{.forward_path = mailbox("user", "example.com")}},
      {"RCPT TO:<@hosta.int,@jkl.org:userc@d.bar.org>",  // RFC 5321 §4.1.1.3 example.
       Rcpt{.forward_path = mailbox("userc", "d.bar.org")}},
      {"RCPT TO:<Postmaster>", Rcpt{.forward_path = postmaster("Postmaster")}},
      {"RCPT TO:<postmaster>", Rcpt{.forward_path = postmaster("postmaster")}},
      {"RCPT TO:<Postmaster@example.com>",
       Rcpt{.forward_path = mailbox("Postmaster", "example.com")}},
      // UTF-8 is parsed; the session checks it against the transaction's SMTPUTF8.
      {"RCPT TO:<pelé@example.com>", Rcpt{.forward_path = mailbox("pelé", "example.com")}},
      // RFC 3461 examples (§4.1 NOTIFY, §4.2 ORCPT).
      {"RCPT TO:<Bob@Example.COM> NOTIFY=SUCCESS ORCPT=rfc822;Bob@Example.COM",
       Rcpt{.forward_path = mailbox("Bob", "Example.COM"),
            .notify = Notify{.success = true},
            .orcpt = "rfc822;Bob@Example.COM"}},
      {"RCPT TO:<Dana@Ivory.EDU> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Dana@Ivory.EDU",
       Rcpt{.forward_path = mailbox("Dana", "Ivory.EDU"),
            .notify = Notify{.success = true, .failure = true},
            .orcpt = "rfc822;Dana@Ivory.EDU"}},
      {"RCPT TO:<Fred@Bombs.AF.MIL> NOTIFY=NEVER",
       Rcpt{.forward_path = mailbox("Fred", "Bombs.AF.MIL"), .notify = Notify{.never = true}}},
      {"RCPT TO:<a@b.example> notify=delay,Success,FAILURE",
       Rcpt{.forward_path = mailbox("a", "b.example"),
            .notify = Notify{.success = true, .failure = true, .delay = true}}},
      {"RCPT TO:<a@b.example> ORCPT=rfc822;e+3Dmc2+20x@b.example",
       Rcpt{.forward_path = mailbox("a", "b.example"), .orcpt = "rfc822;e=mc2 x@b.example"}},
      {"RCPT TO:<a@b.example> ORCPT=utf-8;a@b.example NOTIFY=FAILURE",
       Rcpt{.forward_path = mailbox("a", "b.example"),
            .notify = Notify{.failure = true},
            .orcpt = "utf-8;a@b.example"}},
  });
}

TEST(ParseCommand, RcptErrors) {
  expect_errors({
      {"RCPT", Kind::kSyntax},
      {"RCPT FROM:<a@b.example>", Kind::kSyntax},
      {"RCPT TO", Kind::kSyntax},
      {"RCPT TO:", Kind::kBadRecipientAddress},
      {"RCPT TO:<>", Kind::kBadRecipientAddress},
      {"RCPT TO:a@b.example", Kind::kBadRecipientAddress},
      {"RCPT TO:<a@b.example> SIZE=1", Kind::kUnknownParameter},  // MAIL's, not RCPT's.
      {"RCPT TO:<a@b.example> XFOO", Kind::kUnknownParameter},
      {"RCPT TO:<a@b.example> NOTIFY=NEVER,SUCCESS", Kind::kBadArgument},
      {"RCPT TO:<a@b.example> NOTIFY=SUCCESS,", Kind::kBadArgument},
      {"RCPT TO:<a@b.example> NOTIFY=,SUCCESS", Kind::kBadArgument},
      {"RCPT TO:<a@b.example> NOTIFY=ALWAYS", Kind::kBadArgument},
      {"RCPT TO:<a@b.example> NOTIFY", Kind::kBadArgument},
      {"RCPT TO:<a@b.example> NOTIFY=DELAY NOTIFY=DELAY", Kind::kBadArgument},
      {"RCPT TO:<a@b.example> ORCPT=a@b.example", Kind::kBadArgument},
      {"RCPT TO:<a@b.example> ORCPT=;a@b.example", Kind::kBadArgument},
      {"RCPT TO:<a@b.example> ORCPT=rfc822;", Kind::kBadArgument},
      {"RCPT TO:<a@b.example> ORCPT=rfc(822;a@b.example", Kind::kBadArgument},
      {"RCPT TO:<a@b.example> ORCPT=rfc822;a+0A@b.example", Kind::kBadArgument},
  });
  // RFC 3461 §4.2: ORCPT at most 500 characters.
  const std::string orcpt500 = "rfc822;" + std::string(493, 'a');
  EXPECT_TRUE(parse_command("RCPT TO:<a@b.example> ORCPT=" + orcpt500, CommandLimits{}));
  EXPECT_FALSE(parse_command("RCPT TO:<a@b.example> ORCPT=" + orcpt500 + "a", CommandLimits{}));
}

TEST(ParseCommand, Bdat) {
  expect_commands({
      {"BDAT 86 LAST", Bdat{86, true}},  // RFC 3030 §4.2 example.
      {"BDAT 1000", Bdat{1000, false}},
      {"BDAT 0 LAST", Bdat{0, true}},
      {"bdat 5 last", Bdat{5, true}},
      {"BDAT 18446744073709551615", Bdat{UINT64_MAX, false}},
  });
  expect_errors({
      {"BDAT", Kind::kSyntax},
      {"BDAT LAST", Kind::kSyntax},
      {"BDAT -1", Kind::kSyntax},
      {"BDAT 1x", Kind::kSyntax},
      {"BDAT 1 FIRST", Kind::kSyntax},
      {"BDAT 1 LAST x", Kind::kSyntax},
      {"BDAT 18446744073709551616", Kind::kBadArgument},
  });
}

TEST(ParseCommand, Auth) {
  expect_commands({
      {"AUTH PLAIN", Auth{"PLAIN", std::nullopt}},
      {"auth plain", Auth{"PLAIN", std::nullopt}},
      // RFC 4954 §4 example.
      {"AUTH PLAIN dGVzdAB0ZXN0ADEyMzQ=", Auth{"PLAIN", "dGVzdAB0ZXN0ADEyMzQ="}},
      {"AUTH PLAIN =", Auth{"PLAIN", "="}},
      {"AUTH SCRAM-SHA-256 biwsbj11c2VyLHI9ZnlrbytkMmxiYkZnT05Sdjlxa3hkYXdM",
       Auth{"SCRAM-SHA-256", "biwsbj11c2VyLHI9ZnlrbytkMmxiYkZnT05Sdjlxa3hkYXdM"}},
      {"AUTH X_MECH ab==", Auth{"X_MECH", "ab=="}},
  });
  expect_errors({
      {"AUTH", Kind::kSyntax},
      {"AUTH PL@IN", Kind::kSyntax},
      {"AUTH ABCDEFGHIJKLMNOPQRSTU", Kind::kSyntax},  // 21 characters.
      {"AUTH PLAIN abc", Kind::kSyntax},
      {"AUTH PLAIN ab=c", Kind::kSyntax},
      {"AUTH PLAIN a===", Kind::kSyntax},
      {"AUTH PLAIN ====", Kind::kSyntax},
      {"AUTH PLAIN ab!c", Kind::kSyntax},
      {"AUTH PLAIN abcd efgh", Kind::kSyntax},
  });
}

TEST(ParseCommand, UnknownAndMalformedLines) {
  expect_errors({
      {"", Kind::kUnknownCommand},
      {" QUIT", Kind::kUnknownCommand},
      {"QUITX", Kind::kUnknownCommand},
      {"QUI", Kind::kUnknownCommand},
      {"TURN", Kind::kUnknownCommand},
      {"GET / HTTP/1.1", Kind::kUnknownCommand},
      {"MAIL:FROM:<a@b.example>", Kind::kUnknownCommand},
      {"\xC3\xA9HLO x", Kind::kUnknownCommand},
      // Control characters: a bare CR or LF let through by the line reader, NUL, tabs inside.
      {"QUIT\r", Kind::kSyntax},
      {"QUIT\rRSET", Kind::kSyntax},
      {"RSET\nQUIT", Kind::kSyntax},
      {std::string_view("QUIT\0", 5), Kind::kSyntax},
      {"MAIL FROM:<a@b.example>\tSIZE=1", Kind::kSyntax},
      {"VRFY a\x7F", Kind::kSyntax},
  });
}

TEST(ParseCommand, LineLengthLimit) {
  // The limit counts the CRLF that the line reader removed.
  const CommandLimits limits{.max_line = 512};
  const std::string noop510 = "NOOP " + std::string(505, 'x');
  ASSERT_EQ(noop510.size(), 510u);
  EXPECT_TRUE(parse_command(noop510, limits));
  auto got = parse_command(noop510 + "x", limits);
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().kind, Kind::kLineTooLong);
  // The default leaves room for extension parameters (RFC 5321 §4.5.3.1.4).
  EXPECT_TRUE(parse_command(noop510 + "x", CommandLimits{}));
  EXPECT_FALSE(parse_command(std::string(4095, 'x'), CommandLimits{}).has_value());
  got = parse_command(std::string(4095, 'x'), CommandLimits{});
  EXPECT_EQ(got.error().kind, Kind::kLineTooLong);
  got = parse_command("", CommandLimits{.max_line = 1});
  EXPECT_EQ(got.error().kind, Kind::kLineTooLong);
}

}  // namespace
}  // namespace redoubt::smtp::proto

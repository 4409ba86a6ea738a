#include "smtp/proto/reply.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace redoubt::smtp::proto {
namespace {

TEST(FormatReply, SingleLine) {
  EXPECT_EQ(format_reply(250, "2.1.0", "Ok"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(format_reply(220, "", "mail.example.com ESMTP"), "220 mail.example.com ESMTP\r\n");
  EXPECT_EQ(format_reply(354, "", "End data with <CR><LF>.<CR><LF>"),
            "354 End data with <CR><LF>.<CR><LF>\r\n");
  EXPECT_EQ(format_reply(Reply{552, "5.3.4", "Message too big"}), "552 5.3.4 Message too big\r\n");
}

TEST(FormatReply, ControlCharactersNeverReachTheWire) {
  // A CR or LF in the text would let it forge a second reply.
  EXPECT_EQ(format_reply(250, "2.0.0", "a\r\n250 b"), "250 2.0.0 a??250 b\r\n");
  EXPECT_EQ(format_reply(250, "", std::string_view("a\0b\x7f", 4)), "250 a?b?\r\n");
  EXPECT_EQ(format_reply(250, "", "tab\tand ünïcode"), "250 tab\tand ünïcode\r\n");
}

TEST(FormatReply, MultiLine) {
  const std::vector<std::string> ehlo = {"mail.example.com", "PIPELINING", "SIZE 10240000",
                                         "SMTPUTF8"};
  EXPECT_EQ(format_multiline_reply(250, "", ehlo),
            "250-mail.example.com\r\n"
            "250-PIPELINING\r\n"
            "250-SIZE 10240000\r\n"
            "250 SMTPUTF8\r\n");
  const std::vector<std::string> help = {"See RFC 5321", "Bye"};
  EXPECT_EQ(format_multiline_reply(214, "2.0.0", help),
            "214-2.0.0 See RFC 5321\r\n"
            "214 2.0.0 Bye\r\n");
  const std::vector<std::string> one = {"Ok"};
  EXPECT_EQ(format_multiline_reply(250, "2.0.0", one), format_reply(250, "2.0.0", "Ok"));
}

TEST(ReplyFor, SyntaxErrors) {
  using Kind = SyntaxError::Kind;
  const struct {
    Kind kind;
    int code;
    std::string_view enhanced;
  } cases[] = {
      {Kind::kUnknownCommand, 500, "5.5.1"},
      {Kind::kSyntax, 501, "5.5.2"},
      {Kind::kBadArgument, 501, "5.5.4"},
      {Kind::kBadSenderAddress, 501, "5.1.7"},
      {Kind::kBadRecipientAddress, 501, "5.1.3"},
      {Kind::kNonAsciiAddress, 550, "5.6.7"},
      {Kind::kUnknownParameter, 555, "5.5.4"},
      {Kind::kLineTooLong, 500, "5.5.2"},
  };
  for (const auto& c : cases) {
    const Reply& reply = reply_for(c.kind);
    EXPECT_EQ(reply.code, c.code) << static_cast<int>(c.kind);
    EXPECT_EQ(reply.enhanced, c.enhanced) << static_cast<int>(c.kind);
    EXPECT_FALSE(reply.text.empty());
  }
  EXPECT_EQ(format_reply(reply_for(Kind::kUnknownParameter)),
            "555 5.5.4 Parameter not recognized\r\n");
}

TEST(ReplyFor, DataErrors) {
  EXPECT_EQ(reply_for(DataError::kBareLf), (Reply{550, "5.6.0", "Bare CR or LF in message"}));
  EXPECT_EQ(reply_for(DataError::kBareCr), reply_for(DataError::kBareLf));
  EXPECT_EQ(reply_for(DataError::kLineTooLong).code, 550);
  EXPECT_EQ(reply_for(DataError::kTooBig), (Reply{552, "5.3.4", "Message too big"}));
}

}  // namespace
}  // namespace redoubt::smtp::proto

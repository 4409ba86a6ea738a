#include "mime/envelope.h"

#include <gtest/gtest.h>

#include "mime/message.h"

namespace redoubt::mime {
namespace {

// RFC 9051 §8 sample: the ENVELOPE of the example message.
TEST(Envelope, Rfc9051Example) {
  const std::string msg =
      "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\n"
      "From: Terry Gray <gray@cac.washington.edu>\r\n"
      "Subject: IMAP4rev2 WG mtg summary and minutes\r\n"
      "To: imap@cac.washington.edu\r\n"
      "cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\r\n"
      "Message-Id: <B27397-0100000@cac.washington.edu>\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n"
      "\r\n"
      "Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n";
  Message m = parse_message(msg);
  EXPECT_EQ(envelope_to_imap(make_envelope(m, m.root())),
            "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" "
            "\"IMAP4rev2 WG mtg summary and minutes\" "
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
            "((NIL NIL \"imap\" \"cac.washington.edu\")) "
            "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")"
            "(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) "
            "NIL NIL \"<B27397-0100000@cac.washington.edu>\")");
}

TEST(Envelope, GroupsRoutesNilAndLiterals) {
  const std::string msg =
      "From: \"Q\\\"uote\" <@relay.test:a@b.test>\r\n"
      "Sender: \r\n"
      "To: Friends: x@y.test, \"Caf\xc3\xa9\" <z@y.test>;, undisclosed\r\n"
      "Bcc: Empty:;\r\n"
      "Subject: =?utf-8?q?encoded?=\r\n folded\r\n"
      "In-Reply-To: <parent@x>\r\n"
      "\r\n";
  Message m = parse_message(msg);
  EXPECT_EQ(envelope_to_imap(make_envelope(m, m.root())),
            "(NIL \"=?utf-8?q?encoded?= folded\" "
            "((\"Q\\\"uote\" \"@relay.test\" \"a\" \"b.test\")) "
            "((\"Q\\\"uote\" \"@relay.test\" \"a\" \"b.test\")) "
            "((\"Q\\\"uote\" \"@relay.test\" \"a\" \"b.test\")) "
            "((NIL NIL \"Friends\" NIL)(NIL NIL \"x\" \"y.test\")"
            "({5}\r\nCaf\xc3\xa9 NIL \"z\" \"y.test\")(NIL NIL NIL NIL)"
            "(NIL NIL \"undisclosed\" \"MISSING_DOMAIN\")) "
            "NIL ((NIL NIL \"Empty\" NIL)(NIL NIL NIL NIL)) \"<parent@x>\" NIL)");
}

TEST(Envelope, EmptyHeader) {
  Message m = parse_message("\r\nbody");
  EXPECT_EQ(envelope_to_imap(make_envelope(m, m.root())),
            "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
}

}  // namespace
}  // namespace redoubt::mime

#include "mime/body_structure.h"

#include <gtest/gtest.h>

#include <string>

#include "mime/imap_string.h"
#include "mime/message.h"

namespace redoubt::mime {
namespace {

// `lines` CRLF-separated lines totalling `size` bytes, without a final CRLF (the CRLF before a
// boundary belongs to the boundary).
std::string body_of(std::size_t size, std::size_t lines, char fill) {
  std::size_t per_line = (size - (lines - 1) * 2) / lines;
  std::string out;
  for (std::size_t i = 0; i + 1 < lines; ++i) out += std::string(per_line, fill) + "\r\n";
  out += std::string(size - out.size(), fill);
  return out;
}

// RFC 9051 §7.5.2, the BODY example, reproduced byte for byte.
TEST(BodyStructure, Rfc9051BodyExample) {
  const std::string msg =
      "MIME-Version: 1.0\r\n"
      "Content-Type: MULTIPART/MIXED; BOUNDARY=\"b\"\r\n\r\n"
      "--b\r\nContent-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\nContent-Transfer-Encoding: 7BIT\r\n\r\n" +
      body_of(1152, 23, 'x') +
      "\r\n--b\r\n"
      "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII; NAME=cc.diff\r\n"
      "Content-ID: <960723163407.20117h@cac.washington.edu>\r\n"
      "Content-Description: Compiler diff\r\n"
      "Content-Transfer-Encoding: BASE64\r\n\r\n" +
      body_of(4554, 73, 'A') + "\r\n--b--\r\n";
  Message m = parse_message(msg);
  EXPECT_EQ(body_structure(m, false),
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152 23)"
            "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") "
            "\"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\" \"BASE64\" 4554 73) "
            "\"MIXED\")");
}

TEST(BodyStructure, ExtendedWithEveryExtensionField) {
  const std::string msg =
      "Content-Type: multipart/mixed; boundary=b\r\n"
      "Content-Language: en, de\r\n\r\n"
      "--b\r\n\r\nimplicit\r\n"
      "--b\r\n"
      "Content-Type: image/png; name*=utf-8''%C3%A9.png\r\n"
      "Content-Disposition: attachment; filename=\"x.png\"\r\n"
      "Content-Language: fr\r\n"
      "Content-Location: http://example.com/\r\n a.png\r\n"
      "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n"
      "AAAA\r\n"
      "--b\r\n"
      "Content-Type: message/rfc822\r\n\r\n"
      "Subject: inner\r\nFrom: a@b\r\n\r\nline1\r\nline2\r\n"
      "--b--\r\n";
  Message m = parse_message(msg);
  EXPECT_EQ(body_structure(m),
            "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 8 1 NIL NIL NIL NIL)"
            "(\"image\" \"png\" (\"name*\" \"utf-8''%C3%A9.png\") NIL NIL \"base64\" 4 "
            "\"Q2hlY2sgSW50ZWdyaXR5IQ==\" "
            "(\"attachment\" (\"filename\" \"x.png\")) \"fr\" \"http://example.com/a.png\")"
            "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 41 "
            "(NIL \"inner\" ((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\" \"b\")) "
            "NIL NIL NIL NIL NIL) "
            "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 2 NIL NIL NIL NIL) "
            "5 NIL NIL NIL NIL) "
            "\"mixed\" (\"boundary\" \"b\") NIL (\"en\" \"de\") NIL)");
}

TEST(BodyStructure, OddCorners) {
  // A multipart with no parts shows one empty text/plain part; 8-bit strings are literals.
  Message none = parse_message(
      "Content-Type: multipart/mixed; boundary=zz\r\n"
      "Content-Description: caf\xc3\xa9\r\n\r\nno parts here\r\n");
  EXPECT_EQ(body_structure(none),
            "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) \"mixed\" "
            "(\"boundary\" \"zz\") NIL NIL NIL)");
  Message no_boundary = parse_message("Content-Type: multipart/alternative\r\n\r\ntext\r\n");
  EXPECT_EQ(body_structure(no_boundary, false),
            "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) \"alternative\")");
  // An encoded message/rfc822 is opaque: empty envelope and body, but the right shape.
  Message encoded = parse_message(
      "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n"
      "Content-Description: caf\xc3\xa9\r\n\r\nAAAA\r\n");
  EXPECT_EQ(body_structure(encoded, false),
            "(\"message\" \"rfc822\" NIL NIL {5}\r\ncaf\xc3\xa9 \"base64\" 6 "
            "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) "
            "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) 1)");
  // Non-text leaves have no line count.
  Message app = parse_message("Content-Type: application/pdf\r\n\r\n%PDF");
  EXPECT_EQ(body_structure(app, false), "(\"application\" \"pdf\" NIL NIL NIL \"7bit\" 4)");
}

}  // namespace
}  // namespace redoubt::mime

namespace redoubt::mime {
namespace {

TEST(ImapString, QuotedLiteralAndNil) {
  std::string out;
  append_imap_string(out, "plain \"q\" \\");
  EXPECT_EQ(out, R"("plain \"q\" \\")");
  out.clear();
  append_imap_string(out, "line\r\nbreak");
  EXPECT_EQ(out, "{11}\r\nline\r\nbreak");
  out.clear();
  append_imap_string(out, std::string_view("a\0b", 3));  // NUL: no IMAP string may hold it
  EXPECT_EQ(out, "{5}\r\na\xef\xbf\xbd" "b");
  out.clear();
  append_imap_nstring(out, std::nullopt);
  append_imap_nstring(out, "");
  EXPECT_EQ(out, "NIL\"\"");
}

}  // namespace
}  // namespace redoubt::mime

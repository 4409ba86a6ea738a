#include "mime/text.h"

#include <gtest/gtest.h>

#include "mime/attachments.h"
#include "mime/body_parts.h"
#include "mime/body_text.h"
#include "mime/message.h"

namespace redoubt::mime {
namespace {

TEST(HtmlToText, TagsScriptsAndReferences) {
  EXPECT_EQ(html_to_text("<p>Hello&nbsp;<b>W&ouml;rld</b> &amp; &#8364;&#x41;&bogus;</p>"
                         "<script>alert('<p>')</script><STYLE>p{}</STYLE><!-- c -->end"),
            "\nHello\xc2\xa0W\xc3\xb6rld & \xe2\x82\xac" "A&bogus;\nend");
  EXPECT_EQ(html_to_text("a<br>b<unterminated"), "a\nb");
}

TEST(PartText, TransferEncodingsAndCharsets) {
  Message m = parse_message(
      "Content-Type: multipart/mixed; boundary=b\n\n"
      "--b\nContent-Type: text/plain; charset=iso-8859-1\n"
      "Content-Transfer-Encoding: quoted-printable\n\ncaf=E9 =\nau lait\n"
      "--b\nContent-Type: text/plain; charset=\"UTF-8\"\nContent-Transfer-Encoding: base64\n\n"
      "w6l0w6k=\n"
      "--b\nContent-Type: text/plain; charset=x-unknown\n\nna\xefve\n"
      "--b--\n");
  Conversion c;
  EXPECT_EQ(part_text(m, m.part(1), &c), "caf\xc3\xa9 au lait");
  EXPECT_EQ(c, Conversion::kExact);
  EXPECT_EQ(part_charset(m, m.part(2)), "utf-8");
  EXPECT_EQ(part_text(m, m.part(2)), "\xc3\xa9t\xc3\xa9");
  EXPECT_EQ(part_text(m, m.part(3), &c), "na\xc3\xafve");
  EXPECT_EQ(c, Conversion::kFallback);
}

TEST(DecodeBody, TransferEncodingsOnly) {
  Message b64 = parse_message("Content-Transfer-Encoding: BASE64\n\nAAEC/w==\n");
  EXPECT_EQ(decode_body(b64, b64.root()), std::string("\x00\x01\x02\xff", 4));
  Message other = parse_message("Content-Transfer-Encoding: x-uuencode\n\nbegin 644 x\n");
  EXPECT_EQ(decode_body(other, other.root()), "begin 644 x\n");  // unknown: as is
}

// RFC 8621 §4.1.4: the usual shape of a message with alternatives, inline images and files.
TEST(SelectBodyParts, AlternativeRelatedAndAttachments) {
  Message m = parse_message(
      "Content-Type: multipart/mixed; boundary=m\n\n"
      "--m\nContent-Type: multipart/alternative; boundary=a\n\n"
      "--a\nContent-Type: text/plain\n\nplain text\n"
      "--a\nContent-Type: multipart/related; boundary=r\n\n"
      "--r\nContent-Type: text/html\n\n<p>html <img src=cid:i></p>\n"
      "--r\nContent-Type: image/png\nContent-ID: <i>\n\nPNG\n"
      "--r--\n--a--\n"
      "--m\nContent-Type: application/pdf; name=\"doc.pdf\"\n"
      "Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf\n\nPDF\n"
      "--m\nContent-Type: message/rfc822\n\nSubject: fwd\n\nforwarded\n"
      "--m--\n");
  BodyParts parts = select_body_parts(m);
  ASSERT_EQ(parts.text_body.size(), 1u);
  EXPECT_EQ(m.body_bytes(m.part(parts.text_body[0])), "plain text");
  ASSERT_EQ(parts.html_body.size(), 1u);
  EXPECT_TRUE(is_type(m.part(parts.html_body[0]), "text", "html"));
  ASSERT_EQ(parts.attachments.size(), 3u);

  std::vector<Attachment> files = list_attachments(m);
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].media_type, "image/png");
  EXPECT_EQ(files[0].content_id, "i");
  EXPECT_TRUE(files[0].is_inline);
  EXPECT_EQ(files[1].filename, "r\xc3\xa9sum\xc3\xa9.pdf");
  EXPECT_EQ(files[1].disposition, "attachment");
  EXPECT_FALSE(files[1].is_inline);
  EXPECT_EQ(files[2].media_type, "message/rfc822");

  EXPECT_EQ(message_text(m), "plain text");
  EXPECT_EQ(preview(m, 5), "plain");
}

TEST(SelectBodyParts, HtmlOnlyServesAsText) {
  Message m = parse_message(
      "Content-Type: multipart/alternative; boundary=a\n\n"
      "--a\nContent-Type: text/html\n\n<p>only   <i>html</i></p>\n--a--\n");
  BodyParts parts = select_body_parts(m);
  EXPECT_EQ(parts.text_body, parts.html_body);
  EXPECT_EQ(preview(m), "only html");
}

TEST(Preview, CollapsesWhitespaceAndCutsOnCharacters) {
  Message m = parse_message("Content-Type: text/plain; charset=utf-8\n\n  a \n\n b\xc3\xa9\xc3\xa9 c");
  EXPECT_EQ(preview(m), "a b\xc3\xa9\xc3\xa9 c");
  EXPECT_EQ(preview(m, 4), "a b\xc3\xa9");
}

TEST(PartFilename, DispositionThenName) {
  Message m = parse_message(
      "Content-Type: application/octet-stream; name=\"from-type.bin\"\n"
      "Content-Disposition: attachment\n\nx");
  EXPECT_EQ(part_filename(m, m.root()), "from-type.bin");
  Message encoded = parse_message(
      "Content-Type: application/octet-stream\n"
      "Content-Disposition: attachment; filename=\"=?ISO-8859-1?Q?caf=E9?=.txt \"\n\nx");
  EXPECT_EQ(part_filename(encoded, encoded.root()), "caf\xc3\xa9.txt");
}

}  // namespace
}  // namespace redoubt::mime

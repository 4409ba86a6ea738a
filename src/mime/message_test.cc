#include "mime/message.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace redoubt::mime {
namespace {

std::string crlf(std::string_view lf_text) {
  std::string out;
  for (char c : lf_text) {
    if (c == '\n') out.push_back('\r');
    out.push_back(c);
  }
  return out;
}

// Every offset lies inside the input, children inside their parents, fields inside headers.
void expect_invariants(const Message& m) {
  const std::size_t size = m.data().size();
  ASSERT_FALSE(m.parts().empty());
  for (const Part& p : m.parts()) {
    EXPECT_LE(p.offset + p.header_size, size);
    EXPECT_EQ(p.body_offset, p.offset + p.header_size);
    EXPECT_LE(p.body_offset + p.body_size, size);
    for (const HeaderField& f : m.headers(p)) {
      EXPECT_GE(f.offset, p.offset);
      EXPECT_LE(f.offset + f.size, p.body_offset);
    }
    if (p.parent != kNoPart) {
      const Part& up = m.part(p.parent);
      EXPECT_GE(p.offset, up.body_offset);
      EXPECT_LE(p.body_offset + p.body_size, up.body_offset + up.body_size);
      EXPECT_EQ(p.depth, up.depth + 1);
    }
  }
}

TEST(ParseMessage, SimpleMessageOffsetsAndLines) {
  const std::string msg = crlf("From: a@example.com\nSubject: hi\n\nline one\nline two\n");
  Message m = parse_message(msg);
  ASSERT_EQ(m.parts().size(), 1u);
  const Part& root = m.root();
  EXPECT_EQ(root.header_size, msg.find("line one"));
  EXPECT_EQ(m.body_bytes(root), "line one\r\nline two\r\n");
  EXPECT_EQ(root.body_lines, 2u);
  EXPECT_TRUE(is_type(root, "text", "plain"));  // RFC 2045 §5.2 default
  ASSERT_EQ(m.headers(root).size(), 2u);
  EXPECT_EQ(m.headers(root)[1].name, "Subject");
  EXPECT_EQ(m.headers(root)[1].value, " hi");
  EXPECT_EQ(m.headers(root)[1].offset, msg.find("Subject"));
  EXPECT_EQ(m.defects(), Defect::kNone);
  expect_invariants(m);
}

TEST(ParseMessage, LastLineWithoutLineBreakCounts) {
  Message m = parse_message("Subject: x\n\na\nb");
  EXPECT_EQ(m.root().body_lines, 2u);
}

// RFC 2046 §5.1.1, the example with preamble and epilogue.
TEST(ParseMessage, Rfc2046SimpleBoundaryExample) {
  const std::string msg = crlf(
      "From: Nathaniel Borenstein <nsb@bellcore.com>\n"
      "To: Ned Freed <ned@innosoft.com>\n"
      "Date: Sun, 21 Mar 1993 23:56:48 -0800 (PST)\n"
      "Subject: Sample message\n"
      "MIME-Version: 1.0\n"
      "Content-type: multipart/mixed; boundary=\"simple boundary\"\n"
      "\n"
      "This is the preamble.  It is to be ignored, though it\n"
      "is a handy place for composition agents to include an\n"
      "explanatory note to non-MIME conformant readers.\n"
      "\n"
      "--simple boundary\n"
      "\n"
      "This is implicitly typed plain US-ASCII text.\n"
      "It does NOT end with a linebreak.\n"
      "--simple boundary\n"
      "Content-type: text/plain; charset=us-ascii\n"
      "\n"
      "This is explicitly typed plain US-ASCII text.\n"
      "It DOES end with a linebreak.\n"
      "\n"
      "--simple boundary--\n"
      "\n"
      "This is the epilogue.  It is also to be ignored.\n");
  Message m = parse_message(msg);
  expect_invariants(m);
  ASSERT_EQ(m.parts().size(), 3u);
  const Part& root = m.root();
  EXPECT_EQ(root.kind, PartKind::kMultipart);
  EXPECT_EQ(root.boundary, "simple boundary");
  EXPECT_EQ(root.child_count, 2u);
  EXPECT_EQ(msg.substr(root.body_offset, root.preamble_size),
            "This is the preamble.  It is to be ignored, though it\r\n"
            "is a handy place for composition agents to include an\r\n"
            "explanatory note to non-MIME conformant readers.\r\n");
  EXPECT_EQ(msg.substr(root.epilogue_offset, root.epilogue_size),
            "\r\nThis is the epilogue.  It is also to be ignored.\r\n");
  const Part& first = m.part(1);
  EXPECT_EQ(first.header_size, 2u);  // just the blank line
  EXPECT_EQ(m.body_bytes(first),
            "This is implicitly typed plain US-ASCII text.\r\nIt does NOT end with a linebreak.");
  EXPECT_EQ(first.body_lines, 2u);
  const Part& second = m.part(2);
  EXPECT_EQ(m.body_bytes(second),
            "This is explicitly typed plain US-ASCII text.\r\nIt DOES end with a linebreak.\r\n");
  EXPECT_EQ(second.body_lines, 2u);
  EXPECT_EQ(m.defects(), Defect::kNone);
}

TEST(ParseMessage, NestedMultipartAndMessageRfc822) {
  const std::string msg = crlf(
      "Content-Type: multipart/mixed; boundary=outer\n\n"
      "--outer\n"
      "Content-Type: multipart/alternative; boundary=\"inner\"\n\n"
      "--inner\nContent-Type: text/plain\n\nplain\n"
      "--inner\nContent-Type: text/html\n\n<p>html</p>\n"
      "--inner--\n"
      "--outer\n"
      "Content-Type: message/rfc822\n\n"
      "Subject: inner message\n\nbody of inner\n"
      "--outer--\n");
  Message m = parse_message(msg);
  expect_invariants(m);
  ASSERT_EQ(m.parts().size(), 6u);
  EXPECT_TRUE(is_type(m.part(1), "multipart", "alternative"));
  EXPECT_EQ(m.body_bytes(m.part(2)), "plain");
  EXPECT_EQ(m.body_bytes(m.part(3)), "<p>html</p>");
  EXPECT_EQ(m.part(4).kind, PartKind::kMessage);
  const Part* inner = m.encapsulated(m.part(4));
  ASSERT_NE(inner, nullptr);
  EXPECT_EQ(m.find(*inner, "subject")->value, " inner message");
  EXPECT_EQ(m.body_bytes(*inner), "body of inner");
  EXPECT_EQ(m.part(4).body_lines, 3u);
  EXPECT_EQ(m.defects(), Defect::kNone);
}

TEST(ParseMessage, MissingCloseDelimiterRunsToTheEnd) {
  Message m = parse_message("Content-Type: multipart/mixed; boundary=b\n\n--b\n\nfirst\n--b\n\nlast\n");
  ASSERT_EQ(m.parts().size(), 3u);
  EXPECT_EQ(m.body_bytes(m.part(2)), "last\n");
  EXPECT_TRUE(has(m.root().defects, Defect::kMissingCloseDelimiter));
  expect_invariants(m);
}

TEST(ParseMessage, OuterBoundaryClosesInnerMultipart) {
  Message m = parse_message(
      "Content-Type: multipart/mixed; boundary=a\n\n--a\n"
      "Content-Type: multipart/mixed; boundary=b\n\n--b\n\ninner\n"
      "--a\n\nsecond\n--a--\n");
  ASSERT_EQ(m.parts().size(), 4u);
  EXPECT_EQ(m.body_bytes(m.part(2)), "inner");
  EXPECT_TRUE(has(m.part(1).defects, Defect::kMissingCloseDelimiter));
  EXPECT_EQ(m.body_bytes(m.part(3)), "second");
  expect_invariants(m);
}

TEST(ParseMessage, BoundaryNeverFoundOrMissing) {
  Message none = parse_message("Content-Type: multipart/mixed; boundary=zz\n\njust text\n");
  EXPECT_EQ(none.root().kind, PartKind::kMultipart);
  EXPECT_EQ(none.root().child_count, 0u);
  EXPECT_TRUE(has(none.defects(), Defect::kNoParts));
  Message missing = parse_message("Content-Type: multipart/mixed\n\njust text\n");
  EXPECT_EQ(missing.root().kind, PartKind::kLeaf);
  EXPECT_TRUE(has(missing.defects(), Defect::kMissingBoundary));
}

TEST(ParseMessage, DelimiterMustMatchWholeLineUpToPadding) {
  // RFC 2046 §5.1.1: transport padding (spaces) may follow; other text may not.
  Message m = parse_message(
      "Content-Type: multipart/mixed; boundary=b\n\n--b  \n\none\n--bb\n--b--\t\n");
  ASSERT_EQ(m.parts().size(), 2u);
  EXPECT_EQ(m.body_bytes(m.part(1)), "one\n--bb");
  EXPECT_EQ(m.defects(), Defect::kNone);
}

TEST(ParseMessage, BoundaryInsideHeaderEndsThePart) {
  Message m = parse_message(
      "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n--b\n\nx\n--b--\n");
  ASSERT_EQ(m.parts().size(), 3u);
  EXPECT_EQ(m.part(1).body_size, 0u);
  EXPECT_EQ(m.body_bytes(m.part(2)), "x");
  expect_invariants(m);
}

TEST(ParseMessage, DigestDefaultsToMessageRfc822) {
  // RFC 2046 §5.1.5
  Message m = parse_message(
      "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: one\n\nbody\n--d--\n");
  ASSERT_EQ(m.parts().size(), 3u);
  EXPECT_TRUE(is_type(m.part(1), "message", "rfc822"));
  EXPECT_EQ(m.part(1).kind, PartKind::kMessage);
  EXPECT_EQ(m.find(m.part(2), "Subject")->value, " one");
}

TEST(ParseMessage, InvalidContentTypeIsTextPlain) {
  Message m = parse_message("Content-Type: garbage\n\nx");
  EXPECT_TRUE(is_type(m.root(), "text", "plain"));
  EXPECT_TRUE(has(m.defects(), Defect::kInvalidContentType));
}

TEST(ParseMessage, EncodedMessageRfc822StaysOpaque) {
  // RFC 2046 §5.2.1: only 7bit, 8bit or binary.
  Message m = parse_message(
      "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nU3ViamVjdDogeAoKeQ==\n");
  EXPECT_EQ(m.root().kind, PartKind::kLeaf);
  EXPECT_TRUE(has(m.defects(), Defect::kEncodedMessage));
}

TEST(ParseMessage, DepthLimitKeepsDeepPartsOpaque) {
  std::string msg;
  for (int i = 0; i < 10; ++i) msg += "Content-Type: message/rfc822\n\n";
  msg += "Subject: bottom\n\nx\n";
  Limits limits;
  limits.max_depth = 3;
  Message m = parse_message(msg, limits);
  EXPECT_EQ(m.parts().size(), 4u);
  EXPECT_TRUE(has(m.defects(), Defect::kTooDeep));
  expect_invariants(m);
}

TEST(ParseMessage, PartLimitKeepsTheRestUnsplit) {
  std::string msg = "Content-Type: multipart/mixed; boundary=b\n\n";
  for (int i = 0; i < 100; ++i) msg += "--b\n\npart\n";
  msg += "--b--\n";
  Limits limits;
  limits.max_parts = 10;
  Message m = parse_message(msg, limits);
  EXPECT_EQ(m.parts().size(), 10u);
  EXPECT_TRUE(has(m.defects(), Defect::kTooManyParts));
  EXPECT_EQ(m.root().body_size, msg.size() - m.root().body_offset);
  expect_invariants(m);
}

TEST(ParseMessage, ManyNestedMultipartsAreLinear) {
  // 50k nested openings would recurse 50k deep without the depth bound.
  std::string msg;
  for (int i = 0; i < 50000; ++i) {
    msg += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\n\n--b" +
           std::to_string(i) + "\n";
  }
  Message m = parse_message(msg);
  EXPECT_LE(m.parts().size(), Limits{}.max_depth + 1);
  expect_invariants(m);
}

TEST(ParseMessage, EveryPrefixParses) {
  const std::string msg = crlf(
      "Content-Type: multipart/mixed; boundary=outer\n\npre\n--outer\n"
      "Content-Type: message/rfc822\n\nSubject: s\nContent-Type: multipart/alternative;\n"
      " boundary=in\n\n--in\n\na\n--in--\n--outer\nContent-Type: text/plain\n\nb\n--outer--\nepi\n");
  for (std::size_t n = 0; n <= msg.size(); ++n) {
    SCOPED_TRACE(n);
    expect_invariants(parse_message(std::string_view(msg).substr(0, n)));
  }
}

// Found by mime_message_fuzz: the line break before a boundary ending an encapsulated header.
TEST(ParseMessage, ChildHeaderTakesTheLineBreakBeforeTheBoundary) {
  for (std::string_view msg :
       {"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\n"
        "Subject: x\n\n--b--\n",
        "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\n"
        "Subject: x\n--b--\n"}) {
    SCOPED_TRACE(msg);
    Message m = parse_message(msg);
    ASSERT_EQ(m.parts().size(), 3u);
    expect_invariants(m);
  }
}

// RFC 9051 §6.4.5: the example message's part numbers.
TEST(FindSection, Rfc9051Example) {
  const std::string msg = crlf(
      "Subject: top\nContent-Type: multipart/mixed; boundary=x\n\n"
      "--x\nContent-Type: text/plain\n\n1\n"
      "--x\nContent-Type: application/octet-stream\n\n2\n"
      "--x\nContent-Type: message/rfc822\n\n"
      "Subject: three\nContent-Type: multipart/mixed; boundary=y\n\n"
      "--y\nContent-Type: text/plain\n\n3.1\n"
      "--y\nContent-Type: application/octet-stream\n\n3.2\n--y--\n"
      "--x\nContent-Type: multipart/mixed; boundary=z\n\n"
      "--z\nContent-Type: image/gif\n\n4.1\n"
      "--z\nContent-Type: message/rfc822\n\n"
      "Subject: four-two\nContent-Type: multipart/mixed; boundary=w\n\n"
      "--w\nContent-Type: text/plain\n\n4.2.1\n"
      "--w\nContent-Type: multipart/alternative; boundary=v\n\n"
      "--v\nContent-Type: text/plain\n\n4.2.2.1\n"
      "--v\nContent-Type: text/richtext\n\n4.2.2.2\n--v--\n--w--\n--z--\n--x--\n");
  Message m = parse_message(msg);
  auto body = [&](std::string_view section) -> std::string {
    std::uint32_t i = find_section(m, section);
    if (i == kNoPart) return "none";
    return std::string(m.body_bytes(m.part(i)));
  };
  EXPECT_EQ(body("1"), "1");
  EXPECT_EQ(body("2"), "2");
  EXPECT_TRUE(is_type(m.part(find_section(m, "3")), "message", "rfc822"));
  EXPECT_EQ(body("3.1"), "3.1");
  EXPECT_EQ(body("3.2"), "3.2");
  EXPECT_TRUE(is_type(m.part(find_section(m, "4")), "multipart", "mixed"));
  EXPECT_EQ(body("4.1"), "4.1");
  EXPECT_EQ(body("4.2.1"), "4.2.1");
  EXPECT_TRUE(is_type(m.part(find_section(m, "4.2.2")), "multipart", "alternative"));
  EXPECT_EQ(body("4.2.2.1"), "4.2.2.1");
  EXPECT_EQ(body("4.2.2.2"), "4.2.2.2");
  EXPECT_EQ(body("5"), "none");
  EXPECT_EQ(body("1.1"), "none");
  EXPECT_EQ(body("0"), "none");
  EXPECT_EQ(find_section(m, ""), 0u);

  // A non-multipart message has only part 1, its body; so has a non-multipart encapsulated one.
  Message single = parse_message("Subject: x\n\nhello");
  EXPECT_EQ(find_section(single, "1"), 0u);
  EXPECT_EQ(find_section(single, "2"), kNoPart);
  Message wrapped = parse_message(
      "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\n"
      "Subject: in\n\ninner body\n--b--\n");
  std::uint32_t inner = find_section(wrapped, "1.1");
  ASSERT_NE(inner, kNoPart);
  EXPECT_EQ(wrapped.body_bytes(wrapped.part(inner)), "inner body");
}

}  // namespace
}  // namespace redoubt::mime

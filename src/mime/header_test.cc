#include "mime/header.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace redoubt::mime {
namespace {

struct Parsed {
  std::vector<HeaderField> fields;
  HeaderBlock block;
};

Parsed parse(std::string_view s, const Limits& limits = {}) {
  Parsed p;
  p.block = parse_header_block(s, 0, s.size(), limits, p.fields);
  return p;
}

TEST(ParseHeaderBlock, FoldedFieldsKeepTheirBytes) {
  // RFC 5322 §2.2.3
  const std::string_view h = "Subject: This\r\n is a test\r\nTo: a@b\r\n\r\nbody";
  Parsed p = parse(h);
  ASSERT_EQ(p.fields.size(), 2u);
  EXPECT_EQ(p.fields[0].value, " This\r\n is a test");
  EXPECT_EQ(h.substr(p.fields[0].offset, p.fields[0].size), "Subject: This\r\n is a test\r\n");
  EXPECT_EQ(unfold(p.fields[0].value), "This is a test");
  EXPECT_EQ(p.block.size, h.find("body"));
  EXPECT_EQ(p.block.defects, Defect::kNone);
}

TEST(ParseHeaderBlock, ObsoleteSpaceBeforeColon) {
  // RFC 5322 §4.5.3 obs-optional: field-name *WSP ":" unstructured CRLF
  Parsed p = parse("Subject \t: hello\n\n");
  ASSERT_EQ(p.fields.size(), 1u);
  EXPECT_EQ(p.fields[0].name, "Subject");
  EXPECT_EQ(p.fields[0].value, " hello");
}

TEST(ParseHeaderBlock, NonFieldLineStartsTheBody) {
  const std::string_view h = "To: a@b\nthis is not a header\nFrom: x\n";
  Parsed p = parse(h);
  ASSERT_EQ(p.fields.size(), 1u);
  EXPECT_EQ(p.block.size, h.find("this"));
  EXPECT_TRUE(has(p.block.defects, Defect::kInvalidHeaderLine));
}

TEST(ParseHeaderBlock, LeadingContinuationAndEmptyNameAreSkipped) {
  Parsed p = parse("  orphan\n: no name\nTo: a\n\n");
  ASSERT_EQ(p.fields.size(), 1u);
  EXPECT_EQ(p.fields[0].name, "To");
  EXPECT_TRUE(has(p.block.defects, Defect::kContinuationFirst));
}

TEST(ParseHeaderBlock, NoBlankLine) {
  Parsed p = parse("To: a\nFrom: b");
  EXPECT_EQ(p.fields.size(), 2u);
  EXPECT_EQ(p.fields[1].value, " b");
  EXPECT_EQ(p.block.size, 13u);
  EXPECT_TRUE(has(p.block.defects, Defect::kMissingBlankLine));
}

TEST(ParseHeaderBlock, EightBitAndUtf8Values) {
  // RFC 6532 §3.2: UTF-8 in field bodies.
  Parsed p = parse("Subject: caf\xc3\xa9\n\n");
  ASSERT_EQ(p.fields.size(), 1u);
  EXPECT_EQ(p.fields[0].value, " caf\xc3\xa9");
}

TEST(ParseHeaderBlock, Limits) {
  Limits limits;
  limits.max_headers = 2;
  limits.max_header_line = 20;
  const std::string h = "A: 1\nB: 2\nC: 3\nD: " + std::string(100, 'x') + "\n more\nE: 5\n\nbody";
  Parsed p = parse(h, limits);
  EXPECT_EQ(p.fields.size(), 2u);
  EXPECT_TRUE(has(p.block.defects, Defect::kTooManyHeaders));
  EXPECT_EQ(p.block.size, h.find("body"));  // the body offset stays exact

  limits.max_headers = 10;
  p = parse(h, limits);
  ASSERT_EQ(p.fields.size(), 5u);
  EXPECT_EQ(p.fields[3].name, "D");
  EXPECT_EQ(p.fields[3].value.size(), 18u);  // the first 20 bytes of the field, less "D:"
  EXPECT_EQ(p.fields[3].size, std::string_view("D: ").size() + 100 + 1 + 6);
  EXPECT_TRUE(has(p.block.defects, Defect::kHeaderTooLong));
  EXPECT_EQ(p.fields[4].name, "E");
}

TEST(FindField, CaseInsensitive) {
  Parsed p = parse("content-TYPE: text/plain\n\n");
  ASSERT_NE(find_field(p.fields, "Content-Type"), nullptr);
  EXPECT_EQ(find_field(p.fields, "Content-Types"), nullptr);
}

TEST(Unfold, RemovesOnlyLineBreaks) {
  EXPECT_EQ(unfold(" a\r\n\tb\n c "), "a\tb c");
  EXPECT_EQ(unfold("plain"), "plain");
}

}  // namespace
}  // namespace redoubt::mime

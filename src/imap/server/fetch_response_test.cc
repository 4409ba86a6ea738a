#include "imap/server/fetch_response.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "imap/server/summary.h"
#include "mime/message.h"

namespace redoubt::imap::server {
namespace {

using proto::FetchItem;
using proto::Partial;
using proto::Section;
using Kind = FetchItem::Kind;
using Text = Section::Text;

constexpr std::uint64_t kMax64 = std::numeric_limits<std::uint64_t>::max();

// A multipart/mixed message: 1 quoted-printable text, 2 base64 octets (with a NUL once
// decoded), 3 message/rfc822 holding a multipart/alternative, 4 an unknown transfer encoding.
// Sizes: header 204, body 550, whole 754.
const std::string kHeader =
    "From: Alice <alice@example.org>\r\n"
    "To: bob@example.com\r\n"
    "Subject: Test\r\n"
    "Date: Mon, 7 Feb 1994 21:52:25 -0800\r\n"
    "Message-ID: <1@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"xyz\"\r\n"
    "\r\n";
const std::string kPart1Header =  // 88
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n";
const std::string kPart2Header =  // 77
    "Content-Type: application/octet-stream\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n";
const std::string kInnerHeader =  // 93
    "From: carol@example.net\r\n"
    "Subject: Inner\r\n"
    "Content-Type: multipart/alternative; boundary=in\r\n"
    "\r\n";
const std::string kInnerText =  // 100
    "--in\r\n"
    "Content-Type: text/plain\r\n\r\n"
    "inner plain\r\n"
    "--in\r\n"
    "Content-Type: text/html\r\n\r\n"
    "<p>inner</p>\r\n"
    "--in--";
const std::string kBody =
    "preamble\r\n"
    "--xyz\r\n" + kPart1Header +
    "caf=C3=A9 =\r\n"
    "ok\r\n"
    "--xyz\r\n" + kPart2Header +
    "AAEC/w==\r\n"
    "--xyz\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n" + kInnerHeader + kInnerText + "\r\n"
    "--xyz\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Transfer-Encoding: x-uuencode\r\n"
    "\r\n"
    "weird\r\n"
    "--xyz--\r\n"
    "epilogue\r\n";
const std::string kMessage = kHeader + kBody;

store::MessageInfo info_for_test() {
  store::MessageInfo info{};
  info.id = store::MessageId{1};
  info.uid = store::Uid{42};
  info.modseq = store::ModSeq{99};
  info.flags = store::MessageFlags::kSeen | store::MessageFlags::kFlagged;
  info.internal_date = 760686745;  // 1994-02-08 05:52:25 UTC
  info.size = 754;
  info.keywords = {"$Forwarded"};
  return info;
}

FetchItem item(Kind kind) {
  FetchItem out;
  out.kind = kind;
  return out;
}

FetchItem body(std::vector<std::uint32_t> part, Text text = Text::kNone,
               std::vector<std::string> fields = {}, std::optional<Partial> partial = {},
               bool peek = false) {
  FetchItem out;
  out.kind = Kind::kBodySection;
  out.peek = peek;
  out.section.part = std::move(part);
  out.section.text = text;
  out.section.fields = std::move(fields);
  out.partial = partial;
  return out;
}

FetchItem partial_body(std::vector<std::uint32_t> part, std::uint64_t offset, std::uint64_t count) {
  return body(std::move(part), Text::kNone, {}, Partial{offset, count});
}

FetchItem binary(std::vector<std::uint32_t> part, std::optional<Partial> partial = {},
                 bool peek = false) {
  FetchItem out;
  out.kind = Kind::kBinary;
  out.peek = peek;
  out.section.part = std::move(part);
  out.partial = partial;
  return out;
}

FetchItem binary_size(std::vector<std::uint32_t> part) {
  FetchItem out;
  out.kind = Kind::kBinarySize;
  out.section.part = std::move(part);
  return out;
}

// The response for `items`, which must succeed.
std::string fetch(const mime::Message* message, const std::vector<FetchItem>& items,
                  const FetchOptions& options = {}, bool flags_changed = false,
                  const store::MessageInfo& info = info_for_test()) {
  std::string out;
  EXPECT_TRUE(append_fetch_response(out, 1, info, FetchSource{message}, items, flags_changed, options));
  return out;
}

class FetchResponse : public ::testing::Test {
 protected:
  std::string fetch_one(const FetchItem& one) { return fetch(&message_, {one}); }

  const mime::Message message_ = mime::parse_message(kMessage);
};

TEST_F(FetchResponse, TestMessageLayout) {
  ASSERT_EQ(kHeader.size(), 204u);
  ASSERT_EQ(kBody.size(), 550u);
  ASSERT_EQ(message_.parts().size(), 8u);  // root, 1, 2, 3, 3's message, 3.1, 3.2, 4
  ASSERT_EQ(message_.defects(), mime::Defect::kNone);
}

// ---- Items the store row answers --------------------------------------------------------------

TEST(FetchMetadata, EveryItemWithoutTheMessage) {
  const std::vector<FetchItem> items = {item(Kind::kFlags), item(Kind::kInternalDate),
                                        item(Kind::kRfc822Size), item(Kind::kUid),
                                        item(Kind::kModSeq)};
  EXPECT_EQ(fetch_needs(items), FetchNeeds::kRow);
  FetchOptions options;
  options.zone_minutes = -480;
  std::string out;
  ASSERT_TRUE(append_fetch_response(out, 7, info_for_test(), FetchSource{}, items, false, options));
  EXPECT_EQ(out,
            "* 7 FETCH (UID 42 FLAGS (\\Seen \\Flagged $Forwarded) "
            "INTERNALDATE \" 7-Feb-1994 21:52:25 -0800\" RFC822.SIZE 754 MODSEQ (99))\r\n");
}

TEST(FetchMetadata, AppendsToWhatIsThere) {
  std::string out = "* 3 EXISTS\r\n";
  ASSERT_TRUE(append_fetch_response(out, 4294967295u, info_for_test(), FetchSource{},
                                    std::vector<FetchItem>{item(Kind::kRfc822Size)}, false, {}));
  EXPECT_EQ(out, "* 3 EXISTS\r\n* 4294967295 FETCH (RFC822.SIZE 754)\r\n");
}

TEST(FetchMetadata, FlagsWithoutAnyFlag) {
  store::MessageInfo info = info_for_test();
  info.flags = store::MessageFlags::kNone;
  info.keywords.clear();
  EXPECT_EQ(fetch(nullptr, {item(Kind::kFlags)}, {}, false, info), "* 1 FETCH (FLAGS ())\r\n");
}

TEST(FetchMetadata, InternalDateInTheSessionZone) {
  struct Case {
    int zone;
    std::int64_t time;
    std::string_view want;
  };
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t kMaxTime = std::numeric_limits<std::int64_t>::max();
  const Case cases[] = {
      {0, 760686745, "\" 8-Feb-1994 05:52:25 +0000\""},
      {-480, 760686745, "\" 7-Feb-1994 21:52:25 -0800\""},
      {120, 760686745, "\" 8-Feb-1994 07:52:25 +0200\""},
      {330, 760686745, "\" 8-Feb-1994 11:22:25 +0530\""},
      {-150, 0, "\"31-Dec-1969 21:30:00 -0230\""},
      {0, -1, "\"31-Dec-1969 23:59:59 +0000\""},
      // Out-of-range zones and instants are clamped, never undefined.
      {5000, 760686745, "\" 9-Feb-1994 05:51:25 +2359\""},
      {-5000, 760686745, "\" 7-Feb-1994 05:53:25 -2359\""},
      {0, kMin, "\" 1-Jan-0000 00:00:00 +0000\""},
      {0, kMaxTime, "\"31-Dec-9999 23:59:59 +0000\""},
      {-1439, kMin, "\" 1-Jan-0000 00:00:00 -2359\""},
      {1439, kMaxTime, "\"31-Dec-9999 23:59:59 +2359\""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.want);
    store::MessageInfo info = info_for_test();
    info.internal_date = c.time;
    FetchOptions options;
    options.zone_minutes = c.zone;
    EXPECT_EQ(fetch(nullptr, {item(Kind::kInternalDate)}, options, false, info),
              "* 1 FETCH (INTERNALDATE " + std::string(c.want) + ")\r\n");
  }
}

TEST(FetchMetadata, UidFirstForUidFetch) {
  FetchOptions options;
  options.include_uid = true;
  EXPECT_EQ(fetch(nullptr, {item(Kind::kFlags)}, options),
            "* 1 FETCH (UID 42 FLAGS (\\Seen \\Flagged $Forwarded))\r\n");
  // Asked for, UID also comes first, and once.
  EXPECT_EQ(fetch(nullptr, {item(Kind::kRfc822Size), item(Kind::kUid)}, options),
            "* 1 FETCH (UID 42 RFC822.SIZE 754)\r\n");
  EXPECT_EQ(fetch(nullptr, {item(Kind::kRfc822Size), item(Kind::kUid), item(Kind::kUid)}),
            "* 1 FETCH (UID 42 RFC822.SIZE 754)\r\n");
}

TEST(FetchMetadata, ModSeqWhenCondstoreIsEnabled) {
  FetchOptions options;
  options.include_modseq = true;
  EXPECT_EQ(fetch(nullptr, {item(Kind::kFlags)}, options),
            "* 1 FETCH (FLAGS (\\Seen \\Flagged $Forwarded) MODSEQ (99))\r\n");
  // Asked for: where asked, once.
  EXPECT_EQ(fetch(nullptr, {item(Kind::kModSeq), item(Kind::kRfc822Size)}, options),
            "* 1 FETCH (MODSEQ (99) RFC822.SIZE 754)\r\n");
  EXPECT_EQ(fetch(nullptr, {item(Kind::kRfc822Size)}),
            "* 1 FETCH (RFC822.SIZE 754)\r\n");  // Not enabled: not added.
  store::MessageInfo info = info_for_test();
  info.modseq = store::ModSeq{9223372036854775807u};
  EXPECT_EQ(fetch(nullptr, {item(Kind::kModSeq)}, {}, false, info),
            "* 1 FETCH (MODSEQ (9223372036854775807))\r\n");
}

TEST_F(FetchResponse, FlagsChangedAddsFlagsOnce) {
  EXPECT_EQ(fetch(&message_, {body({1})}, {}, true),
            "* 1 FETCH (BODY[1] {15}\r\ncaf=C3=A9 =\r\nok "
            "FLAGS (\\Seen \\Flagged $Forwarded))\r\n");
  EXPECT_EQ(fetch(&message_, {item(Kind::kFlags), body({2})}, {}, true),
            "* 1 FETCH (FLAGS (\\Seen \\Flagged $Forwarded) BODY[2] {8}\r\nAAEC/w==)\r\n");
  // Everything at once: UID first, then the items, then FLAGS, then MODSEQ.
  FetchOptions options;
  options.include_uid = true;
  options.include_modseq = true;
  EXPECT_EQ(fetch(&message_, {partial_body({1}, 0, 3)}, options, true),
            "* 1 FETCH (UID 42 BODY[1]<0> {3}\r\ncaf FLAGS (\\Seen \\Flagged $Forwarded) "
            "MODSEQ (99))\r\n");
}

TEST_F(FetchResponse, RepeatedItemsAreWrittenOnce) {
  EXPECT_EQ(fetch(&message_, {item(Kind::kFlags), body({2}, Text::kNone, {}, {}, true),
                              item(Kind::kFlags), body({2}), partial_body({2}, 0, 3),
                              item(Kind::kRfc822Size), item(Kind::kRfc822Size), binary_size({2}),
                              binary_size({2})}),
            "* 1 FETCH (FLAGS (\\Seen \\Flagged $Forwarded) BODY[2] {8}\r\nAAEC/w== "
            "BODY[2]<0> {3}\r\nAAE RFC822.SIZE 754 BINARY.SIZE[2] 4)\r\n");
}

TEST_F(FetchResponse, SameResponseNameIsWrittenOnce) {
  EXPECT_EQ(fetch(&message_, {partial_body({1}, 0, 3), partial_body({1}, 0, 5),
                              partial_body({1}, 1, 3), binary({2}, Partial{1, 1}),
                              binary({2}, Partial{1, 2}, true)}),
            "* 1 FETCH (BODY[1]<0> {3}\r\ncaf BODY[1]<1> {3}\r\naf= "
            "BINARY[2]<1> {1}\r\n\x01)\r\n");
}

// Hundreds of items with hundreds of header names each: found once per item, answered once.
TEST_F(FetchResponse, LongItemListsStayLinear) {
  std::vector<std::string> names;
  for (int i = 0; i < 1000; ++i) names.push_back("X-Name-" + std::to_string(i));
  names.push_back("SUBJECT");
  std::vector<FetchItem> items;
  for (int i = 0; i < 1000; ++i) items.push_back(body({}, Text::kHeaderFields, names));
  const std::string out = fetch(&message_, items);
  const std::string want_start = "* 1 FETCH (BODY[HEADER.FIELDS (X-Name-0 X-Name-1 ";
  EXPECT_EQ(out.substr(0, want_start.size()), want_start);
  const std::string want_end = " X-Name-999 SUBJECT)] {17}\r\nSubject: Test\r\n\r\n)\r\n";
  ASSERT_GT(out.size(), want_end.size());
  EXPECT_EQ(out.substr(out.size() - want_end.size()), want_end);
  EXPECT_EQ(out.find("BODY[", 12), std::string::npos);  // One item only.
}

// ---- Derived structures -----------------------------------------------------------------------

TEST_F(FetchResponse, Envelope) {
  EXPECT_EQ(fetch_one(item(Kind::kEnvelope)),
            "* 1 FETCH (ENVELOPE (\"Mon, 7 Feb 1994 21:52:25 -0800\" \"Test\" "
            "((\"Alice\" NIL \"alice\" \"example.org\")) "
            "((\"Alice\" NIL \"alice\" \"example.org\")) "
            "((\"Alice\" NIL \"alice\" \"example.org\")) "
            "((NIL NIL \"bob\" \"example.com\")) NIL NIL NIL \"<1@example.org>\"))\r\n");
}

TEST_F(FetchResponse, Body) {
  EXPECT_EQ(fetch_one(item(Kind::kBody)),
            "* 1 FETCH (BODY ("
            "(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 15 2)"
            "(\"application\" \"octet-stream\" NIL NIL NIL \"base64\" 8)"
            "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 193 "
            "(NIL \"Inner\" ((NIL NIL \"carol\" \"example.net\")) "
            "((NIL NIL \"carol\" \"example.net\")) ((NIL NIL \"carol\" \"example.net\")) "
            "NIL NIL NIL NIL NIL) "
            "((\"text\" \"plain\" NIL NIL NIL \"7bit\" 11 1)"
            "(\"text\" \"html\" NIL NIL NIL \"7bit\" 12 1) "
            "\"alternative\") 13)"
            "(\"text\" \"plain\" NIL NIL NIL \"x-uuencode\" 5 1) "
            "\"mixed\"))\r\n");
}

TEST_F(FetchResponse, BodyStructure) {
  EXPECT_EQ(fetch_one(item(Kind::kBodyStructure)),
            "* 1 FETCH (BODYSTRUCTURE ("
            "(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 15 2 "
            "NIL NIL NIL NIL)"
            "(\"application\" \"octet-stream\" NIL NIL NIL \"base64\" 8 NIL NIL NIL NIL)"
            "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 193 "
            "(NIL \"Inner\" ((NIL NIL \"carol\" \"example.net\")) "
            "((NIL NIL \"carol\" \"example.net\")) ((NIL NIL \"carol\" \"example.net\")) "
            "NIL NIL NIL NIL NIL) "
            "((\"text\" \"plain\" NIL NIL NIL \"7bit\" 11 1 "
            "NIL NIL NIL NIL)"
            "(\"text\" \"html\" NIL NIL NIL \"7bit\" 12 1 "
            "NIL NIL NIL NIL) "
            "\"alternative\" (\"boundary\" \"in\") NIL NIL NIL) 13 NIL NIL NIL NIL)"
            "(\"text\" \"plain\" NIL NIL NIL \"x-uuencode\" 5 1 "
            "NIL NIL NIL NIL) "
            "\"mixed\" (\"boundary\" \"xyz\") NIL NIL NIL))\r\n");
}

// ---- Whole message, header and text ----------------------------------------------------------

TEST_F(FetchResponse, Rfc822Items) {
  EXPECT_EQ(fetch_one(item(Kind::kRfc822)), "* 1 FETCH (RFC822 {754}\r\n" + kMessage + ")\r\n");
  EXPECT_EQ(fetch_one(item(Kind::kRfc822Header)),
            "* 1 FETCH (RFC822.HEADER {204}\r\n" + kHeader + ")\r\n");
  EXPECT_EQ(fetch_one(item(Kind::kRfc822Text)),
            "* 1 FETCH (RFC822.TEXT {550}\r\n" + kBody + ")\r\n");
}

TEST_F(FetchResponse, WholeHeaderAndText) {
  EXPECT_EQ(fetch_one(body({})), "* 1 FETCH (BODY[] {754}\r\n" + kMessage + ")\r\n");
  EXPECT_EQ(fetch_one(body({}, Text::kNone, {}, {}, true)),
            "* 1 FETCH (BODY[] {754}\r\n" + kMessage + ")\r\n");  // PEEK answers as BODY
  EXPECT_EQ(fetch_one(body({}, Text::kHeader)),
            "* 1 FETCH (BODY[HEADER] {204}\r\n" + kHeader + ")\r\n");
  EXPECT_EQ(fetch_one(body({}, Text::kText)),
            "* 1 FETCH (BODY[TEXT] {550}\r\n" + kBody + ")\r\n");
}

TEST_F(FetchResponse, HeaderFields) {
  EXPECT_EQ(fetch_one(body({}, Text::kHeaderFields, {"subject", "FROM", "X-Missing"})),
            "* 1 FETCH (BODY[HEADER.FIELDS (subject FROM X-Missing)] {50}\r\n"
            "From: Alice <alice@example.org>\r\n"
            "Subject: Test\r\n"
            "\r\n)\r\n");
  EXPECT_EQ(fetch_one(body({}, Text::kHeaderFieldsNot, {"Content-Type", "mime-version", "DATE"},
                           {}, true)),
            "* 1 FETCH (BODY[HEADER.FIELDS.NOT (Content-Type mime-version DATE)] {100}\r\n"
            "From: Alice <alice@example.org>\r\n"
            "To: bob@example.com\r\n"
            "Subject: Test\r\n"
            "Message-ID: <1@example.org>\r\n"
            "\r\n)\r\n");
  // Nothing matches: the blank line alone.
  EXPECT_EQ(fetch_one(body({}, Text::kHeaderFields, {"X-None"})),
            "* 1 FETCH (BODY[HEADER.FIELDS (X-None)] {2}\r\n\r\n)\r\n");
  // Field names that are no atoms are echoed as strings.
  EXPECT_EQ(fetch_one(body({}, Text::kHeaderFields, {"X Y", "NIL", "a\"b"})),
            "* 1 FETCH (BODY[HEADER.FIELDS (\"X Y\" \"NIL\" \"a\\\"b\")] {2}\r\n\r\n)\r\n");
  // A partial applies to the subset (RFC 9051 §6.4.5).
  EXPECT_EQ(fetch_one(body({}, Text::kHeaderFields, {"Subject"}, Partial{2, 5})),
            "* 1 FETCH (BODY[HEADER.FIELDS (Subject)]<2> {5}\r\nbject)\r\n");
  // In an encapsulated message.
  EXPECT_EQ(fetch_one(body({3}, Text::kHeaderFields, {"SUBJECT"})),
            "* 1 FETCH (BODY[3.HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: Inner\r\n\r\n)\r\n");
  EXPECT_EQ(fetch_one(body({3}, Text::kHeaderFieldsNot, {"content-type"})),
            "* 1 FETCH (BODY[3.HEADER.FIELDS.NOT (content-type)] {43}\r\n"
            "From: carol@example.net\r\nSubject: Inner\r\n\r\n)\r\n");
}

TEST(FetchHeaderFields, FoldedFieldsAndHeaderCutByTheEnd) {
  const std::string data =
      "Subject: a\r\n folded\r\n"
      "X-Tag:  one\r\n"
      "From: b";
  const mime::Message message = mime::parse_message(data);
  EXPECT_EQ(fetch(&message, {body({}, Text::kHeaderFields, {"from", "subject"})}),
            "* 1 FETCH (BODY[HEADER.FIELDS (from subject)] {32}\r\n"
            "Subject: a\r\n folded\r\n"
            "From: b\r\n"
            "\r\n)\r\n");
  EXPECT_EQ(fetch(&message, {body({}, Text::kHeader)}),
            "* 1 FETCH (BODY[HEADER] {41}\r\n" + data + ")\r\n");
  EXPECT_EQ(fetch(&message, {body({}, Text::kText)}), "* 1 FETCH (BODY[TEXT] {0}\r\n)\r\n");
}

// ---- Parts -----------------------------------------------------------------------------------

TEST_F(FetchResponse, EveryPartAndItsMimeHeader) {
  struct Case {
    FetchItem item;
    std::string want;
  };
  const Case cases[] = {
      {body({1}), "BODY[1] {15}\r\ncaf=C3=A9 =\r\nok"},
      {body({1}, Text::kMime), "BODY[1.MIME] {88}\r\n" + kPart1Header},
      {body({2}), "BODY[2] {8}\r\nAAEC/w=="},
      {body({2}, Text::kMime), "BODY[2.MIME] {77}\r\n" + kPart2Header},
      {body({3}), "BODY[3] {193}\r\n" + kInnerHeader + kInnerText},
      {body({3}, Text::kMime), "BODY[3.MIME] {32}\r\nContent-Type: message/rfc822\r\n\r\n"},
      {body({3}, Text::kHeader), "BODY[3.HEADER] {93}\r\n" + kInnerHeader},
      {body({3}, Text::kText), "BODY[3.TEXT] {100}\r\n" + kInnerText},
      {body({3, 1}), "BODY[3.1] {11}\r\ninner plain"},
      {body({3, 1}, Text::kMime), "BODY[3.1.MIME] {28}\r\nContent-Type: text/plain\r\n\r\n"},
      {body({3, 2}), "BODY[3.2] {12}\r\n<p>inner</p>"},
      {body({3, 2}, Text::kMime), "BODY[3.2.MIME] {27}\r\nContent-Type: text/html\r\n\r\n"},
      {body({4}), "BODY[4] {5}\r\nweird"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.want.substr(0, 16));
    EXPECT_EQ(fetch_one(c.item), "* 1 FETCH (" + c.want + ")\r\n");
  }
}

TEST_F(FetchResponse, MissingSectionsAreEmpty) {
  struct Case {
    FetchItem item;
    std::string_view want;
  };
  const Case cases[] = {
      {body({5}), "BODY[5] {0}\r\n"},
      {body({0}), "BODY[0] {0}\r\n"},
      {body({4294967295u}), "BODY[4294967295] {0}\r\n"},
      {body({999999999}), "BODY[999999999] {0}\r\n"},
      {body({1, 1}), "BODY[1.1] {0}\r\n"},
      {body({3, 3}), "BODY[3.3] {0}\r\n"},
      {body({3, 1, 1}), "BODY[3.1.1] {0}\r\n"},
      {body({3, 1, 4294967295u, 7}), "BODY[3.1.4294967295.7] {0}\r\n"},
      {body({5}, Text::kMime), "BODY[5.MIME] {0}\r\n"},
      // HEADER and TEXT after a part number need a message/rfc822 part.
      {body({1}, Text::kHeader), "BODY[1.HEADER] {0}\r\n"},
      {body({1}, Text::kText), "BODY[1.TEXT] {0}\r\n"},
      {body({3, 2}, Text::kHeaderFields, {"From"}), "BODY[3.2.HEADER.FIELDS (From)] {0}\r\n"},
      {body({3, 1}, Text::kHeaderFieldsNot, {"From"}),
       "BODY[3.1.HEADER.FIELDS.NOT (From)] {0}\r\n"},
      {body({9}, Text::kNone, {}, Partial{0, 10}), "BODY[9]<0> {0}\r\n"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.want);
    EXPECT_EQ(fetch_one(c.item), "* 1 FETCH (" + std::string(c.want) + ")\r\n");
  }
}

TEST_F(FetchResponse, PartialsAtTheEdges) {
  struct Case {
    FetchItem item;
    std::string_view want;
  };
  const Case cases[] = {
      {partial_body({1}, 0, 3), "BODY[1]<0> {3}\r\ncaf"},
      {partial_body({1}, 0, 15), "BODY[1]<0> {15}\r\ncaf=C3=A9 =\r\nok"},
      {partial_body({1}, 0, 2048), "BODY[1]<0> {15}\r\ncaf=C3=A9 =\r\nok"},
      {partial_body({1}, 13, 100), "BODY[1]<13> {2}\r\nok"},
      {partial_body({1}, 14, 1), "BODY[1]<14> {1}\r\nk"},
      {partial_body({1}, 15, 1), "BODY[1]<15> {0}\r\n"},
      {partial_body({1}, 16, 1), "BODY[1]<16> {0}\r\n"},
      {partial_body({1}, 1, kMax64), "BODY[1]<1> {14}\r\naf=C3=A9 =\r\nok"},
      {partial_body({1}, kMax64, kMax64), "BODY[1]<18446744073709551615> {0}\r\n"},
      {partial_body({1}, kMax64 - 1, 2), "BODY[1]<18446744073709551614> {0}\r\n"},
      {partial_body({1}, 4, 0), "BODY[1]<4> {0}\r\n"},  // The grammar forbids 0; no harm.
      {partial_body({}, 750, 10), "BODY[]<750> {4}\r\nue\r\n"},
      {body({}, Text::kHeader, {}, Partial{200, 100}), "BODY[HEADER]<200> {4}\r\n\r\n\r\n"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.want);
    EXPECT_EQ(fetch_one(c.item), "* 1 FETCH (" + std::string(c.want) + ")\r\n");
  }
}

// ---- BINARY (RFC 3516) ------------------------------------------------------------------------

TEST_F(FetchResponse, BinaryDecodesTheTransferEncoding) {
  struct Case {
    FetchItem item;
    std::string want;
  };
  using namespace std::string_literals;
  const Case cases[] = {
      // Quoted-printable, with a soft line break.
      {binary({1}), "BINARY[1] {8}\r\ncaf\xc3\xa9 ok"},
      {binary_size({1}), "BINARY.SIZE[1] 8"},
      // Base64 decoding to a NUL: a literal8.
      {binary({2}, {}, true), "BINARY[2] ~{4}\r\n\0\x01\x02\xff"s},
      {binary_size({2}), "BINARY.SIZE[2] 4"},
      // A partial without the NUL is a plain literal; partials count decoded octets.
      {binary({2}, Partial{1, 2}), "BINARY[2]<1> {2}\r\n\x01\x02"},
      {binary({2}, Partial{3, kMax64}), "BINARY[2]<3> {1}\r\n\xff"},
      {binary({2}, Partial{4, 1}), "BINARY[2]<4> {0}\r\n"},
      {binary({2}, Partial{kMax64, kMax64}), "BINARY[2]<18446744073709551615> {0}\r\n"},
      // An encapsulated message or a 7bit part: as stored.
      {binary({3}), "BINARY[3] {193}\r\n" + kInnerHeader + kInnerText},
      {binary_size({3}), "BINARY.SIZE[3] 193"},
      {binary({3, 2}), "BINARY[3.2] {12}\r\n<p>inner</p>"},
      {binary({}), "BINARY[] {754}\r\n" + kMessage},
      {binary_size({}), "BINARY.SIZE[] 754"},
      // Missing parts.
      {binary({5}), "BINARY[5] {0}\r\n"},
      {binary({4294967295u, 1}), "BINARY[4294967295.1] {0}\r\n"},
      {binary_size({3, 9}), "BINARY.SIZE[3.9] 0"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.want.substr(0, 16));
    EXPECT_EQ(fetch_one(c.item), "* 1 FETCH (" + c.want + ")\r\n");
  }
}

TEST_F(FetchResponse, BinaryOfAnUnknownEncodingIsRefused) {
  for (const std::vector<FetchItem>& items :
       {std::vector<FetchItem>{binary({4})}, std::vector<FetchItem>{binary_size({4})},
        std::vector<FetchItem>{item(Kind::kFlags), body({1}), binary({4}, Partial{0, 1})},
        std::vector<FetchItem>{binary({1}), binary_size({4}), item(Kind::kUid)}}) {
    std::string out = "* 2 EXISTS\r\n";
    FetchOptions options;
    options.include_uid = true;
    options.include_modseq = true;
    EXPECT_FALSE(append_fetch_response(out, 1, info_for_test(), FetchSource{&message_}, items, true, options));
    EXPECT_EQ(out, "* 2 EXISTS\r\n");
  }
  // BODY of the same part is served as stored.
  EXPECT_EQ(fetch_one(body({4})), "* 1 FETCH (BODY[4] {5}\r\nweird)\r\n");
}

// ---- Saved summaries and borrowed body data ----------------------------------------------------

// The summary answers ENVELOPE, BODY and BODYSTRUCTURE exactly as parsing would, without the
// message; a summary of another version is ignored.
TEST_F(FetchResponse, SummaryAnswersWithoutTheMessage) {
  const std::vector<FetchItem> items = {item(Kind::kUid), item(Kind::kEnvelope), item(Kind::kBody),
                                        item(Kind::kBodyStructure)};
  EXPECT_EQ(fetch_needs(items), FetchNeeds::kSummary);
  const store::MessageSummary summary = summarize(message_);
  EXPECT_EQ(summary.version, kSummaryVersion);
  std::string from_summary;
  ASSERT_TRUE(append_fetch_response(from_summary, 1, info_for_test(), FetchSource{nullptr, &summary}, items,
                                    false, {}));
  EXPECT_EQ(from_summary, fetch(&message_, items));
  EXPECT_NE(from_summary.find("ENVELOPE (\"Mon, 7 Feb 1994"), std::string::npos) << from_summary;

  store::MessageSummary stale = summary;
  stale.version = kSummaryVersion + 1;
  stale.envelope = "(stale)";
  std::string out;
  ASSERT_TRUE(append_fetch_response(out, 1, info_for_test(), FetchSource{&message_, &stale}, items, false, {}));
  EXPECT_EQ(out, from_summary);
}

// The pieces of a FetchOutput, joined as they are sent.
std::string joined(const FetchOutput& output) {
  std::string all;
  std::size_t at = 0;
  for (const FetchOutput::Borrowed& piece : output.borrowed) {
    all.append(output.text, at, piece.offset - at);
    all.append(piece.bytes);
    at = piece.offset;
  }
  all.append(output.text, at);
  return all;
}

// Body data at least borrow_from long that lies in the message's buffer is referenced, not
// copied; what is sent is the same as the all-text answer. Decoded data (BINARY of base64) and
// built data (HEADER.FIELDS) cannot be borrowed.
TEST_F(FetchResponse, LargeBodyDataIsBorrowedFromTheBuffer) {
  const std::vector<FetchItem> items = {item(Kind::kRfc822Size), body({}), body({3}), binary({2}),
                                        body({}, Text::kHeaderFields, {"Subject", "From", "To"}),
                                        body({}, Text::kText, {}, Partial{10, 100})};
  FetchOutput output{.borrow_from = 20};
  ASSERT_TRUE(append_fetch_response(output, 1, info_for_test(), FetchSource{&message_}, items, false, {}));
  EXPECT_EQ(joined(output), fetch(&message_, items));
  ASSERT_EQ(output.borrowed.size(), 3u);  // BODY[], BODY[3], BODY[TEXT]<10>
  EXPECT_EQ(output.borrowed[0].bytes.data(), message_.data().data());
  EXPECT_EQ(output.borrowed[0].bytes.size(), kMessage.size());
  EXPECT_EQ(output.borrowed[2].bytes.size(), 100u);
  EXPECT_LT(output.text.size(), kMessage.size());

  FetchOutput never;  // borrow_from 0
  ASSERT_TRUE(append_fetch_response(never, 1, info_for_test(), FetchSource{&message_}, items, false, {}));
  EXPECT_TRUE(never.borrowed.empty());
  EXPECT_EQ(never.text, fetch(&message_, items));
}

// Decoded BINARY content over the threshold is kept once and borrowed, not copied into the text.
TEST(FetchBorrowing, LargeDecodedBinaryIsHeldOnce) {
  const std::string decoded(200000, 'x');
  std::string encoded;
  for (std::size_t i = 0; i < decoded.size() / 3; ++i) {  // "eHh4" encodes "xxx"
    encoded += "eHh4";
    if ((i + 1) % 19 == 0) encoded += "\r\n";
  }
  const std::string data = "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
                           encoded + "\r\n";
  const mime::Message message = mime::parse_message(data);
  const std::vector<FetchItem> items = {binary({1}), binary({1}, Partial{10, 100000})};
  FetchOutput output{.borrow_from = 64 * 1024};
  ASSERT_TRUE(append_fetch_response(output, 1, info_for_test(), FetchSource{&message}, items, false, {}));
  ASSERT_EQ(output.borrowed.size(), 2u);
  ASSERT_EQ(output.owned.size(), 2u);
  EXPECT_EQ(output.borrowed[0].bytes, std::string_view(decoded).substr(0, 199998));
  EXPECT_EQ(output.borrowed[1].bytes.size(), 100000u);
  EXPECT_LT(output.text.size(), 200u);
}

TEST_F(FetchResponse, RefusalDropsBorrowedPieces) {
  FetchOutput output{.text = "* 2 EXISTS\r\n", .borrow_from = 1};
  const std::vector<FetchItem> items = {body({}), binary({4})};
  EXPECT_FALSE(append_fetch_response(output, 1, info_for_test(), FetchSource{&message_}, items, false, {}));
  EXPECT_EQ(output.text, "* 2 EXISTS\r\n");
  EXPECT_TRUE(output.borrowed.empty());
}

// ---- Single-part messages ---------------------------------------------------------------------

TEST(FetchSinglePart, PartOneIsTheBody) {
  const std::string data =
      "Content-Type: text/plain\r\n"
      "Content-Transfer-Encoding: BASE64\r\n"
      "\r\n"
      "aGVsbG8=\r\n";
  const mime::Message message = mime::parse_message(data);
  EXPECT_EQ(fetch(&message, {body({1}), body({1}, Text::kMime), binary({1}), binary_size({1}),
                             body({2}), body({1, 1}), body({1}, Text::kHeader)}),
            "* 1 FETCH (BODY[1] {10}\r\naGVsbG8=\r\n "
            "BODY[1.MIME] {63}\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: BASE64"
            "\r\n\r\n "
            "BINARY[1] {5}\r\nhello BINARY.SIZE[1] 5 BODY[2] {0}\r\n BODY[1.1] {0}\r\n "
            "BODY[1.HEADER] {0}\r\n)\r\n");
}

TEST(FetchSinglePart, NulOctetsGoInLiteral8) {
  using namespace std::string_literals;
  const std::string data = "Subject: bin\r\nContent-Transfer-Encoding: binary\r\n\r\nab\0cd"s;
  ASSERT_EQ(data.size(), 56u);
  const mime::Message message = mime::parse_message(data);
  EXPECT_EQ(fetch(&message, {body({})}), "* 1 FETCH (BODY[] ~{56}\r\n" + data + ")\r\n");
  EXPECT_EQ(fetch(&message, {item(Kind::kRfc822Text), body({1}), binary({1}), binary_size({1})}),
            "* 1 FETCH (RFC822.TEXT ~{5}\r\nab\0cd BODY[1] ~{5}\r\nab\0cd "
            "BINARY[1] ~{5}\r\nab\0cd BINARY.SIZE[1] 5)\r\n"s);
  // Without the NUL, a plain literal.
  EXPECT_EQ(fetch(&message, {partial_body({1}, 3, 2), body({}, Text::kHeader)}),
            "* 1 FETCH (BODY[1]<3> {2}\r\ncd BODY[HEADER] {51}\r\n"
            "Subject: bin\r\nContent-Transfer-Encoding: binary\r\n\r\n)\r\n");
}

TEST(FetchSinglePart, TopLevelMessageRfc822) {
  const std::string data =
      "Content-Type: message/rfc822\r\n"
      "\r\n"
      "Subject: inside\r\n"
      "\r\n"
      "text";
  const mime::Message message = mime::parse_message(data);
  EXPECT_EQ(fetch(&message, {body({1}, Text::kHeader), body({1}, Text::kText), body({1, 1}),
                             body({1})}),
            "* 1 FETCH (BODY[1.HEADER] {19}\r\nSubject: inside\r\n\r\n BODY[1.TEXT] {4}\r\ntext "
            "BODY[1.1] {4}\r\ntext BODY[1] {23}\r\nSubject: inside\r\n\r\ntext)\r\n");
}

// ---- Which items need what --------------------------------------------------------------------

TEST(FetchItems, NeedsAndSetsSeen) {
  using enum FetchNeeds;
  struct Case {
    FetchItem item;
    FetchNeeds needs;
    bool seen;
  };
  const Case cases[] = {
      {item(Kind::kFlags), kRow, false},
      {item(Kind::kUid), kRow, false},
      {item(Kind::kInternalDate), kRow, false},
      {item(Kind::kRfc822Size), kRow, false},
      {item(Kind::kModSeq), kRow, false},
      {item(Kind::kEnvelope), kSummary, false},
      {item(Kind::kBody), kSummary, false},
      {item(Kind::kBodyStructure), kSummary, false},
      {item(Kind::kRfc822), kContent, true},
      {item(Kind::kRfc822Header), kContent, false},
      {item(Kind::kRfc822Text), kContent, true},
      {body({}), kContent, true},
      {body({1}, Text::kHeader), kContent, true},
      {body({}, Text::kNone, {}, {}, true), kContent, false},
      {binary({1}), kContent, true},
      {binary({1}, {}, true), kContent, false},
      {binary_size({1}), kContent, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(static_cast<int>(c.item.kind));
    const std::vector<FetchItem> one = {c.item};
    EXPECT_EQ(fetch_needs(one), c.needs);
    EXPECT_EQ(sets_seen(one), c.seen);
    const std::vector<FetchItem> with_flags = {item(Kind::kFlags), c.item, item(Kind::kUid)};
    EXPECT_EQ(fetch_needs(with_flags), c.needs);
    EXPECT_EQ(sets_seen(with_flags), c.seen);
  }
  EXPECT_EQ(fetch_needs({}), kRow);
  EXPECT_FALSE(sets_seen({}));
}

// ---- Robustness -------------------------------------------------------------------------------

// Whether `response` starts with `prefix`, ends with ")" CRLF, has balanced parentheses, and
// every literal's count covers exactly its octets: CR and LF appear only inside literals and at
// the end, and quoted strings are closed.
bool is_well_formed(std::string_view response, std::string_view prefix) {
  if (response.substr(0, prefix.size()) != prefix) return false;
  if (response.size() < prefix.size() + 3) return false;
  if (response.substr(response.size() - 3) != ")\r\n") return false;
  const std::string_view inside = response.substr(0, response.size() - 2);
  int depth = 0;
  for (std::size_t i = 0; i < inside.size(); ++i) {
    const char c = inside[i];
    if (c == '"') {
      for (++i; i < inside.size() && inside[i] != '"'; ++i) {
        if (inside[i] == '\\') ++i;
        if (i < inside.size() && (inside[i] == '\r' || inside[i] == '\n')) return false;
      }
      if (i >= inside.size()) return false;
    } else if (c == '{') {
      std::size_t close = inside.find('}', i);
      if (close == std::string_view::npos || close == i + 1) return false;
      std::uint64_t count = 0;
      for (std::size_t j = i + 1; j < close; ++j) {
        if (inside[j] < '0' || inside[j] > '9') return false;
        count = count * 10 + std::uint64_t(inside[j] - '0');
      }
      if (inside.substr(close + 1, 2) != "\r\n") return false;
      if (count > inside.size() - (close + 3)) return false;
      const std::string_view octets = inside.substr(close + 3, count);
      const bool literal8 = i > 0 && inside[i - 1] == '~';
      if (!literal8 && octets.find('\0') != std::string_view::npos) return false;
      i = close + 2 + count;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (--depth < 0) return false;
    } else if (c == '\r' || c == '\n' || c == '\0') {
      return false;
    }
  }
  return depth == 0;
}

// Every item on every prefix of the test message (which cuts it at every offset, in headers,
// boundaries and encoded text) and on some hostile messages: a well-formed response or a refusal,
// never a crash, and literal counts that match.
TEST(FetchRobustness, AnyMessageAnySection) {
  std::vector<FetchItem> items = {item(Kind::kFlags),         item(Kind::kUid),
                                  item(Kind::kInternalDate),  item(Kind::kRfc822Size),
                                  item(Kind::kModSeq),        item(Kind::kEnvelope),
                                  item(Kind::kBody),          item(Kind::kBodyStructure),
                                  item(Kind::kRfc822),        item(Kind::kRfc822Header),
                                  item(Kind::kRfc822Text)};
  const std::vector<std::vector<std::uint32_t>> parts = {
      {}, {1}, {2}, {3}, {4}, {3, 1}, {3, 2}, {3, 2, 1}, {0}, {4294967295u}, {1, 4294967295u},
      {3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}};
  const std::vector<std::optional<Partial>> partials = {
      std::nullopt, Partial{0, 1}, Partial{5, kMax64}, Partial{kMax64, kMax64},
      Partial{kMax64 - 3, 7}, Partial{100, 100}};
  for (const auto& part : parts) {
    for (Text text : {Text::kNone, Text::kHeader, Text::kHeaderFields, Text::kHeaderFieldsNot,
                      Text::kText, Text::kMime}) {
      for (const auto& partial : partials) {
        items.push_back(body(part, text, {"From", "content-type"}, partial));
      }
    }
    for (const auto& partial : partials) {
      items.push_back(binary(part, partial));
    }
    items.push_back(binary_size(part));
  }
  std::vector<std::string> messages;
  for (std::size_t n = 0; n <= kMessage.size(); ++n) messages.push_back(kMessage.substr(0, n));
  messages.push_back(std::string(300, '\0'));
  messages.push_back("Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\n--a\r\n--a--");
  messages.push_back("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                     "U3ViamVjdDogeA0KDQpib2R5\r\n");
  std::string deep;
  for (int i = 0; i < 300; ++i) deep += "Content-Type: message/rfc822\r\n\r\n";
  messages.push_back(deep);
  std::string nested;
  for (int i = 0; i < 300; ++i) {
    nested += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\r\n\r\n--b" +
              std::to_string(i) + "\r\n";
  }
  messages.push_back(nested);

  FetchOptions options;
  options.include_uid = true;
  options.include_modseq = true;
  for (const std::string& data : messages) {
    const mime::Message message = mime::parse_message(data);
    for (const FetchItem& one : items) {
      std::string out;
      const std::vector<FetchItem> single = {one};
      if (!append_fetch_response(out, 1, info_for_test(), FetchSource{&message}, single, true, options)) {
        EXPECT_TRUE(out.empty());
        continue;
      }
      EXPECT_TRUE(is_well_formed(out, "* 1 FETCH (UID 42 ")) << out;
    }
    std::string all;
    if (append_fetch_response(all, 1, info_for_test(), FetchSource{&message}, items, false, options)) {
      EXPECT_TRUE(is_well_formed(all, "* 1 FETCH (UID 42 ")) << all;
    }
  }
}

}  // namespace
}  // namespace redoubt::imap::server

#include "imap/server/search.h"

#include <gtest/gtest.h>

#include <array>
#include <memory>

#include "imap/proto/command_parser.h"
#include "mime/message.h"

namespace redoubt::imap::server {
namespace {

using store::MessageFlags;

// Unix seconds of a UTC date and time.
std::int64_t utc(int year, int month, int day, int hour, int minute, int second) {
  const proto::DateTime t{{year, month, day}, hour, minute, second, 0};
  return static_cast<std::int64_t>(proto::to_unix(t));
}

// A message with its bytes and parse; never moved once built (the parse views the bytes).
struct TestMessage {
  std::uint32_t seq = 0;
  store::MessageInfo info{};
  std::string raw;
  std::optional<mime::Message> parsed;  // nullopt: the body cannot be read.
  mutable int loads = 0;

  SearchMessage view() const {
    return SearchMessage{seq, &info, [this]() -> const mime::Message* {
                           ++loads;
                           return parsed ? &*parsed : nullptr;
                         }};
  }
};

std::unique_ptr<TestMessage> make(std::uint32_t seq, std::uint32_t uid, MessageFlags flags,
                                  std::vector<std::string> keywords, std::uint64_t size,
                                  std::uint64_t modseq, std::int64_t internal_date,
                                  std::optional<std::string> raw) {
  auto m = std::make_unique<TestMessage>();
  m->seq = seq;
  m->info.uid = store::Uid{uid};
  m->info.modseq = store::ModSeq{modseq};
  m->info.flags = flags;
  m->info.keywords = std::move(keywords);
  m->info.size = size;
  m->info.internal_date = internal_date;
  if (raw) {
    m->raw = std::move(*raw);
    m->parsed = mime::parse_message(m->raw);
  }
  return m;
}

// The keys of "A SEARCH <text>", as the parser gives them.
std::vector<proto::SearchKey> parsed_keys(std::string_view text) {
  const std::string line = "A SEARCH " + std::string(text);
  auto command = proto::parse_command(line);
  EXPECT_TRUE(command.has_value()) << text;
  if (!command) return {};
  return std::get<proto::Search>(command->args).keys;
}

// The keys of "A SEARCH <text>" as the session hands them to matches(): search strings folded
// by search_keys_to_utf8 (no CHARSET).
std::vector<proto::SearchKey> keys_of(std::string_view text) {
  auto keys = search_keys_to_utf8(std::nullopt, parsed_keys(text));
  EXPECT_TRUE(keys.has_value());
  return keys ? std::move(*keys) : std::vector<proto::SearchKey>{};
}

struct Case {
  std::string_view keys;
  std::array<bool, 3> want;
};

class SearchTest : public ::testing::Test {
 public:
  SearchTest() {
    messages_[0] = make(1, 10, MessageFlags::kSeen | MessageFlags::kFlagged,
                        {"$Forwarded", "Project"}, 1000, 5, utc(2006, 1, 3, 4, 30, 0),
                        "Date: Mon, 2 Jan 2006 23:30:00 -0500\r\n"
                        "From: \"Alice Example\" <alice@example.org>\r\n"
                        "To: bob@example.net,\r\n =?UTF-8?Q?Ren=C3=A9?= <rene@example.com>\r\n"
                        "Cc: carol@example.com\r\n"
                        "Subject: =?ISO-8859-1?Q?Caf=E9?= meeting\r\n"
                        "Message-ID: <1@example.org>\r\n"
                        "X-Priority: 1\r\n"
                        "Content-Type: text/plain; charset=utf-8\r\n"
                        "\r\n"
                        "Hello Bob,\r\n"
                        "the BUDGET is attached.\r\n");
    messages_[1] = make(2, 20,
                        MessageFlags::kAnswered | MessageFlags::kDeleted | MessageFlags::kDraft,
                        {}, 5000, 9, utc(2006, 1, 4, 0, 30, 0),
                        "From: Dave <dave@example.net>\r\n"
                        "To: alice@example.org\r\n"
                        "Bcc: secret@example.net\r\n"
                        "Subject: Re: budget\r\n"
                        "Message-ID: <2@example.net>\r\n"
                        "MIME-Version: 1.0\r\n"
                        "Content-Type: multipart/alternative; boundary=b\r\n"
                        "\r\n"
                        "--b\r\n"
                        "Content-Type: text/plain; charset=utf-8\r\n"
                        "Content-Transfer-Encoding: quoted-printable\r\n"
                        "\r\n"
                        "See the n=\r\numbers.\r\n"
                        "--b\r\n"
                        "Content-Type: text/html\r\n"
                        "Content-Transfer-Encoding: base64\r\n"
                        "\r\n"
                        // "<p>Quarterly <b>budget</b></p>"
                        "PHA+UXVhcnRlcmx5IDxiPmJ1ZGdldDwvYj48L3A+\r\n"
                        "--b--\r\n");
    messages_[2] =
        make(3, 30, MessageFlags::kNone, {}, 200, 12, utc(2006, 1, 2, 23, 59, 59), std::nullopt);
    saved_ = {10, 30};
    context_.max_seq = 3;
    context_.max_uid = 30;
    context_.saved_uids = saved_;
  }

  // Which of the three messages match `text`.
  std::array<bool, 3> results(std::string_view text) const {
    const std::vector<proto::SearchKey> keys = keys_of(text);
    std::array<bool, 3> out{};
    for (std::size_t i = 0; i < 3; ++i) out[i] = matches(keys, messages_[i]->view(), context_);
    return out;
  }

  void check(std::span<const Case> cases) const {
    for (const Case& c : cases) {
      SCOPED_TRACE(c.keys);
      EXPECT_EQ(results(c.keys), c.want);
    }
  }

  std::array<std::unique_ptr<TestMessage>, 3> messages_;
  std::vector<std::uint32_t> saved_;
  SearchContext context_;
};

TEST_F(SearchTest, FlagsAndKeywords) {
  const Case cases[] = {
      {"ALL", {1, 1, 1}},
      {"ANSWERED", {0, 1, 0}},
      {"UNANSWERED", {1, 0, 1}},
      {"DELETED", {0, 1, 0}},
      {"UNDELETED", {1, 0, 1}},
      {"DRAFT", {0, 1, 0}},
      {"UNDRAFT", {1, 0, 1}},
      {"FLAGGED", {1, 0, 0}},
      {"UNFLAGGED", {0, 1, 1}},
      {"SEEN", {1, 0, 0}},
      {"UNSEEN", {0, 1, 1}},
      {"KEYWORD project", {1, 0, 0}},
      {"KEYWORD $FORWARDED", {1, 0, 0}},
      {"KEYWORD Other", {0, 0, 0}},
      {"UNKEYWORD Project", {0, 1, 1}},
      // \Recent is not tracked.
      {"RECENT", {0, 0, 0}},
      {"NEW", {0, 0, 0}},
      {"OLD", {1, 1, 1}},
  };
  check(cases);
}

TEST_F(SearchTest, SizeAndModSeq) {
  const Case cases[] = {
      {"LARGER 1000", {0, 1, 0}},
      {"LARGER 999", {1, 1, 0}},
      {"SMALLER 1000", {0, 0, 1}},
      {"SMALLER 1001", {1, 0, 1}},
      {"MODSEQ 9", {0, 1, 1}},
      {"MODSEQ 13", {0, 0, 0}},
      {"MODSEQ \"/flags/\\\\draft\" all 5", {1, 1, 1}},
  };
  check(cases);
}

TEST_F(SearchTest, SequenceAndUidSets) {
  const Case cases[] = {
      {"1", {1, 0, 0}},
      {"2:*", {0, 1, 1}},
      {"*", {0, 0, 1}},
      {"3:2", {0, 1, 1}},
      {"1,3", {1, 0, 1}},
      {"5:*", {0, 0, 1}},  // "*" is 3: the range is 3:5.
      {"$", {1, 0, 1}},    // Saved UIDs 10 and 30.
      {"UID 10,30", {1, 0, 1}},
      {"UID 15:25", {0, 1, 0}},
      {"UID 25:*", {0, 0, 1}},
      {"UID *", {0, 0, 1}},
      {"UID 100:*", {0, 0, 1}},  // RFC 9051 §9: "*" is 30, the range 30:100.
      {"UID 11:19", {0, 0, 0}},
      {"UID $", {1, 0, 1}},
      {"NOT $", {0, 1, 0}},
  };
  check(cases);
}

TEST_F(SearchTest, SavedResultIsEmpty) {
  context_.saved_uids = {};
  EXPECT_EQ(results("$"), (std::array<bool, 3>{0, 0, 0}));
  EXPECT_EQ(results("UID $"), (std::array<bool, 3>{0, 0, 0}));
}

TEST_F(SearchTest, HeaderKeys) {
  const Case cases[] = {
      {"FROM alice", {1, 0, 0}},
      {"FROM \"ALICE EXAMPLE\"", {1, 0, 0}},
      {"FROM example.net", {0, 1, 0}},
      {"TO alice", {0, 1, 0}},
      {"TO \"Ren\xc3\xa9\"", {1, 0, 0}},          // RFC 2047 decoded, folded field.
      {"TO \"REN\xc3\xa9\"", {1, 0, 0}},          // ASCII letters fold...
      {"TO \"REN\xc3\x89\"", {1, 0, 0}},          // ...and so do the others (É is é)...
      {"TO \"RENE <\"", {0, 0, 0}},                 // ...but accents count.
      {"CC carol", {1, 0, 0}},
      {"CC example", {1, 0, 0}},
      {"BCC secret", {0, 1, 0}},
      {"SUBJECT \"caf\xc3\xa9 meeting\"", {1, 0, 0}},
      {"SUBJECT CAF", {1, 0, 0}},
      {"SUBJECT budget", {0, 1, 0}},
      {"SUBJECT \"\"", {1, 1, 0}},
      {"HEADER X-Priority \"\"", {1, 0, 0}},  // Empty string: the field exists.
      {"HEADER x-priority 1", {1, 0, 0}},
      {"HEADER X-Priority 2", {0, 0, 0}},
      {"HEADER Message-ID \"\"", {1, 1, 0}},
      {"HEADER Message-ID EXAMPLE.NET", {0, 1, 0}},
      {"HEADER X-Missing \"\"", {0, 0, 0}},
      {"BCC \"\"", {0, 1, 0}},
  };
  check(cases);
}

TEST_F(SearchTest, BodyAndText) {
  const Case cases[] = {
      {"BODY budget", {1, 1, 0}},              // Plain text; base64 HTML turned into text.
      {"BODY \"quarterly budget\"", {0, 1, 0}},
      {"BODY \"the numbers.\"", {0, 1, 0}},    // Quoted-printable soft line break undone.
      {"BODY hello", {1, 0, 0}},
      {"BODY meeting", {0, 0, 0}},             // Only in the header.
      {"BODY \"<b>\"", {0, 0, 0}},             // HTML tags are not text.
      {"BODY \"\"", {1, 1, 0}},                // No body: no match, even for "".
      {"TEXT meeting", {1, 0, 0}},
      {"TEXT hello", {1, 0, 0}},
      {"TEXT \"alice@example.org\"", {1, 1, 0}},
      {"TEXT \"subject: re: budget\"", {0, 1, 0}},
      {"TEXT \"\"", {1, 1, 0}},
      {"TEXT numbers", {0, 1, 0}},
  };
  check(cases);
}

// String keys are caseless for all of Unicode (search.h): keys and text both in
// mime::fold_for_search form. Three messages: an RFC 2047 subject and a quoted-printable UTF-8
// body; a Latin-1 body; a body labelled UTF-8 that is not.
TEST(SearchUnicode, CaselessBeyondAscii) {
  const std::array<std::unique_ptr<TestMessage>, 3> messages = {
      make(1, 1, MessageFlags::kNone, {}, 100, 1, 0,
           "From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@example.de>\r\n"
           // "Straße in Köln — ΣΊΣΥΦΟΣ"
           "Subject: =?UTF-8?B?U3RyYcOfZSBpbiBLw7ZsbiDigJQgzqPOis6jzqXOps6fzqM=?=\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: quoted-printable\r\n"
           "\r\n"
           // "ПРИВЕТ из İstanbul, ılık hava.\r\nﬁle: CAFE\u0301 au lait\r\n", the soft line break
           // inside ı.
           "=D0=9F=D0=A0=D0=98=D0=92=D0=95=D0=A2 =D0=B8=D0=B7 =C4=B0stanbul, =C4=B1l=C4=\r\n"
           "=B1k hava.\r\n"
           "=EF=AC=81le: CAFE=CC=81 au lait\r\n"),
      make(2, 2, MessageFlags::kNone, {}, 100, 1, 0,
           "Subject: Men\xfc\r\n"  // Raw Latin-1 in a header: not UTF-8.
           "Content-Type: text/plain; charset=iso-8859-1\r\n"
           "Content-Transfer-Encoding: 8bit\r\n"
           "\r\n"
           "Caf\xe9 cr\xe8me, GR\xdc\xdf" "E\r\n"),
      make(3, 3, MessageFlags::kNone, {}, 100, 1, 0,
           "Subject: broken\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n"
           "\r\n"
           "caf\xe9 \xc3\r\n"),
  };
  SearchContext context{.max_seq = 3, .max_uid = 3};
  const Case cases[] = {
      // ß and SS, either way round; Latin-1 letters in another case.
      {"SUBJECT STRASSE", {1, 0, 0}},
      {"SUBJECT \"stra\xc3\x9f" "e\"", {1, 0, 0}},
      {"SUBJECT \"K\xc3\x96LN\"", {1, 0, 0}},           // KÖLN
      {"SUBJECT koln", {0, 0, 0}},                       // Accents count.
      {"FROM \"J\xc3\x9crgen m\xc3\xbcLLER\"", {1, 0, 0}},  // JÜrgen müLLER
      // Greek: medial and final sigma fold alike.
      {"SUBJECT \"\xcf\x83\xce\xaf\xcf\x83\xcf\x85\xcf\x86\xce\xbf\xcf\x82\"", {1, 0, 0}},  // σίσυφος
      {"HEADER Subject \"\xe2\x80\x94 \xcf\x83\xce\xaf\"", {1, 0, 0}},                   // — σί
      // Cyrillic, over a quoted-printable body.
      {"BODY \"\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 \xd0\x98\xd0\x97\"", {1, 0, 0}},
      // Turkish letters fold by the default mapping: İ is i + U+0307, so plain "istanbul" is not
      // found; dotless ı has no case partner and matches only itself.
      {"BODY \"\xc4\xb0STANBUL\"", {1, 0, 0}},
      {"BODY ISTANBUL", {0, 0, 0}},
      {"BODY \"\xc4\xb1l\xc4\xb1k\"", {1, 0, 0}},          // ılık, split by the soft break
      {"BODY ILIK", {0, 0, 0}},
      // Compatibility and canonical forms: the ligature, and E + U+0301 against a precomposed É.
      {"BODY FILE:", {1, 0, 0}},
      {"BODY \"caf\xc3\x89 AU\"", {1, 0, 0}},
      {"TEXT \"\xc3\xa9 au lait\"", {1, 0, 0}},
      // Latin-1 body, converted to UTF-8 before folding: é/É, è, Ü/ü and ß.
      {"BODY \"CAF\xc3\x89 CR\xc3\x88ME\"", {0, 1, 0}},
      {"BODY \"gr\xc3\xbcsse\"", {0, 1, 0}},
      // Ill-formed text: compared as U+FFFD, never crashing, never matching a real letter.
      {"BODY \"caf\xc3\xa9\"", {1, 1, 0}},
      {"BODY caf", {1, 1, 1}},
      {"TEXT \"subject: broken\"", {0, 0, 1}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.keys);
    const std::vector<proto::SearchKey> keys = keys_of(c.keys);
    std::array<bool, 3> got{};
    for (std::size_t i = 0; i < 3; ++i) got[i] = matches(keys, messages[i]->view(), context);
    EXPECT_EQ(got, c.want);
  }
}

TEST(SearchUnicode, KeysAreFoldedOnceBeforeMatching) {
  // search_keys_to_utf8 hands matches() folded keys; atoms (keywords, field names) stay.
  auto keys = search_keys_to_utf8(std::nullopt, parsed_keys("SUBJECT \"STRA\xc3\x9f" "E\" "
                                                            "NOT HEADER X-Tag \"\xc3\x89T\xc3\x89\" "
                                                            "KEYWORD $Work"));
  ASSERT_TRUE(keys.has_value());
  EXPECT_EQ((*keys)[0].text, "strasse");
  EXPECT_EQ((*keys)[1].children[0].field, "X-Tag");
  EXPECT_EQ((*keys)[1].children[0].text, "\xc3\xa9t\xc3\xa9");
  EXPECT_EQ((*keys)[2].text, "$Work");
  // From another charset: converted, then folded. "ÉTÉ" in ISO-8859-1.
  auto latin1 = search_keys_to_utf8("ISO-8859-1", parsed_keys("BODY {3+}\r\n\xc9T\xc9"));
  ASSERT_TRUE(latin1.has_value());
  EXPECT_EQ((*latin1)[0].text, "\xc3\xa9t\xc3\xa9");
}

TEST_F(SearchTest, InternalDateInServerZone) {
  // UTC: message 1 is 3-Jan 04:30, message 2 4-Jan 00:30, message 3 2-Jan 23:59:59.
  const Case utc_cases[] = {
      {"ON 3-Jan-2006", {1, 0, 0}},
      {"ON 2-Jan-2006", {0, 0, 1}},
      {"BEFORE 3-Jan-2006", {0, 0, 1}},
      {"BEFORE 4-Jan-2006", {1, 0, 1}},
      {"SINCE 3-Jan-2006", {1, 1, 0}},
      {"SINCE 5-Jan-2006", {0, 0, 0}},
      {"SINCE 1-Jan-2006 BEFORE 4-Jan-2006", {1, 0, 1}},
  };
  check(utc_cases);

  context_.zone_minutes = -300;  // 2-Jan 23:30, 3-Jan 19:30, 2-Jan 18:59:59
  const Case west_cases[] = {
      {"ON 2-Jan-2006", {1, 0, 1}},
      {"ON 3-Jan-2006", {0, 1, 0}},
      {"BEFORE 3-Jan-2006", {1, 0, 1}},
      {"SINCE 4-Jan-2006", {0, 0, 0}},
  };
  check(west_cases);

  context_.zone_minutes = 60;  // 3-Jan 05:30, 4-Jan 01:30, 3-Jan 00:59:59
  const Case east_cases[] = {
      {"ON 3-Jan-2006", {1, 0, 1}},
      {"ON 2-Jan-2006", {0, 0, 0}},
      {"ON 4-Jan-2006", {0, 1, 0}},
  };
  check(east_cases);
}

TEST_F(SearchTest, SentDateUsesTheFieldsOwnDate) {
  // Message 1: "Mon, 2 Jan 2006 23:30:00 -0500" is 3-Jan in UTC, but 2-Jan as written.
  // Message 2 has no Date:, message 3 no body: neither matches any SENT* key.
  const Case cases[] = {
      {"SENTON 2-Jan-2006", {1, 0, 0}},
      {"SENTON 3-Jan-2006", {0, 0, 0}},
      {"SENTBEFORE 3-Jan-2006", {1, 0, 0}},
      {"SENTBEFORE 2-Jan-2006", {0, 0, 0}},
      {"SENTSINCE 2-Jan-2006", {1, 0, 0}},
      {"SENTSINCE 3-Jan-2006", {0, 0, 0}},
      {"NOT SENTON 2-Jan-2006", {0, 1, 1}},
  };
  check(cases);
}

TEST_F(SearchTest, OrNotAndGroups) {
  const Case cases[] = {
      {"OR SEEN ANSWERED", {1, 1, 0}},
      {"NOT OR SEEN ANSWERED", {0, 0, 1}},
      {"OR (SEEN FLAGGED) (DELETED LARGER 4000)", {1, 1, 0}},
      {"NOT (SEEN FLAGGED)", {0, 1, 1}},
      {"OR NOT UID 10 SMALLER 500", {0, 1, 1}},
      {"UNSEEN OR DRAFT NOT LARGER 300", {0, 1, 1}},
      {"NOT NOT NOT SEEN", {0, 1, 1}},
      {"OR OR SEEN DRAFT UID 30", {1, 1, 1}},
      {"(OR FROM alice BODY numbers) NOT 2", {1, 0, 0}},
      {"OR (NOT (OR 1 2)) (SUBJECT budget NOT DELETED)", {0, 0, 1}},
      {"SEEN UNSEEN", {0, 0, 0}},
  };
  check(cases);
}

TEST_F(SearchTest, LoadsOnlyWhenNeededAndOnce) {
  const TestMessage& m = *messages_[0];
  EXPECT_TRUE(matches(keys_of("SEEN UID 1:* LARGER 10"), m.view(), context_));
  EXPECT_EQ(m.loads, 0);
  EXPECT_TRUE(matches(keys_of("FROM alice SUBJECT caf BODY bob TEXT hello SENTON 2-Jan-2006"),
                      m.view(), context_));
  EXPECT_EQ(m.loads, 1);
  // A failing flag key before the header key: no load at all.
  EXPECT_FALSE(matches(keys_of("UNSEEN FROM alice"), m.view(), context_));
  EXPECT_EQ(m.loads, 1);
}

TEST_F(SearchTest, NestingBeyondTheBoundNeverMatches) {
  auto nested = [](int depth) {
    proto::SearchKey key;  // ALL
    for (int i = 0; i < depth; ++i) {
      proto::SearchKey group;
      group.kind = proto::SearchKey::Kind::kGroup;
      group.children.push_back(std::move(key));
      key = std::move(group);
    }
    std::vector<proto::SearchKey> keys;
    keys.push_back(std::move(key));
    return keys;
  };
  EXPECT_TRUE(matches(nested(16), messages_[0]->view(), context_));
  EXPECT_TRUE(matches(nested(64), messages_[0]->view(), context_));
  EXPECT_FALSE(matches(nested(65), messages_[0]->view(), context_));
  // Deeper trees than the parser makes only come from code; SearchKey's own copy and destructor
  // recurse, so keep this modest.
  EXPECT_FALSE(matches(nested(200), messages_[0]->view(), context_));
  EXPECT_FALSE(needs_body(nested(200)));
}

TEST_F(SearchTest, CharsetConversion) {
  // "café" in ISO-8859-1, under NOT and OR; the keyword and the field name stay as sent.
  const std::vector<proto::SearchKey> sent =
      parsed_keys("OR SUBJECT x (SUBJECT {4+}\r\ncaf\xe9 KEYWORD Project HEADER X-Priority 1) "
              "NOT BODY {3+}\r\n\xe9t\xe9");
  auto converted = search_keys_to_utf8("iso-8859-1", sent);
  ASSERT_TRUE(converted.has_value());
  const proto::SearchKey& group = (*converted)[0].children[1];
  EXPECT_EQ(group.children[0].text, "caf\xc3\xa9");
  EXPECT_EQ(group.children[1].text, "Project");
  EXPECT_EQ(group.children[2].field, "X-Priority");
  EXPECT_EQ(group.children[2].text, "1");
  EXPECT_EQ((*converted)[1].children[0].text, "\xc3\xa9t\xc3\xa9");
  EXPECT_TRUE(matches(*converted, messages_[0]->view(), context_));
  // Unconverted, the Latin-1 byte does not match the UTF-8 subject.
  EXPECT_FALSE(matches(keys_of("SUBJECT {4+}\r\ncaf\xe9"), messages_[0]->view(), context_));

  // Without CHARSET, and for UTF-8 and US-ASCII, the strings are taken as UTF-8: the Latin-1 é
  // is not, and becomes U+FFFD.
  for (std::optional<std::string_view> charset :
       {std::optional<std::string_view>(), std::optional<std::string_view>("UTF-8"),
        std::optional<std::string_view>("utf-8"), std::optional<std::string_view>("US-ASCII"),
        std::optional<std::string_view>("us-ascii")}) {
    auto same = search_keys_to_utf8(charset, sent);
    ASSERT_TRUE(same.has_value());
    std::vector<proto::SearchKey> want = sent;
    want[0].children[1].children[0].text = "caf\xef\xbf\xbd";
    want[1].children[0].text = "\xef\xbf\xbdt\xef\xbf\xbd";
    EXPECT_EQ(*same, want);
  }
  for (std::string_view charset : {"X-NO-SUCH-CHARSET", "UTF-8,evil", "", "utf-9"}) {
    SCOPED_TRACE(charset);
    auto bad = search_keys_to_utf8(charset, sent);
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error(), SearchError::kBadCharset);
  }
}

TEST(NeedsBody, AnyDepth) {
  EXPECT_FALSE(needs_body(keys_of("SEEN UID 1:* LARGER 5 ON 1-Jan-2000 MODSEQ 4")));
  EXPECT_TRUE(needs_body(keys_of("NOT OR SEEN SENTON 1-Jan-2000")));
  EXPECT_TRUE(needs_body(keys_of("(SEEN (HEADER X y))")));
  EXPECT_TRUE(needs_body(keys_of("BCC a")));
  EXPECT_TRUE(needs_body(keys_of("TEXT a")));
  EXPECT_FALSE(uses_modseq(keys_of("SEEN")));
  EXPECT_TRUE(uses_modseq(keys_of("OR SEEN (NOT MODSEQ 5)")));
}

TEST(FormatSearchResponse, Plain) {
  const std::uint32_t numbers[] = {2, 5, 7};
  EXPECT_EQ(format_search_response(numbers), "* SEARCH 2 5 7\r\n");
  EXPECT_EQ(format_search_response({}), "* SEARCH\r\n");
  EXPECT_EQ(format_search_response(numbers, 917162500), "* SEARCH 2 5 7 (MODSEQ 917162500)\r\n");
  EXPECT_EQ(format_search_response({}, 917162500), "* SEARCH\r\n");
}

TEST(FormatSearchResponse, Esearch) {
  const std::uint32_t numbers[] = {2, 5, 7};
  const std::uint32_t runs[] = {1, 2, 3, 5};
  proto::SearchReturn all4{.min = true, .max = true, .all = true, .count = true};
  EXPECT_EQ(format_esearch_response("a1", true, all4, numbers),
            "* ESEARCH (TAG \"a1\") UID MIN 2 MAX 7 COUNT 3 ALL 2,5,7\r\n");
  EXPECT_EQ(format_esearch_response("A2", false, {}, runs),  // RETURN () is ALL
            "* ESEARCH (TAG \"A2\") ALL 1:3,5\r\n");
  EXPECT_EQ(format_esearch_response("A3", false, {.min = true, .count = true}, {}),
            "* ESEARCH (TAG \"A3\") COUNT 0\r\n");
  EXPECT_EQ(format_esearch_response("A4", false, {}, {}), "* ESEARCH (TAG \"A4\")\r\n");
  EXPECT_EQ(format_esearch_response("A5", false, {.save = true}, numbers), "");
  EXPECT_EQ(format_esearch_response("A6", true, {.min = true, .save = true}, numbers),
            "* ESEARCH (TAG \"A6\") UID MIN 2\r\n");
  EXPECT_EQ(format_esearch_response("A7", false, {.max = true}, numbers),
            "* ESEARCH (TAG \"A7\") MAX 7\r\n");
  EXPECT_EQ(format_esearch_response("a", false, {.all = true}, runs, 1236),
            "* ESEARCH (TAG \"a\") ALL 1:3,5 MODSEQ 1236\r\n");
  EXPECT_EQ(format_esearch_response("a", false, {.count = true}, {}, 1236),
            "* ESEARCH (TAG \"a\") COUNT 0\r\n");
}

TEST(SavedSearchResult, MinMaxOnlyWhenAlone) {
  const std::uint32_t numbers[] = {2, 5, 7};
  const std::uint32_t one[] = {4};
  using V = std::vector<std::uint32_t>;
  EXPECT_EQ(saved_search_result({.min = true, .save = true}, numbers), V({2}));
  EXPECT_EQ(saved_search_result({.max = true, .save = true}, numbers), V({7}));
  EXPECT_EQ(saved_search_result({.min = true, .max = true, .save = true}, numbers), V({2, 7}));
  EXPECT_EQ(saved_search_result({.min = true, .max = true, .save = true}, one), V({4}));
  EXPECT_EQ(saved_search_result({.min = true, .count = true, .save = true}, numbers),
            V({2, 5, 7}));
  EXPECT_EQ(saved_search_result({.max = true, .all = true, .save = true}, numbers), V({2, 5, 7}));
  EXPECT_EQ(saved_search_result({.save = true}, numbers), V({2, 5, 7}));
  EXPECT_EQ(saved_search_result({.min = true, .save = true}, {}), V());
}

}  // namespace
}  // namespace redoubt::imap::server

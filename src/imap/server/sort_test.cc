#include "imap/server/sort.h"

#include <gtest/gtest.h>

#include <memory>

#include "imap/proto/command_parser.h"

namespace redoubt::imap::server {
namespace {

TEST(BaseSubject, Rfc5256Rules) {
  struct Case {
    std::string_view subject;
    std::string_view want;
    bool reply;
  };
  const Case cases[] = {
      // (1) decoding and whitespace
      {"", "", false},
      {"  a \t  b  ", "a b", false},
      {"a\r\n\tb", "a b", false},
      {"=?utf-8?q?Re=3A_caf=C3=A9?=", "caf\xc3\xa9", true},
      // (2) subj-trailer
      {"topic (fwd)", "topic", true},
      {"topic (fwd) (FWD)  ", "topic", true},
      {"topic(fwd)", "topic", true},
      {"(fwd) topic", "(fwd) topic", false},
      // (3) subj-leader: subj-refwd, with blobs before and one blob inside
      {"Re: Hello", "Hello", true},
      {"RE: re: Fwd: hello", "hello", true},
      {"re:re:re: x", "x", true},
      {"Fw: a", "a", true},
      {"FWD : a", "a", true},
      {"Re[2]: x", "x", true},
      {"Re [list]: x", "x", true},
      {"[a][b] Re: x", "x", true},
      {"[a]Re: x", "x", true},
      {"Fwd: Re: [a] Fw[b]: z", "z", true},
      {"Re:", "", true},
      {"Re: (fwd)", "", true},
      {"Re (2): x", "Re (2): x", false},
      {"Review: x", "Review: x", false},
      {"Re x: y", "Re x: y", false},
      {"Fwdx: y", "Fwdx: y", false},
      // (4) a leading blob goes only if something is left
      {"[PATCH] fix", "fix", false},
      {"[PATCH]", "[PATCH]", false},
      {"[PATCH]  ", "[PATCH]", false},
      {"[a] [b] c", "c", false},
      {"[] x", "x", false},
      {"[a [b] c", "[a [b] c", false},
      {"[a] [b]", "[b]", false},
      {"[a][b][c]", "[c]", false},
      {"[a] [b", "[b", false},
      // (5) leaders and blobs in turn
      {"Re: [list] Re: topic (fwd)", "topic", true},
      {"[list] Re: [other] topic", "topic", true},
      // (6) subj-fwd-hdr / subj-fwd-trl, then again from (2)
      {"[fwd: Re: something]", "something", true},
      {"Re: [fwd: hello] (fwd)", "hello", true},
      {"[Fwd: [list] news]", "news", true},
      {"[FWD: a (fwd)]", "a", true},
      {"[fwd: ]", "", true},
      {"[fwd: x", "[fwd: x", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.subject);
    EXPECT_EQ(base_subject(c.subject), (BaseSubject{std::string(c.want), c.reply}));
  }
}

TEST(BaseSubject, HostileSubjectsStayLinear) {
  std::string blobs;
  for (int i = 0; i < 20000; ++i) blobs += "[x]";
  EXPECT_EQ(base_subject(blobs + " y"), (BaseSubject{"y", false}));
  std::string replies;
  for (int i = 0; i < 20000; ++i) replies += "Re: [x] ";
  EXPECT_EQ(base_subject(replies + "y"), (BaseSubject{"y", true}));
  std::string wrapped = "y";
  for (int i = 0; i < 10000; ++i) wrapped = "[fwd: " + wrapped + "]";
  EXPECT_EQ(base_subject(wrapped), (BaseSubject{"y", true}));
}

// Messages for SORT: headers only, each parsed once and kept.
struct Fixture {
  struct Entry {
    std::string raw;
    std::optional<mime::Message> parsed;
    int loads = 0;
  };
  std::vector<std::unique_ptr<Entry>> entries;
  std::vector<SortInput> inputs;

  void add(std::uint32_t seq, std::uint32_t uid, std::uint64_t size, std::int64_t internal,
           std::optional<std::string> raw) {
    auto entry = std::make_unique<Entry>();
    if (raw) {
      entry->raw = std::move(*raw);
      entry->parsed = mime::parse_message(entry->raw);
    }
    Entry* e = entry.get();
    entries.push_back(std::move(entry));
    inputs.push_back(SortInput{seq, uid, size, internal, [e]() -> const mime::Message* {
                                 ++e->loads;
                                 return e->parsed ? &*e->parsed : nullptr;
                               }});
  }
};

// The criteria of "A SORT (<text>) UTF-8 ALL", as the parser gives them.
std::vector<proto::SortCriterion> criteria_of(std::string_view text) {
  const std::string line = "A SORT (" + std::string(text) + ") UTF-8 ALL";
  auto command = proto::parse_command(line);
  EXPECT_TRUE(command.has_value()) << text;
  if (!command) return {};
  return std::get<proto::Sort>(command->args).criteria;
}

class SortTest : public ::testing::Test {
 public:
  SortTest() {
    // 2019-01-01 10:00:00Z is 1546336800.
    f_.add(1, 11, 300, 500,
           "From: Bob <bob@x>\r\nTo: zed@x\r\nCc: amy@x\r\nSubject: Re: beta\r\n"
           "Date: Tue, 1 Jan 2019 10:00:00 +0000\r\n\r\n");
    f_.add(2, 12, 100, 400,
           "From: alice@x\r\nTo: Yan <yan@x>\r\nSubject: alpha\r\n"
           "Date: Tue, 1 Jan 2019 09:00:00 -0200\r\n\r\n");  // 11:00Z
    f_.add(3, 13, 300, 1546338600,  // No Date: sent date is this internal date (10:30Z).
           "From: \"Zoe\" <ZOE@x>\r\nTo: G: xavier@x;\r\nCc: BOB@x\r\n"
           "Subject: [list] Beta\r\n\r\n");
    f_.add(4, 14, 200, 100,
           "From: carl@x\r\nTo:\r\nCc: bob@x\r\nSubject: Fwd: ALPHA\r\nDate: garbage\r\n\r\n");
    f_.add(5, 15, 100, 300, std::nullopt);  // Unreadable: empty strings, internal date.
  }

  std::vector<std::size_t> sort(std::string_view criteria) {
    return sort_messages(f_.inputs, criteria_of(criteria));
  }

  Fixture f_;
};

using Order = std::vector<std::size_t>;

TEST_F(SortTest, SingleKeys) {
  EXPECT_EQ(sort("ARRIVAL"), Order({3, 4, 1, 0, 2}));
  EXPECT_EQ(sort("SIZE"), Order({1, 4, 3, 0, 2}));
  EXPECT_EQ(sort("DATE"), Order({3, 4, 0, 2, 1}));
  EXPECT_EQ(sort("FROM"), Order({4, 1, 0, 3, 2}));
  EXPECT_EQ(sort("TO"), Order({3, 4, 2, 1, 0}));  // The group's first mailbox: xavier.
  EXPECT_EQ(sort("CC"), Order({1, 4, 0, 2, 3}));
  EXPECT_EQ(sort("SUBJECT"), Order({4, 1, 3, 0, 2}));
}

TEST_F(SortTest, ReverseAppliesToItsKeyOnlyAndTiesKeepSequenceOrder) {
  EXPECT_EQ(sort("REVERSE ARRIVAL"), Order({2, 0, 1, 4, 3}));
  // Ties on 300 (seq 1, 3) and 100 (seq 2, 5) stay in sequence order.
  EXPECT_EQ(sort("REVERSE SIZE"), Order({0, 2, 3, 1, 4}));
  EXPECT_EQ(sort("REVERSE CC"), Order({2, 3, 0, 1, 4}));
}

TEST_F(SortTest, SeveralKeys) {
  EXPECT_EQ(sort("SIZE REVERSE ARRIVAL"), Order({1, 4, 3, 2, 0}));
  EXPECT_EQ(sort("SUBJECT DATE"), Order({4, 3, 1, 0, 2}));
  EXPECT_EQ(sort("REVERSE SUBJECT REVERSE DATE"), Order({2, 0, 1, 3, 4}));
  EXPECT_EQ(sort("CC SIZE"), Order({1, 4, 0, 3, 2}));
  EXPECT_EQ(sort("CC REVERSE SIZE FROM"), Order({4, 1, 0, 2, 3}));  // "" < ALICE
}

TEST_F(SortTest, LoadsOnlyForHeaderKeysAndOnce) {
  sort("SIZE REVERSE ARRIVAL");
  for (const auto& e : f_.entries) EXPECT_EQ(e->loads, 0);
  sort("SUBJECT FROM TO CC DATE");
  for (const auto& e : f_.entries) EXPECT_EQ(e->loads, 1);
}

TEST_F(SortTest, EmptyInput) {
  EXPECT_EQ(sort_messages({}, criteria_of("SUBJECT")), Order());
}

TEST(SentDate, DateFieldElseInternalDate) {
  const std::string with = "Date: Tue, 1 Jan 2019 09:00:00 -0200\r\n\r\n";
  const std::string bad = "Date: 1 Jan\r\n\r\n";
  const mime::Message a = mime::parse_message(with);
  const mime::Message b = mime::parse_message(bad);
  EXPECT_EQ(sent_date(&a, 7), 1546340400);
  EXPECT_EQ(sent_date(&b, 7), 7);
  EXPECT_EQ(sent_date(nullptr, 7), 7);
}

TEST(FormatSortResponse, Numbers) {
  const std::uint32_t numbers[] = {2, 3, 6};
  EXPECT_EQ(format_sort_response(numbers), "* SORT 2 3 6\r\n");
  EXPECT_EQ(format_sort_response({}), "* SORT\r\n");
  EXPECT_EQ(format_sort_response(numbers, 42), "* SORT 2 3 6 (MODSEQ 42)\r\n");
}

}  // namespace
}  // namespace redoubt::imap::server

#include "imap/server/list_match.h"

#include <gtest/gtest.h>

namespace redoubt::imap::server {
namespace {

TEST(CombineReference, Rfc9051Section6_3_9) {
  EXPECT_EQ(combine_reference("", "x"), "x");
  EXPECT_EQ(combine_reference("Archive/", "%"), "Archive/%");
  EXPECT_EQ(combine_reference("Archive", "/%"), "Archive/%");
  EXPECT_EQ(combine_reference("Archive/", "/%"), "Archive/%");
  EXPECT_EQ(combine_reference("Archive", "%"), "Archive%");
  EXPECT_EQ(combine_reference("Archive/", ""), "Archive/");
}

TEST(ListPatternMatches, Wildcards) {
  struct Case {
    std::string_view pattern;
    std::string_view name;
    bool want;
  };
  const Case cases[] = {
      {"*", "a/b", true},
      {"%", "a", true},
      {"%", "a/b", false},
      {"a*b", "axxb", true},
      {"a*b", "axxbc", false},
      {"a*b", "a/x/b", true},
      {"a%b", "a/b", false},
      {"a%b", "ab", true},
      {"%/%", "a/b", true},
      {"%/%", "a/b/c", false},
      {"*/%", "a/b/c", true},
      {"%/*", "a/b/c", true},
      {"**%%*", "x/y", true},  // A run holding "*" is "*".
      {"%%", "x/y", false},    // A run of "%" is "%".
      {"%*", "x/y", true},
      {"a", "A", false},       // Case-sensitive...
      {"Sp%m", "Sp\xc3\xa4m", true},
      {"", "", true},
      {"", "a", false},
      {"abc", "ab", false},
      // ...except INBOX and the INBOX/ prefix.
      {"inbox", "INBOX", true},
      {"Inbo%", "INBOX", true},
      {"inb*", "INBOX/Sub", true},
      {"inbox/sub", "INBOX/sub", true},
      {"inbox/SUB", "INBOX/sub", false},
      {"INBOXX", "INBOX", false},
      {"inboxes", "INBOXes", false},  // Not INBOX: case matters.
      {"*X", "INBOX", true},
      {"INBOX", "inbox", false},  // The store's name is "INBOX"; "inbox" is another mailbox.
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.pattern) + " ~ " + std::string(c.name));
    EXPECT_EQ(list_pattern_matches(c.pattern, c.name), c.want);
  }
}

TEST(ListPatternMatches, PathologicalPatternsAreFast) {
  const std::string name(200, 'a');
  std::string pattern;
  for (int i = 0; i < 100; ++i) pattern += "*a";
  EXPECT_FALSE(list_pattern_matches(pattern + "b", name));
  EXPECT_TRUE(list_pattern_matches(pattern, name));
  EXPECT_FALSE(list_pattern_matches(std::string(300, 'a'), name));  // More literals than octets.
  std::string wild(60000, '%');
  EXPECT_TRUE(list_pattern_matches(wild, name));
}

class ListMailboxesTest : public ::testing::Test {
 protected:
  // Missing levels: "Archive/2024", "Work", "Work/Projects".
  const std::vector<std::string> names_ = {
      "Work/Projects/Alpha", "INBOX",     "Archive/2024/Q2", "Sent", "Archive",
      "INBOX/Receipts",      "Work-Old",  "Archive/2023",    "Sp\xc3\xa4m", "Archive/2024/Q1",
  };

  std::vector<ListEntry> list(std::string_view reference, std::vector<std::string> patterns) {
    return list_mailboxes(names_, reference, patterns);
  }
};

ListEntry mailbox(std::string name, bool children = false) {
  return ListEntry{std::move(name), false, children};
}
ListEntry placeholder(std::string name) { return ListEntry{std::move(name), true, true}; }

using Entries = std::vector<ListEntry>;

TEST_F(ListMailboxesTest, StarListsEveryMailboxNoPlaceholders) {
  EXPECT_EQ(list("", {"*"}),
            Entries({mailbox("Archive", true), mailbox("Archive/2023"),
                     mailbox("Archive/2024/Q1"), mailbox("Archive/2024/Q2"),
                     mailbox("INBOX", true), mailbox("INBOX/Receipts"), mailbox("Sent"),
                     mailbox("Sp\xc3\xa4m"), mailbox("Work-Old"), mailbox("Work/Projects/Alpha")}));
  EXPECT_EQ(list("", {"Archive/*"}),
            Entries({mailbox("Archive/2023"), mailbox("Archive/2024/Q1"),
                     mailbox("Archive/2024/Q2")}));
}

TEST_F(ListMailboxesTest, PercentListsOneLevelWithPlaceholders) {
  EXPECT_EQ(list("", {"%"}),
            Entries({mailbox("Archive", true), mailbox("INBOX", true), mailbox("Sent"),
                     mailbox("Sp\xc3\xa4m"), placeholder("Work"), mailbox("Work-Old")}));
  const Entries archive = {mailbox("Archive/2023"), placeholder("Archive/2024")};
  EXPECT_EQ(list("", {"Archive/%"}), archive);
  EXPECT_EQ(list("", {"%/%"}),
            Entries({mailbox("Archive/2023"), placeholder("Archive/2024"),
                     mailbox("INBOX/Receipts"), placeholder("Work/Projects")}));
  EXPECT_EQ(list("", {"Work/%/%"}), Entries({mailbox("Work/Projects/Alpha")}));
  EXPECT_EQ(list("", {"W%"}), Entries({placeholder("Work"), mailbox("Work-Old")}));
  // Not ending in "%": no placeholders.
  EXPECT_EQ(list("", {"*/Q%"}),
            Entries({mailbox("Archive/2024/Q1"), mailbox("Archive/2024/Q2")}));
  EXPECT_EQ(list("", {"%/Q1"}), Entries());
}

TEST_F(ListMailboxesTest, ReferenceArgument) {
  const Entries archive = {mailbox("Archive/2023"), placeholder("Archive/2024")};
  EXPECT_EQ(list("Archive/", {"%"}), archive);
  EXPECT_EQ(list("Archive", {"/%"}), archive);
  EXPECT_EQ(list("Archive/", {"/%"}), archive);
  EXPECT_EQ(list("Archive/2024/", {"*"}),
            Entries({mailbox("Archive/2024/Q1"), mailbox("Archive/2024/Q2")}));
  EXPECT_EQ(list("Archive", {"*"}),  // "Archive*": the mailbox and all below it.
            Entries({mailbox("Archive", true), mailbox("Archive/2023"),
                     mailbox("Archive/2024/Q1"), mailbox("Archive/2024/Q2")}));
  EXPECT_EQ(list("inbox/", {"%"}), Entries({mailbox("INBOX/Receipts")}));
}

TEST_F(ListMailboxesTest, InboxIgnoresCaseOthersDoNot) {
  EXPECT_EQ(list("", {"inbox"}), Entries({mailbox("INBOX", true)}));
  EXPECT_EQ(list("", {"InBox/%"}), Entries({mailbox("INBOX/Receipts")}));
  EXPECT_EQ(list("", {"inb*"}), Entries({mailbox("INBOX", true), mailbox("INBOX/Receipts")}));
  EXPECT_EQ(list("", {"sent"}), Entries());
  EXPECT_EQ(list("", {"Sp%m"}), Entries({mailbox("Sp\xc3\xa4m")}));
}

TEST_F(ListMailboxesTest, SeveralPatternsEachNameOnce) {
  EXPECT_EQ(list("", {"Sent", "INBOX", "I*", "%"}),
            Entries({mailbox("Archive", true), mailbox("INBOX", true), mailbox("INBOX/Receipts"),
                     mailbox("Sent"), mailbox("Sp\xc3\xa4m"), placeholder("Work"),
                     mailbox("Work-Old")}));
  EXPECT_EQ(list("", {""}), Entries());  // The delimiter request: answered by the caller.
}

}  // namespace
}  // namespace redoubt::imap::server

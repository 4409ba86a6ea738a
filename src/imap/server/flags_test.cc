#include "imap/server/flags.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "imap/proto/response_writer.h"

namespace redoubt::imap::server {
namespace {

using store::MessageFlags;
using Names = std::vector<std::string>;

TEST(FlagNames, SystemFlagsInFixedOrderThenKeywords) {
  const MessageFlags all = MessageFlags::kDraft | MessageFlags::kDeleted | MessageFlags::kFlagged |
                           MessageFlags::kAnswered | MessageFlags::kSeen;
  const Names keywords = {"$Forwarded", "Work"};
  EXPECT_EQ(flag_names(all, keywords),
            (Names{"\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft", "$Forwarded",
                   "Work"}));
  EXPECT_EQ(flag_names(MessageFlags::kFlagged | MessageFlags::kSeen, {}),
            (Names{"\\Seen", "\\Flagged"}));
  EXPECT_EQ(flag_names(MessageFlags::kNone, {}), Names{});
}

TEST(FlagNames, InvalidKeywordsAreLeftOut) {
  const Names keywords = {"ok", "", "two words", "br]acket", "caf\xc3\xa9", "\\Seen", "x"};
  EXPECT_EQ(flag_names(MessageFlags::kNone, keywords), (Names{"ok", "x"}));
  std::string out;
  proto::append_flag_list(out, flag_names(MessageFlags::kDraft, keywords));
  EXPECT_EQ(out, "(\\Draft ok x)");
}

TEST(IsKeyword, AtomCharactersOnly) {
  for (std::string_view good : {"a", "$Junk", "NonJunk", "x-y.z_1!#&'+,-/:;<=>?@^`|~", "[tag"}) {
    EXPECT_TRUE(is_keyword(good)) << good;
  }
  for (std::string_view bad : {"", " ", "a b", "a(", "a)", "a{", "a%", "a*", "a\"", "a\\", "a]",
                               "\\Seen", "a\x01", "a\x7f", "a\t", "caf\xc3\xa9"}) {
    EXPECT_FALSE(is_keyword(bad)) << bad;
  }
  EXPECT_FALSE(is_keyword(std::string_view("a\0b", 3)));
}

TEST(ParseFlags, SystemFlagsIgnoreCaseAndKeywordsKeepTheirs) {
  const Names names = {"\\SEEN", "\\answered", "\\Flagged", "\\deleTED", "\\draft", "$Label1"};
  auto parsed = parse_flags(names);
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  EXPECT_EQ(parsed->system, MessageFlags::kSeen | MessageFlags::kAnswered |
                                MessageFlags::kFlagged | MessageFlags::kDeleted |
                                MessageFlags::kDraft);
  EXPECT_EQ(parsed->keywords, Names{"$Label1"});
}

TEST(ParseFlags, EmptyListAndDuplicates) {
  auto empty = parse_flags({});
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(*empty, ParsedFlags{});

  const Names names = {"Work", "\\Seen", "WORK", "$junk", "\\seen", "work", "$Junk", "Home"};
  auto parsed = parse_flags(names);
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  EXPECT_EQ(parsed->system, MessageFlags::kSeen);
  EXPECT_EQ(parsed->keywords, (Names{"Work", "$junk", "Home"}));
}

TEST(ParseFlags, Refusals) {
  struct Case {
    Names names;
    std::string error;
  };
  const Case cases[] = {
      {{"\\Recent"}, "\\Recent cannot be set"},
      {{"\\Seen", "\\RECENT"}, "\\Recent cannot be set"},
      {{"\\Important"}, "Unknown system flag"},
      {{"\\*"}, "Unknown system flag"},
      {{"\\"}, "Unknown system flag"},
      {{"\\Seen2"}, "Unknown system flag"},
      {{""}, "Invalid flag keyword"},
      {{"two words"}, "Invalid flag keyword"},
      {{"a]"}, "Invalid flag keyword"},
      {{"a*"}, "Invalid flag keyword"},
      {{"a%"}, "Invalid flag keyword"},
      {{"{3}"}, "Invalid flag keyword"},
      {{"(x)"}, "Invalid flag keyword"},
      {{"\"q\""}, "Invalid flag keyword"},
      {{"tab\t"}, "Invalid flag keyword"},
      {{"8bit\x80"}, "Invalid flag keyword"},
      {{"ok", "a\x7f"}, "Invalid flag keyword"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.names.back());
    auto parsed = parse_flags(c.names);
    ASSERT_FALSE(parsed.has_value());
    EXPECT_EQ(parsed.error(), c.error);
  }
}

TEST(MailboxFlags, SystemFlagsThenKeywordsInUse) {
  EXPECT_EQ(mailbox_flags({}),
            (Names{"\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"}));
  const Names in_use = {"$Forwarded", "Work", "work", "bad word", "$Junk"};
  EXPECT_EQ(mailbox_flags(in_use), (Names{"\\Seen", "\\Answered", "\\Flagged", "\\Deleted",
                                          "\\Draft", "$Forwarded", "Work", "$Junk"}));
  std::string out;
  proto::append_flag_list(out, mailbox_flags(in_use));
  EXPECT_EQ(out, "(\\Seen \\Answered \\Flagged \\Deleted \\Draft $Forwarded Work $Junk)");
}

TEST(MailboxFlags, PermanentFlagsEndWithStar) {
  const Names in_use = {"$Forwarded"};
  EXPECT_EQ(permanent_flags(in_use), (Names{"\\Seen", "\\Answered", "\\Flagged", "\\Deleted",
                                            "\\Draft", "$Forwarded", "\\*"}));
  EXPECT_EQ(proto::status_response("*", proto::Condition::kOk,
                                   proto::response_code::permanent_flags(permanent_flags({})),
                                   "Limited"),
            "* OK [PERMANENTFLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft \\*)] "
            "Limited\r\n");
}

}  // namespace
}  // namespace redoubt::imap::server

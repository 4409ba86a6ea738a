#include "store/mailbox_name.h"

#include <gtest/gtest.h>

#include <string>

namespace redoubt::store {
namespace {

TEST(MailboxName, Valid) {
  for (std::string_view good :
       {"INBOX", "Work", "Work/2024/Q1", "a b", "Entw\xC3\xBCrfe", "\xE5\xAD\x90/\xF0\x9F\x93\xA7",
        "%*&", "INBOX/Sub"}) {
    EXPECT_TRUE(is_valid_mailbox_name(good)) << good;
  }
  EXPECT_TRUE(is_valid_mailbox_name(std::string(kMaxMailboxNameLength, 'x')));
}

TEST(MailboxName, Invalid) {
  for (std::string_view bad : std::initializer_list<std::string_view>{"", "/", "/a", "a/", "a//b", "a\tb", "a\rb", "a\x7f", "a\xC2\x85" /* C1 NEL */,
        "\xC2\x9F", "\xFF", "\xC3", "\xED\xA0\x80" /* surrogate */, std::string_view("a\0", 2)}) {
    EXPECT_FALSE(is_valid_mailbox_name(bad)) << bad;
  }
  EXPECT_FALSE(is_valid_mailbox_name(std::string(kMaxMailboxNameLength + 1, 'x')));
  EXPECT_TRUE(is_valid_mailbox_name("\xC2\xA0"));  // U+00A0 is no control character.
}

TEST(MailboxName, Inbox) {
  EXPECT_TRUE(is_inbox("INBOX"));
  EXPECT_TRUE(is_inbox("inbox"));
  EXPECT_TRUE(is_inbox("iNbOx"));
  EXPECT_FALSE(is_inbox("INBOX/a"));
  EXPECT_FALSE(is_inbox("INBOXES"));
  EXPECT_EQ(canonical_mailbox_name("Inbox"), "INBOX");
  EXPECT_EQ(canonical_mailbox_name("inbox/a"), "inbox/a");
  EXPECT_EQ(canonical_mailbox_name("Work"), "Work");
}

TEST(MailboxName, IsBelow) {
  EXPECT_TRUE(is_below("a/b", "a"));
  EXPECT_TRUE(is_below("a/b/c", "a"));
  EXPECT_TRUE(is_below("a/b/c", "a/b"));
  EXPECT_FALSE(is_below("a", "a"));
  EXPECT_FALSE(is_below("ab", "a"));
  EXPECT_FALSE(is_below("a/", "a"));
  EXPECT_FALSE(is_below("b/a", "a"));
}

TEST(MailboxName, SpecialUse) {
  EXPECT_EQ(canonical_special_use(""), "");
  EXPECT_EQ(canonical_special_use("\\Sent"), "\\Sent");
  EXPECT_EQ(canonical_special_use("\\flagged"), "\\Flagged");
  EXPECT_EQ(canonical_special_use("\\ALL"), "\\All");
  EXPECT_FALSE(canonical_special_use("\\Important").has_value());  // RFC 8457, not RFC 6154.
  EXPECT_FALSE(canonical_special_use("Sent").has_value());
  EXPECT_FALSE(canonical_special_use("\\Sent \\Trash").has_value());
}

}  // namespace
}  // namespace redoubt::store

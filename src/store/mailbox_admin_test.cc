// Store: finding, creating, deleting and renaming mailboxes; subscriptions; STATUS counts.

#include <gtest/gtest.h>

#include <algorithm>

#include "store/store.h"
#include "store/test_support.h"

namespace redoubt::store {
namespace {

using testing::MailTest;
using testing::RawDatabase;
using Names = std::vector<std::string>;

class MailboxAdminTest : public MailTest {
 protected:
  Names names(AccountId account) {
    Names out;
    const auto mailboxes = store_->list_mailboxes(account);  // Named: the loop borrows it.
    for (const MailboxInfo& m : *mailboxes) out.push_back(m.name);
    return out;
  }
  std::uint32_t highest_uid_validity(AccountId account) {
    std::uint32_t highest = 0;
    const auto mailboxes = store_->list_mailboxes(account);
    for (const MailboxInfo& m : *mailboxes) {
      highest = std::max(highest, static_cast<std::uint32_t>(m.uid_validity));
    }
    return highest;
  }
};

TEST_F(MailboxAdminTest, FindMailbox) {
  const MailboxInfo inbox = mailbox(alice_, "INBOX");
  EXPECT_EQ(inbox.name, "INBOX");
  for (std::string_view spelling : {"inbox", "Inbox", "iNbOx"}) {
    auto found = store_->find_mailbox(alice_, spelling);
    ASSERT_TRUE(found.has_value()) << spelling;
    EXPECT_EQ(*found, inbox);
  }
  auto sent = store_->find_mailbox(alice_, "Sent");
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(sent->name, "Sent");
  EXPECT_EQ(sent->special_use, "\\Sent");
  EXPECT_EQ(sent->uid_next, Uid{1});
  EXPECT_EQ(sent->highest_modseq, ModSeq{1});
  EXPECT_NE(sent->id, mailbox(bob_, "Sent").id);
  // Only INBOX ignores case.
  EXPECT_EQ(store_->find_mailbox(alice_, "sent").error(), StoreError::kNotFound);
  EXPECT_EQ(store_->find_mailbox(alice_, "Nope").error(), StoreError::kNotFound);
  EXPECT_EQ(store_->find_mailbox(AccountId{999}, "INBOX").error(), StoreError::kNotFound);
}

TEST_F(MailboxAdminTest, CreateMailbox) {
  const std::uint32_t before = highest_uid_validity(alice_);
  auto created = store_->create_mailbox(alice_, "Projects");
  ASSERT_TRUE(created.has_value()) << describe(created.error());
  EXPECT_EQ(created->name, "Projects");
  EXPECT_EQ(created->special_use, "");
  EXPECT_EQ(created->uid_next, Uid{1});
  EXPECT_EQ(created->highest_modseq, ModSeq{1});
  EXPECT_GT(static_cast<std::uint32_t>(created->uid_validity), before);
  EXPECT_EQ(mailbox(alice_, "Projects"), *created);
  EXPECT_EQ(names(alice_),
            (Names{"Archive", "Drafts", "INBOX", "Junk", "Projects", "Sent", "Trash"}));
  EXPECT_EQ(names(bob_), (Names{"Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"}));
  EXPECT_EQ(*store_->list_subscriptions(alice_),
            (Names{"Archive", "Drafts", "INBOX", "Junk", "Projects", "Sent", "Trash"}));

  auto flagged = store_->create_mailbox(alice_, "Projects/Starred", "\\flagged");
  ASSERT_TRUE(flagged.has_value());
  EXPECT_EQ(flagged->special_use, "\\Flagged");
  EXPECT_GT(flagged->uid_validity, created->uid_validity);
  // Parents are not required.
  EXPECT_TRUE(store_->create_mailbox(alice_, "No/Parent/Here").has_value());
  EXPECT_TRUE(store_->create_mailbox(alice_, "Entw\xC3\xBCrfe").has_value());
}

TEST_F(MailboxAdminTest, CreateMailboxErrors) {
  EXPECT_EQ(store_->create_mailbox(alice_, "Sent").error(), StoreError::kExists);
  EXPECT_EQ(store_->create_mailbox(alice_, "INBOX").error(), StoreError::kExists);
  EXPECT_EQ(store_->create_mailbox(alice_, "inbox").error(), StoreError::kExists);
  for (std::string_view bad : {"", "/a", "a/", "a//b", "a\tb", "a\x7f", "\xC2\x85", "\xFF"}) {
    EXPECT_EQ(store_->create_mailbox(alice_, bad).error(), StoreError::kInvalid) << bad;
  }
  EXPECT_EQ(store_->create_mailbox(alice_, std::string(1001, 'x')).error(), StoreError::kInvalid);
  EXPECT_TRUE(store_->create_mailbox(alice_, std::string(1000, 'x')).has_value());
  EXPECT_EQ(store_->create_mailbox(alice_, "Box", "\\Important").error(), StoreError::kInvalid);
  EXPECT_EQ(store_->create_mailbox(alice_, "Box", "Sent").error(), StoreError::kInvalid);
  EXPECT_EQ(store_->create_mailbox(AccountId{999}, "Box").error(), StoreError::kNotFound);
  EXPECT_EQ(store_->create_mailbox(AccountId{999}, "INBOX").error(), StoreError::kNotFound);
  EXPECT_EQ(names(alice_).size(), 7u);  // The six standard ones and the 1000-octet one.
}

TEST_F(MailboxAdminTest, CreateMailboxLimit) {
  {
    RawDatabase raw(dir_.path());
    // 6 standard mailboxes + 9994 = 10,000.
    ASSERT_TRUE(raw.exec(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9994) "
        "INSERT INTO mailboxes (account_id, name, uid_validity) SELECT " +
        std::to_string(static_cast<std::int64_t>(alice_)) + ", 'box' || i, 1 FROM n"));
  }
  EXPECT_EQ(store_->create_mailbox(alice_, "One more").error(), StoreError::kOverQuota);
  EXPECT_TRUE(store_->create_mailbox(bob_, "One more").has_value());  // Per account.
  ASSERT_TRUE(store_->delete_mailbox(alice_, "box1").has_value());
  EXPECT_TRUE(store_->create_mailbox(alice_, "One more").has_value());
}

TEST_F(MailboxAdminTest, DeleteMailbox) {
  const MailboxInfo old = *store_->create_mailbox(alice_, "Old");
  ASSERT_TRUE(store_->create_mailbox(alice_, "Old/Child").has_value());
  add(old.id, "one");
  add(old.id, "two");
  add(inbox(alice_).id, "kept");
  ASSERT_EQ(store_->quota(alice_)->messages, 3u);

  ASSERT_TRUE(store_->delete_mailbox(alice_, "Old").has_value());
  EXPECT_EQ(store_->find_mailbox(alice_, "Old").error(), StoreError::kNotFound);
  EXPECT_EQ(store_->list_messages(old.id).error(), StoreError::kNotFound);
  EXPECT_TRUE(store_->find_mailbox(alice_, "Old/Child").has_value());  // Children stay.
  EXPECT_EQ(*store_->quota(alice_), (QuotaUsage{4, 1, 0}));            // "kept" only.
  RawDatabase raw(dir_.path());
  EXPECT_EQ(raw.query_int("SELECT sum(refcount) FROM blobs"), 1);
  EXPECT_EQ(raw.query_int("SELECT count(*) FROM messages"), 1);
  // RFC 9051 §6.3.7: the subscription is a name and outlives the mailbox.
  const Names subscriptions = *store_->list_subscriptions(alice_);
  EXPECT_NE(std::find(subscriptions.begin(), subscriptions.end(), "Old"), subscriptions.end());

  // A new mailbox of the same name never reuses the UIDVALIDITY (RFC 9051 §2.3.1.1).
  const MailboxInfo again = *store_->create_mailbox(alice_, "Old");
  EXPECT_GT(again.uid_validity, old.uid_validity);
  EXPECT_EQ(again.uid_next, Uid{1});
}

TEST_F(MailboxAdminTest, DeleteMailboxErrors) {
  EXPECT_EQ(store_->delete_mailbox(alice_, "INBOX").error(), StoreError::kInvalid);
  EXPECT_EQ(store_->delete_mailbox(alice_, "inbox").error(), StoreError::kInvalid);
  EXPECT_EQ(store_->delete_mailbox(alice_, "Nope").error(), StoreError::kNotFound);
  EXPECT_EQ(store_->delete_mailbox(alice_, "sent").error(), StoreError::kNotFound);
  EXPECT_EQ(store_->delete_mailbox(AccountId{999}, "Sent").error(), StoreError::kNotFound);
  EXPECT_EQ(names(alice_).size(), 6u);
}

TEST_F(MailboxAdminTest, RenameMovesChildrenAndSubscriptions) {
  const MailboxInfo work = *store_->create_mailbox(alice_, "Work");
  const MailboxInfo year = *store_->create_mailbox(alice_, "Work/2023");
  const MailboxInfo quarter = *store_->create_mailbox(alice_, "Work/2023/Q1");
  const MailboxInfo workshop = *store_->create_mailbox(alice_, "Workshop");  // Not a child.
  add(year.id, "report");
  ASSERT_TRUE(store_->set_subscribed(alice_, "Work/2023", false).has_value());

  ASSERT_TRUE(store_->rename_mailbox(alice_, "Work", "Archive/Work").has_value());
  EXPECT_EQ(names(alice_), (Names{"Archive", "Archive/Work", "Archive/Work/2023",
                                  "Archive/Work/2023/Q1", "Drafts", "INBOX", "Junk", "Sent",
                                  "Trash", "Workshop"}));
  // Same mailboxes, same UIDVALIDITY and counters, new names.
  MailboxInfo want = work;
  want.name = "Archive/Work";
  EXPECT_EQ(mailbox(alice_, "Archive/Work"), want);
  want = quarter;
  want.name = "Archive/Work/2023/Q1";
  EXPECT_EQ(mailbox(alice_, "Archive/Work/2023/Q1"), want);
  const MailboxInfo moved_year = mailbox(alice_, "Archive/Work/2023");
  EXPECT_EQ(moved_year.id, year.id);
  EXPECT_EQ(moved_year.uid_validity, year.uid_validity);
  EXPECT_EQ(uids(year.id), (std::vector<std::uint32_t>{1}));
  EXPECT_EQ(mailbox(alice_, "Workshop"), workshop);
  // Subscriptions followed; the unsubscribed child stayed unsubscribed.
  EXPECT_EQ(*store_->list_subscriptions(alice_),
            (Names{"Archive", "Archive/Work", "Archive/Work/2023/Q1", "Drafts", "INBOX", "Junk",
                   "Sent", "Trash", "Workshop"}));

  // Moving up the hierarchy is fine too.
  ASSERT_TRUE(store_->rename_mailbox(alice_, "Archive/Work/2023", "2023").has_value());
  EXPECT_EQ(mailbox(alice_, "2023").id, year.id);
  EXPECT_EQ(mailbox(alice_, "2023/Q1").id, quarter.id);
}

TEST_F(MailboxAdminTest, RenameErrorsChangeNothing) {
  ASSERT_TRUE(store_->create_mailbox(alice_, "X").has_value());
  ASSERT_TRUE(store_->create_mailbox(alice_, "X/c").has_value());
  ASSERT_TRUE(store_->create_mailbox(alice_, "Y/c").has_value());
  const Names before = names(alice_);

  EXPECT_EQ(store_->rename_mailbox(alice_, "Nope", "Z").error(), StoreError::kNotFound);
  EXPECT_EQ(store_->rename_mailbox(alice_, "x", "Z").error(), StoreError::kNotFound);
  EXPECT_EQ(store_->rename_mailbox(alice_, "X", "Sent").error(), StoreError::kExists);
  EXPECT_EQ(store_->rename_mailbox(alice_, "X", "X").error(), StoreError::kExists);
  EXPECT_EQ(store_->rename_mailbox(alice_, "X", "inbox").error(), StoreError::kExists);
  // "Y" is free, but the child "X/c" would become "Y/c", which is taken.
  EXPECT_EQ(store_->rename_mailbox(alice_, "X", "Y").error(), StoreError::kExists);
  EXPECT_EQ(store_->rename_mailbox(alice_, "X", "X/sub").error(), StoreError::kInvalid);
  EXPECT_EQ(store_->rename_mailbox(alice_, "X", "a//b").error(), StoreError::kInvalid);
  EXPECT_EQ(store_->rename_mailbox(alice_, "X", "").error(), StoreError::kInvalid);
  // A child's new name would pass 1000 octets.
  EXPECT_EQ(store_->rename_mailbox(alice_, "X", std::string(999, 'z')).error(),
            StoreError::kInvalid);
  EXPECT_EQ(store_->rename_mailbox(AccountId{999}, "X", "Z").error(), StoreError::kNotFound);
  EXPECT_EQ(names(alice_), before);
}

TEST_F(MailboxAdminTest, RenameInboxMovesItsMessagesToANewMailbox) {
  const MailboxInfo inbox_before = inbox(alice_);
  ASSERT_TRUE(store_->create_mailbox(alice_, "INBOX/Sub").has_value());
  add(inbox_before.id, "first", MessageFlags::kSeen, {}, kDate);
  add(inbox_before.id, "second", MessageFlags::kFlagged, {"Work"}, kDate + 1);
  add(inbox_before.id, "third", MessageFlags::kNone, {}, kDate + 2);
  ASSERT_TRUE(store_->expunge(inbox_before.id, std::vector<Uid>{Uid{3}}).has_value());
  const MailboxInfo full = inbox(alice_);  // uid_next 4, highest_modseq 5
  const auto before = *store_->list_messages(full.id);
  ASSERT_EQ(full.highest_modseq, ModSeq{5});

  ASSERT_TRUE(store_->rename_mailbox(alice_, "inbox", "Old Mail").has_value());

  // INBOX stays, with its UIDVALIDITY and UIDNEXT, empty; the moves are logged as expunges.
  const MailboxInfo emptied = inbox(alice_);
  EXPECT_EQ(emptied.id, full.id);
  EXPECT_EQ(emptied.uid_validity, full.uid_validity);
  EXPECT_EQ(emptied.uid_next, Uid{4});
  EXPECT_EQ(emptied.highest_modseq, ModSeq{6});
  EXPECT_TRUE(store_->list_messages(emptied.id)->empty());
  auto changes = store_->changes_since(emptied.id, full.highest_modseq);
  ASSERT_TRUE(changes.has_value());
  EXPECT_EQ(testing::numbers(changes->expunged), (std::vector<std::uint32_t>{1, 2}));
  EXPECT_TRUE(store_->find_mailbox(alice_, "INBOX/Sub").has_value());  // Children stay.

  // The new mailbox: fresh UIDVALIDITY, UIDs from 1, one MODSEQ, flags and dates kept.
  const MailboxInfo old_mail = mailbox(alice_, "Old Mail");
  EXPECT_GT(old_mail.uid_validity, full.uid_validity);
  EXPECT_EQ(old_mail.special_use, "");
  EXPECT_EQ(old_mail.uid_next, Uid{3});
  EXPECT_EQ(old_mail.highest_modseq, ModSeq{2});
  auto moved = store_->list_messages(old_mail.id);
  ASSERT_EQ(moved->size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ((*moved)[i].uid, Uid(i + 1));
    EXPECT_EQ((*moved)[i].modseq, ModSeq{2});
    EXPECT_EQ((*moved)[i].flags, before[i].flags);
    EXPECT_EQ((*moved)[i].keywords, before[i].keywords);
    EXPECT_EQ((*moved)[i].internal_date, before[i].internal_date);
    EXPECT_EQ((*moved)[i].blob_hash, before[i].blob_hash);
  }
  const Names subscriptions = *store_->list_subscriptions(alice_);
  EXPECT_NE(std::find(subscriptions.begin(), subscriptions.end(), "Old Mail"),
            subscriptions.end());
  EXPECT_EQ(store_->quota(alice_)->messages, 2u);
  RawDatabase raw(dir_.path());
  EXPECT_EQ(raw.query_int("SELECT sum(refcount) FROM blobs"), 2);

  // Again, into a child of INBOX (its children are not moved, so this is no loop).
  add(emptied.id, "fourth");
  ASSERT_TRUE(store_->rename_mailbox(alice_, "INBOX", "INBOX/Older").has_value());
  EXPECT_EQ(uids(mailbox(alice_, "INBOX/Older").id), (std::vector<std::uint32_t>{1}));
  EXPECT_EQ(store_->rename_mailbox(alice_, "INBOX", "Old Mail").error(), StoreError::kExists);
  EXPECT_EQ(store_->rename_mailbox(alice_, "INBOX", "Inbox").error(), StoreError::kExists);
}

TEST_F(MailboxAdminTest, Subscriptions) {
  const Names standard = {"Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"};
  EXPECT_EQ(*store_->list_subscriptions(alice_), standard);
  // A name without a mailbox may be subscribed (RFC 9051 §6.3.7); twice is fine.
  ASSERT_TRUE(store_->set_subscribed(alice_, "Elsewhere", true).has_value());
  ASSERT_TRUE(store_->set_subscribed(alice_, "Elsewhere", true).has_value());
  ASSERT_TRUE(store_->set_subscribed(alice_, "Sent", false).has_value());
  ASSERT_TRUE(store_->set_subscribed(alice_, "Never", false).has_value());
  ASSERT_TRUE(store_->set_subscribed(alice_, "inbox", false).has_value());
  EXPECT_EQ(*store_->list_subscriptions(alice_),
            (Names{"Archive", "Drafts", "Elsewhere", "Junk", "Trash"}));
  ASSERT_TRUE(store_->set_subscribed(alice_, "Inbox", true).has_value());
  EXPECT_EQ(*store_->list_subscriptions(alice_),
            (Names{"Archive", "Drafts", "Elsewhere", "INBOX", "Junk", "Trash"}));
  EXPECT_EQ(*store_->list_subscriptions(bob_), standard);

  EXPECT_EQ(store_->set_subscribed(alice_, "a//b", true).error(), StoreError::kInvalid);
  EXPECT_EQ(store_->set_subscribed(alice_, "", false).error(), StoreError::kInvalid);
  EXPECT_EQ(store_->set_subscribed(AccountId{999}, "Sent", true).error(), StoreError::kNotFound);
  EXPECT_EQ(store_->list_subscriptions(AccountId{999}).error(), StoreError::kNotFound);
}

TEST_F(MailboxAdminTest, MailboxCounts) {
  const MailboxId box = inbox(alice_).id;
  EXPECT_EQ(*store_->mailbox_counts(box), (MailboxCounts{0, 0, 0, 0}));
  add(box, "1234567890", MessageFlags::kSeen);
  add(box, "12345", MessageFlags::kSeen | MessageFlags::kDeleted);
  add(box, "123", MessageFlags::kDeleted | MessageFlags::kFlagged);
  add(box, "1", MessageFlags::kAnswered);
  add(mailbox(alice_, "Sent").id, "elsewhere");
  EXPECT_EQ(*store_->mailbox_counts(box), (MailboxCounts{4, 2, 2, 19}));
  EXPECT_EQ(store_->mailbox_counts(MailboxId{999}).error(), StoreError::kNotFound);
}

}  // namespace
}  // namespace redoubt::store

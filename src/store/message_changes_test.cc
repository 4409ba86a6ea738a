// Store: store_flags, expunge and changes_since (RFC 7162 CONDSTORE/QRESYNC bookkeeping).

#include <gtest/gtest.h>

#include "store/store.h"
#include "store/test_support.h"

namespace redoubt::store {
namespace {

using testing::MailTest;
using testing::numbers;
using testing::RawDatabase;
using Keywords = std::vector<std::string>;
using Numbers = std::vector<std::uint32_t>;

// INBOX of alice with three messages: UIDs 1, 2, 3 with MODSEQs 2, 3, 4.
class MessageChangesTest : public MailTest {
 protected:
  void SetUp() override {
    MailTest::SetUp();
    box_ = inbox(alice_).id;
    for (const char* body : {"one", "two", "three"}) add(box_, body);
  }

  FlagUpdateResult store(std::vector<Uid> uids, FlagUpdate::Mode mode, MessageFlags flags,
                         Keywords keywords = {}, std::optional<ModSeq> unchanged_since = {}) {
    auto result =
        store_->store_flags(box_, uids, FlagUpdate{mode, flags, keywords, unchanged_since});
    REDOUBT_CHECK(result.has_value());
    return std::move(*result);
  }

  MessageInfo message(std::uint32_t uid) {
    const auto messages = store_->list_messages(box_);  // Named: the loop borrows it.
    for (const MessageInfo& m : *messages) {
      if (m.uid == Uid{uid}) return m;
    }
    ADD_FAILURE() << "no UID " << uid;
    return {};
  }

  ModSeq highest() { return inbox(alice_).highest_modseq; }

  MailboxId box_{};
};

using Mode = FlagUpdate::Mode;
constexpr MessageFlags kSeen = MessageFlags::kSeen;
constexpr MessageFlags kFlagged = MessageFlags::kFlagged;
constexpr MessageFlags kDeleted = MessageFlags::kDeleted;

std::vector<Uid> uid_list(std::initializer_list<std::uint32_t> values) {
  std::vector<Uid> out;
  for (std::uint32_t v : values) out.push_back(Uid{v});
  return out;
}

TEST_F(MessageChangesTest, AddedMessagesGetAscendingUidsAndModSeqs) {
  auto messages = *store_->list_messages(box_);
  ASSERT_EQ(messages.size(), 3u);
  for (std::uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(messages[i].uid, Uid{i + 1});
    EXPECT_EQ(messages[i].modseq, ModSeq{i + 2});
    EXPECT_TRUE(messages[i].keywords.empty());
  }
  EXPECT_EQ(highest(), ModSeq{4});
  EXPECT_EQ(inbox(alice_).uid_next, Uid{4});
}

TEST_F(MessageChangesTest, OneModSeqPerOperationAndOnlyForRealChanges) {
  FlagUpdateResult first = store(uid_list({1, 3}), Mode::kAdd, kSeen);
  ASSERT_EQ(first.changed.size(), 2u);
  EXPECT_EQ(first.changed[0].uid, Uid{1});
  EXPECT_EQ(first.changed[1].uid, Uid{3});
  for (const MessageInfo& m : first.changed) {
    EXPECT_EQ(m.modseq, ModSeq{5});
    EXPECT_EQ(m.flags, kSeen);
    EXPECT_EQ(m, message(static_cast<std::uint32_t>(m.uid)));  // What is stored now.
  }
  EXPECT_TRUE(first.modified.empty());
  EXPECT_EQ(highest(), ModSeq{5});
  EXPECT_EQ(message(2).modseq, ModSeq{3});

  // 1 and 3 are \Seen already: only 2 changes.
  FlagUpdateResult second = store(uid_list({1, 2, 3}), Mode::kAdd, kSeen);
  ASSERT_EQ(second.changed.size(), 1u);
  EXPECT_EQ(second.changed[0].uid, Uid{2});
  EXPECT_EQ(second.changed[0].modseq, ModSeq{6});
  EXPECT_EQ(message(1).modseq, ModSeq{5});

  // Nothing to do: no MODSEQ taken.
  EXPECT_TRUE(store(uid_list({1, 2, 3}), Mode::kAdd, kSeen).changed.empty());
  EXPECT_EQ(highest(), ModSeq{6});
}

TEST_F(MessageChangesTest, ReplaceAddRemove) {
  store(uid_list({1, 2}), Mode::kAdd, kSeen | kFlagged, {"Work", "$Label1"});
  EXPECT_EQ(message(1).flags, kSeen | kFlagged);
  EXPECT_EQ(message(1).keywords, (Keywords{"$Label1", "Work"}));

  FlagUpdateResult removed = store(uid_list({1}), Mode::kRemove, kSeen, {"work"});
  ASSERT_EQ(removed.changed.size(), 1u);
  EXPECT_EQ(removed.changed[0].flags, kFlagged);
  EXPECT_EQ(removed.changed[0].keywords, Keywords{"$Label1"});

  FlagUpdateResult replaced = store(uid_list({1, 2, 3}), Mode::kReplace, kDeleted, {"Home"});
  EXPECT_EQ(replaced.changed.size(), 3u);
  for (std::uint32_t uid : {1u, 2u, 3u}) {
    EXPECT_EQ(message(uid).flags, kDeleted);
    EXPECT_EQ(message(uid).keywords, Keywords{"Home"});
    EXPECT_EQ(message(uid).modseq, ModSeq{7});
  }
  store(uid_list({1, 2, 3}), Mode::kReplace, MessageFlags::kNone);
  EXPECT_EQ(message(3).flags, MessageFlags::kNone);
  EXPECT_TRUE(message(3).keywords.empty());
}

TEST_F(MessageChangesTest, KeywordsIgnoreCaseAndStaySorted) {
  store(uid_list({1}), Mode::kAdd, MessageFlags::kNone, {"b", "Work", "A"});
  EXPECT_EQ(message(1).keywords, (Keywords{"A", "b", "Work"}));
  const ModSeq before = highest();
  // The same keywords in another case: already there, kept as first spelled, nothing changes.
  EXPECT_TRUE(store(uid_list({1}), Mode::kAdd, MessageFlags::kNone, {"WORK", "a"}).changed.empty());
  EXPECT_TRUE(
      store(uid_list({1}), Mode::kReplace, MessageFlags::kNone, {"B", "work", "a"}).changed.empty());
  EXPECT_EQ(highest(), before);
  EXPECT_EQ(message(1).keywords, (Keywords{"A", "b", "Work"}));
  store(uid_list({1}), Mode::kRemove, MessageFlags::kNone, {"WORK"});
  EXPECT_EQ(message(1).keywords, (Keywords{"A", "b"}));
}

TEST_F(MessageChangesTest, InvalidKeywordsChangeNothing) {
  const ModSeq before = highest();
  for (const char* bad : {"", "a b", "\\Seen", "a(", "a]", "{", "\x01", "caf\xC3\xA9"}) {
    auto result =
        store_->store_flags(box_, uid_list({1}), FlagUpdate{Mode::kAdd, kSeen, {"ok", bad}, {}});
    ASSERT_FALSE(result.has_value()) << bad;
    EXPECT_EQ(result.error(), StoreError::kInvalid);
  }
  Keywords many;
  for (int i = 0; i < 65; ++i) many.push_back("k" + std::to_string(i));
  EXPECT_EQ(store_->store_flags(box_, uid_list({1}), FlagUpdate{Mode::kAdd, {}, many, {}}).error(),
            StoreError::kInvalid);
  EXPECT_EQ(highest(), before);
  EXPECT_EQ(message(1).flags, MessageFlags::kNone);

  // 64 fit; adding more to a message that has them does not.
  many.pop_back();
  store(uid_list({1}), Mode::kAdd, MessageFlags::kNone, many);
  EXPECT_EQ(message(1).keywords.size(), 64u);
  EXPECT_EQ(
      store_->store_flags(box_, uid_list({1}), FlagUpdate{Mode::kAdd, {}, {"extra"}, {}}).error(),
      StoreError::kInvalid);
  EXPECT_EQ(message(1).keywords.size(), 64u);
}

TEST_F(MessageChangesTest, UnchangedSinceReportsModified) {
  // MODSEQs are 2, 3, 4: UNCHANGEDSINCE 3 lets 1 and 2 through and stops 3.
  FlagUpdateResult result = store(uid_list({1, 2, 3}), Mode::kAdd, kFlagged, {}, ModSeq{3});
  ASSERT_EQ(result.changed.size(), 2u);
  EXPECT_EQ(result.changed[0].uid, Uid{1});
  EXPECT_EQ(result.changed[1].uid, Uid{2});
  EXPECT_EQ(numbers(result.modified), Numbers{3});
  EXPECT_EQ(message(3).flags, MessageFlags::kNone);
  EXPECT_EQ(message(3).modseq, ModSeq{4});

  // Both changed messages now have MODSEQ 5: UNCHANGEDSINCE 4 stops all but nothing else.
  FlagUpdateResult stopped = store(uid_list({1, 2, 3}), Mode::kAdd, kSeen, {}, ModSeq{4});
  EXPECT_EQ(numbers(stopped.modified), (Numbers{1, 2}));
  ASSERT_EQ(stopped.changed.size(), 1u);
  EXPECT_EQ(stopped.changed[0].uid, Uid{3});
  // UNCHANGEDSINCE 0 fails for every message (RFC 7162 §3.1.3).
  EXPECT_EQ(numbers(store(uid_list({2}), Mode::kAdd, kDeleted, {}, ModSeq{0}).modified),
            Numbers{2});
}

TEST_F(MessageChangesTest, AbsentUidsAndUnknownBits) {
  // UIDs not in the mailbox are ignored; the order given does not matter.
  FlagUpdateResult result = store(uid_list({99, 2, 7}), Mode::kAdd, kSeen | MessageFlags(1u << 9));
  ASSERT_EQ(result.changed.size(), 1u);
  EXPECT_EQ(result.changed[0].uid, Uid{2});
  EXPECT_EQ(message(2).flags, kSeen);  // Undefined bits are not stored.
  EXPECT_TRUE(store(uid_list({}), Mode::kAdd, kSeen).changed.empty());
  EXPECT_EQ(store_->store_flags(MailboxId{999}, uid_list({1}), FlagUpdate{}).error(),
            StoreError::kNotFound);
}

TEST_F(MessageChangesTest, Expunge) {
  const ModSeq before = highest();
  auto removed = store_->expunge(box_, uid_list({1, 3, 99}));
  ASSERT_TRUE(removed.has_value());
  EXPECT_EQ(numbers(*removed), (Numbers{1, 3}));
  EXPECT_EQ(uids(box_), Numbers{2});
  EXPECT_EQ(highest(), ModSeq{5});
  EXPECT_EQ(store_->quota(alice_)->messages, 1u);
  EXPECT_EQ(store_->quota(alice_)->used_bytes, 3u);  // "two"
  RawDatabase raw(dir_.path());
  EXPECT_EQ(raw.query_int("SELECT sum(refcount) FROM blobs"), 1);

  auto changes = store_->changes_since(box_, before);
  ASSERT_TRUE(changes.has_value());
  EXPECT_EQ(numbers(changes->expunged), (Numbers{1, 3}));
  EXPECT_TRUE(changes->changed.empty());

  // Nothing to remove: no MODSEQ taken.
  EXPECT_TRUE(store_->expunge(box_, uid_list({1, 3}))->empty());
  EXPECT_TRUE(store_->expunge(box_, uid_list({}))->empty());
  EXPECT_EQ(highest(), ModSeq{5});
  EXPECT_EQ(store_->expunge(MailboxId{999}, uid_list({1})).error(), StoreError::kNotFound);
  // UIDs are never reused.
  EXPECT_EQ(add(box_, "four").uid, Uid{4});
}

TEST_F(MessageChangesTest, ChangesSince) {
  // Since 0: everything.
  auto all = store_->changes_since(box_, ModSeq{0});
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->mailbox, inbox(alice_));
  EXPECT_EQ(*store_->list_messages(box_), all->changed);
  EXPECT_TRUE(all->expunged.empty());

  // Since the current HIGHESTMODSEQ: nothing.
  auto none = store_->changes_since(box_, ModSeq{4});
  EXPECT_TRUE(none->changed.empty());
  EXPECT_TRUE(none->expunged.empty());

  store(uid_list({2}), Mode::kAdd, kSeen);      // MODSEQ 5
  ASSERT_TRUE(store_->expunge(box_, uid_list({3})).has_value());  // 6
  add(box_, "four");                            // UID 4, MODSEQ 7
  store(uid_list({1}), Mode::kAdd, kFlagged);   // 8

  auto since4 = *store_->changes_since(box_, ModSeq{4});
  EXPECT_EQ(since4.mailbox.highest_modseq, ModSeq{8});
  EXPECT_EQ(since4.mailbox.uid_next, Uid{5});
  Numbers changed;
  for (const MessageInfo& m : since4.changed) changed.push_back(static_cast<std::uint32_t>(m.uid));
  EXPECT_EQ(changed, (Numbers{1, 2, 4}));  // Ascending UID, whatever the MODSEQ order.
  EXPECT_EQ(since4.changed[0].modseq, ModSeq{8});
  EXPECT_EQ(since4.changed[0].flags, kFlagged);
  EXPECT_EQ(numbers(since4.expunged), Numbers{3});

  auto since6 = *store_->changes_since(box_, ModSeq{6});
  EXPECT_EQ(since6.changed.size(), 2u);
  EXPECT_TRUE(since6.expunged.empty());
  auto since0 = *store_->changes_since(box_, ModSeq{0});
  EXPECT_EQ(since0.changed.size(), 3u);
  EXPECT_EQ(numbers(since0.expunged), Numbers{3});
  // A MODSEQ beyond SQLite's integers selects nothing rather than everything.
  auto huge = *store_->changes_since(box_, ModSeq{~std::uint64_t{0}});
  EXPECT_TRUE(huge.changed.empty());
  EXPECT_TRUE(huge.expunged.empty());

  EXPECT_EQ(store_->changes_since(MailboxId{999}, ModSeq{0}).error(), StoreError::kNotFound);
}

TEST_F(MessageChangesTest, ListMessagesReadsKeywordsFromTheColumn) {
  RawDatabase raw(dir_.path());
  ASSERT_TRUE(raw.exec("UPDATE messages SET keywords = 'zeta Alpha  beta ALPHA' WHERE uid = 1"));
  EXPECT_EQ(message(1).keywords, (Keywords{"Alpha", "beta", "zeta"}));
}

}  // namespace
}  // namespace redoubt::store

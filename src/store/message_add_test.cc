// Store: append and copy_messages (IMAP APPEND, COPY and MOVE with RFC 4315 COPYUID).

#include <gtest/gtest.h>

#include "store/store.h"
#include "store/test_support.h"

namespace redoubt::store {
namespace {

using testing::MailTest;
using testing::numbers;
using testing::put_blob;
using testing::RawDatabase;
using Keywords = std::vector<std::string>;
using Numbers = std::vector<std::uint32_t>;
using UidPairs = std::vector<std::pair<Uid, Uid>>;

std::vector<Uid> uid_list(std::initializer_list<std::uint32_t> values) {
  std::vector<Uid> out;
  for (std::uint32_t v : values) out.push_back(Uid{v});
  return out;
}

class MessageAddTest : public MailTest {
 protected:
  std::int64_t refcount(const std::string& hash) {
    RawDatabase raw(dir_.path());
    return raw.query_int("SELECT refcount FROM blobs WHERE hash = '" + hash + "'");
  }
};

TEST_F(MessageAddTest, Append) {
  const MailboxInfo box = mailbox(alice_, "Drafts");
  const BlobRef blob = put_blob(*store_, "Subject: draft\r\n\r\nbody\r\n");
  const std::string keywords[] = {"b", "$Label1", "B"};
  auto appended = store_->append(box.id, blob, MessageFlags::kDraft | MessageFlags::kSeen,
                                 keywords, kDate - 60);
  ASSERT_TRUE(appended.has_value()) << describe(appended.error());
  EXPECT_EQ(*appended, (AppendedMessage{box.uid_validity, Uid{1}, ModSeq{2}}));

  auto messages = store_->list_messages(box.id);
  ASSERT_EQ(messages->size(), 1u);
  const MessageInfo& m = messages->front();
  EXPECT_EQ(m.uid, Uid{1});
  EXPECT_EQ(m.modseq, ModSeq{2});
  EXPECT_EQ(m.flags, MessageFlags::kDraft | MessageFlags::kSeen);
  EXPECT_EQ(m.keywords, (Keywords{"$Label1", "b"}));
  EXPECT_EQ(m.internal_date, kDate - 60);
  EXPECT_EQ(m.size, blob.size);
  EXPECT_EQ(m.blob_hash, blob.hash);
  EXPECT_EQ(*store_->read_blob(m.blob_hash), "Subject: draft\r\n\r\nbody\r\n");
  EXPECT_EQ(refcount(blob.hash), 1);

  // The same body again: shared, with the next UID and MODSEQ.
  auto again = store_->append(box.id, blob, MessageFlags::kNone, {}, kDate);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, (AppendedMessage{box.uid_validity, Uid{2}, ModSeq{3}}));
  EXPECT_EQ(refcount(blob.hash), 2);
  EXPECT_EQ(mailbox(alice_, "Drafts").uid_next, Uid{3});
  EXPECT_EQ(mailbox(alice_, "Drafts").highest_modseq, ModSeq{3});
  EXPECT_EQ(store_->mailbox_counts(box.id)->messages, 2u);
}

// A body's summary is saved with the first message that references it, read back by version,
// and replaced only by a newer version.
TEST_F(MessageAddTest, SummariesTravelWithTheBody) {
  const MailboxInfo box = mailbox(alice_, "Drafts");
  BlobRef blob = put_blob(*store_, "Subject: s\r\n\r\nbody\r\n");
  const BlobRef bare = put_blob(*store_, "no summary");
  blob.summary = MessageSummary{.version = 2, .envelope = "(NIL \"s\")", .body = "(b)", .body_structure = "(bs)"};
  ASSERT_TRUE(store_->append(box.id, blob, {}, {}, kDate).has_value());
  ASSERT_TRUE(store_->append(box.id, bare, {}, {}, kDate).has_value());

  const std::string hashes[] = {blob.hash, bare.hash, std::string(64, 'f')};
  auto read = store_->summaries(hashes, 2);
  ASSERT_TRUE(read.has_value());
  ASSERT_EQ(read->size(), 3u);
  EXPECT_EQ((*read)[0], blob.summary);
  EXPECT_EQ((*read)[1], std::nullopt);
  EXPECT_EQ((*read)[2], std::nullopt);
  EXPECT_EQ((*store_->summaries(hashes, 1))[0], std::nullopt);  // Another version: not used.

  // An older version does not overwrite; a newer one does. Copies share the body's row.
  BlobRef older = blob;
  older.summary->version = 1;
  older.summary->envelope = "old";
  ASSERT_TRUE(store_->append(box.id, older, {}, {}, kDate).has_value());
  EXPECT_EQ((*store_->summaries(hashes, 2))[0], blob.summary);
  BlobRef newer = blob;
  newer.summary->version = 3;
  ASSERT_TRUE(store_->append(box.id, newer, {}, {}, kDate).has_value());
  EXPECT_EQ((*store_->summaries(hashes, 3))[0], newer.summary);
  const MailboxInfo trash = mailbox(alice_, "Trash");
  ASSERT_TRUE(store_->copy_messages(box.id, uid_list({1}), trash.id, false).has_value());
  EXPECT_EQ(store_->list_messages(trash.id)->front().blob_hash, blob.hash);
}

TEST_F(MessageAddTest, AppendErrors) {
  const MailboxId box = inbox(alice_).id;
  const BlobRef blob = put_blob(*store_, "body");
  EXPECT_EQ(store_->append(MailboxId{999}, blob, {}, {}, kDate).error(), StoreError::kNotFound);
  EXPECT_EQ(store_->append(box, BlobRef{std::string(64, '0'), 4}, {}, {}, kDate).error(),
            StoreError::kNotFound);
  EXPECT_EQ(store_->append(box, BlobRef{blob.hash, 5}, {}, {}, kDate).error(),
            StoreError::kInvalid);
  EXPECT_EQ(store_->append(box, BlobRef{"../x", 4}, {}, {}, kDate).error(), StoreError::kInvalid);
  const std::string bad[] = {"\\Seen"};
  EXPECT_EQ(store_->append(box, blob, {}, bad, kDate).error(), StoreError::kInvalid);
  EXPECT_TRUE(store_->list_messages(box)->empty());
  EXPECT_EQ(inbox(alice_).uid_next, Uid{1});
  EXPECT_EQ(inbox(alice_).highest_modseq, ModSeq{1});
  RawDatabase raw(dir_.path());
  EXPECT_EQ(raw.query_int("SELECT count(*) FROM blobs"), 0);
}

TEST_F(MessageAddTest, AppendStopsWhenUidsRunOut) {
  const MailboxId box = inbox(alice_).id;
  {
    RawDatabase raw(dir_.path());
    ASSERT_TRUE(raw.exec("UPDATE mailboxes SET uid_next = 4294967295 WHERE id = " +
                         std::to_string(static_cast<std::int64_t>(box))));
  }
  EXPECT_EQ(add(box, "last").uid, Uid{4294967295});
  const BlobRef blob = put_blob(*store_, "one too many");
  EXPECT_EQ(store_->append(box, blob, {}, {}, kDate).error(), StoreError::kOverQuota);
  EXPECT_EQ(uids(box), Numbers{4294967295});
}

// RFC 3502 MULTIAPPEND: one transaction, consecutive UIDs, one MODSEQ.
TEST_F(MessageAddTest, AppendSeveral) {
  const MailboxInfo box = mailbox(alice_, "Drafts");
  add(box.id, "already there");  // UID 1, MODSEQ 2.
  BlobRef one = put_blob(*store_, "Subject: one\r\n\r\n1\r\n");
  one.summary = MessageSummary{.version = 2, .envelope = "(one)", .body = "(b)", .body_structure = "(bs)"};
  const BlobRef two = put_blob(*store_, "Subject: two\r\n\r\n2\r\n");
  const std::string work[] = {"Work"};
  const AppendRequest requests[] = {
      {one, MessageFlags::kSeen, work, kDate + 1},
      {two, MessageFlags::kNone, {}, kDate + 2},
      {one, MessageFlags::kFlagged, {}, kDate + 3},  // The same body twice: shared.
  };
  const std::uint64_t commits = store_->commit_count();
  auto appended = store_->append(box.id, requests);
  ASSERT_TRUE(appended.has_value()) << describe(appended.error());
  EXPECT_EQ(store_->commit_count(), commits + 1);
  EXPECT_EQ(*appended, (std::vector<AppendedMessage>{{box.uid_validity, Uid{2}, ModSeq{3}},
                                                     {box.uid_validity, Uid{3}, ModSeq{3}},
                                                     {box.uid_validity, Uid{4}, ModSeq{3}}}));
  const auto messages = *store_->list_messages(box.id);
  ASSERT_EQ(messages.size(), 4u);
  for (std::size_t i = 1; i < 4; ++i) {
    const AppendRequest& want = requests[i - 1];
    EXPECT_EQ(messages[i].uid, Uid(i + 1));
    EXPECT_EQ(messages[i].modseq, ModSeq{3});
    EXPECT_EQ(messages[i].flags, want.flags);
    EXPECT_EQ(messages[i].internal_date, want.internal_date);
    EXPECT_EQ(messages[i].blob_hash, want.blob.hash);
  }
  EXPECT_EQ(messages[1].keywords, Keywords{"Work"});
  EXPECT_EQ(refcount(one.hash), 2);
  EXPECT_EQ(refcount(two.hash), 1);
  const std::string hashes[] = {one.hash};
  EXPECT_EQ((*store_->summaries(hashes, 2))[0], one.summary);
  EXPECT_EQ(mailbox(alice_, "Drafts").uid_next, Uid{5});
  EXPECT_EQ(mailbox(alice_, "Drafts").highest_modseq, ModSeq{3});

  // Nothing to add: nothing changes, not even the MODSEQ.
  auto none = store_->append(box.id, std::span<const AppendRequest>());
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(mailbox(alice_, "Drafts").highest_modseq, ModSeq{3});
}

// All or nothing (RFC 3502 §6.3.11): a failure in the third message leaves the first two out too.
TEST_F(MessageAddTest, AppendSeveralIsAllOrNothing) {
  const MailboxId box = inbox(alice_).id;
  const BlobRef a = put_blob(*store_, "0123456789");
  const BlobRef b = put_blob(*store_, "abcdefghij");
  const BlobRef c = put_blob(*store_, "ABCDEFGHIJ");
  const std::string bad_keyword[] = {"\\Seen"};
  const auto three = [&](const BlobRef& third, std::span<const std::string> keywords) {
    return std::vector<AppendRequest>{{a, MessageFlags::kNone, {}, kDate},
                                      {b, MessageFlags::kNone, {}, kDate},
                                      {third, MessageFlags::kNone, keywords, kDate}};
  };
  EXPECT_EQ(store_->append(box, three(c, bad_keyword)).error(), StoreError::kInvalid);
  EXPECT_EQ(store_->append(box, three(BlobRef{std::string(64, '0'), 10}, {})).error(),
            StoreError::kNotFound);
  EXPECT_EQ(store_->append(box, three(BlobRef{c.hash, 11}, {})).error(), StoreError::kInvalid);
  // The quota holds each message alone, and two of them, but not the three.
  ASSERT_TRUE(store_->set_quota(alice_, 25).has_value());
  EXPECT_EQ(store_->append(box, three(c, {})).error(), StoreError::kOverQuota);
  EXPECT_EQ(store_->append(MailboxId{999}, three(c, {})).error(), StoreError::kNotFound);

  EXPECT_TRUE(store_->list_messages(box)->empty());
  EXPECT_EQ(inbox(alice_).uid_next, Uid{1});
  EXPECT_EQ(inbox(alice_).highest_modseq, ModSeq{1});
  EXPECT_EQ(store_->quota(alice_)->used_bytes, 0u);
  RawDatabase raw(dir_.path());
  EXPECT_EQ(raw.query_int("SELECT count(*) FROM blobs"), 0);

  // The UIDs run out in the middle: none is taken.
  ASSERT_TRUE(store_->set_quota(alice_, 0).has_value());
  ASSERT_TRUE(raw.exec("UPDATE mailboxes SET uid_next = 4294967294 WHERE id = " +
                       std::to_string(static_cast<std::int64_t>(box))));
  EXPECT_EQ(store_->append(box, three(c, {})).error(), StoreError::kOverQuota);
  EXPECT_TRUE(store_->list_messages(box)->empty());
  const std::vector<AppendRequest> fitting = three(c, {});
  ASSERT_TRUE(store_->append(box, std::span(fitting).first(2)).has_value());
  EXPECT_EQ(uids(box), (Numbers{4294967294, 4294967295}));
}

TEST_F(MessageAddTest, CopyKeepsFlagsAndSharesBodies) {
  const MailboxId from = inbox(alice_).id;
  add(from, "one", MessageFlags::kSeen, {"Work"}, kDate + 1);
  add(from, "two");
  add(from, "three", MessageFlags::kFlagged, {"$Label1", "Home"}, kDate + 3);
  const MailboxInfo to = mailbox(alice_, "Archive");
  add(to.id, "already there");  // UID 1 in Archive.
  const auto source = *store_->list_messages(from);
  const MailboxInfo from_before = inbox(alice_);

  auto copied = store_->copy_messages(from, uid_list({1, 3, 99}), to.id, false);
  ASSERT_TRUE(copied.has_value()) << describe(copied.error());
  EXPECT_EQ(*copied, (CopiedMessages{to.uid_validity, {{Uid{1}, Uid{2}}, {Uid{3}, Uid{3}}}}));

  auto target = *store_->list_messages(to.id);
  ASSERT_EQ(target.size(), 3u);
  for (auto [i, j] : {std::pair{1, 0}, std::pair{2, 2}}) {
    const MessageInfo& copy = target[i];
    EXPECT_EQ(copy.uid, Uid(i + 1));
    EXPECT_EQ(copy.modseq, ModSeq{3});  // Archive: 2 for "already there", then one for the copy.
    EXPECT_EQ(copy.flags, source[j].flags);
    EXPECT_EQ(copy.keywords, source[j].keywords);
    EXPECT_EQ(copy.internal_date, source[j].internal_date);
    EXPECT_EQ(copy.size, source[j].size);
    EXPECT_EQ(copy.blob_hash, source[j].blob_hash);
    EXPECT_NE(copy.id, source[j].id);
    EXPECT_EQ(refcount(copy.blob_hash), 2);
  }
  EXPECT_EQ(mailbox(alice_, "Archive").highest_modseq, ModSeq{3});
  EXPECT_EQ(mailbox(alice_, "Archive").uid_next, Uid{4});
  EXPECT_EQ(inbox(alice_), from_before);  // A copy leaves the source alone.
  EXPECT_EQ(*store_->list_messages(from), source);
  EXPECT_EQ(store_->quota(alice_)->messages, 6u);
}

TEST_F(MessageAddTest, MoveLogsTheSourceExpunges) {
  const MailboxId from = inbox(alice_).id;
  add(from, "one", MessageFlags::kSeen);
  add(from, "two");
  add(from, "three", MessageFlags::kFlagged, {"Home"});
  const MailboxInfo to = mailbox(alice_, "Archive");
  const auto source = *store_->list_messages(from);
  const ModSeq from_before = inbox(alice_).highest_modseq;  // 4

  auto moved = store_->copy_messages(from, uid_list({1, 3}), to.id, true);
  ASSERT_TRUE(moved.has_value());
  EXPECT_EQ(*moved, (CopiedMessages{to.uid_validity, {{Uid{1}, Uid{1}}, {Uid{3}, Uid{2}}}}));
  EXPECT_EQ(uids(from), Numbers{2});
  EXPECT_EQ(inbox(alice_).highest_modseq, ModSeq{5});
  auto changes = store_->changes_since(from, from_before);
  EXPECT_EQ(numbers(changes->expunged), (Numbers{1, 3}));
  EXPECT_TRUE(changes->changed.empty());

  auto target = *store_->list_messages(to.id);
  ASSERT_EQ(target.size(), 2u);
  EXPECT_EQ(target[1].uid, Uid{2});
  EXPECT_EQ(target[1].modseq, ModSeq{2});
  EXPECT_EQ(target[1].flags, MessageFlags::kFlagged);
  EXPECT_EQ(target[1].keywords, Keywords{"Home"});
  EXPECT_EQ(target[1].blob_hash, source[2].blob_hash);
  // Nothing was added to the account: the bodies and usage are counted once.
  EXPECT_EQ(refcount(source[0].blob_hash), 1);
  EXPECT_EQ(refcount(source[2].blob_hash), 1);
  EXPECT_EQ(store_->quota(alice_)->messages, 3u);
}

TEST_F(MessageAddTest, MoveWithinOneMailboxTakesOneModSeq) {
  const MailboxId box = inbox(alice_).id;
  add(box, "one");
  add(box, "two");  // highest_modseq 3
  auto moved = store_->copy_messages(box, uid_list({1}), box, true);
  ASSERT_TRUE(moved.has_value());
  EXPECT_EQ(moved->uids, (UidPairs{{Uid{1}, Uid{3}}}));
  EXPECT_EQ(uids(box), (Numbers{2, 3}));
  EXPECT_EQ(inbox(alice_).highest_modseq, ModSeq{4});
  auto changes = *store_->changes_since(box, ModSeq{3});
  EXPECT_EQ(numbers(changes.expunged), Numbers{1});
  ASSERT_EQ(changes.changed.size(), 1u);
  EXPECT_EQ(changes.changed[0].uid, Uid{3});

  auto copied = store_->copy_messages(box, uid_list({2}), box, false);
  EXPECT_EQ(copied->uids, (UidPairs{{Uid{2}, Uid{4}}}));
  EXPECT_EQ(uids(box), (Numbers{2, 3, 4}));
}

TEST_F(MessageAddTest, CopyErrors) {
  const MailboxId from = inbox(alice_).id;
  add(from, "one");
  const MailboxInfo to = mailbox(alice_, "Archive");
  EXPECT_EQ(store_->copy_messages(from, uid_list({1}), inbox(bob_).id, false).error(),
            StoreError::kInvalid);
  EXPECT_EQ(store_->copy_messages(from, uid_list({1}), inbox(bob_).id, true).error(),
            StoreError::kInvalid);
  EXPECT_EQ(store_->copy_messages(MailboxId{999}, uid_list({1}), to.id, false).error(),
            StoreError::kNotFound);
  EXPECT_EQ(store_->copy_messages(from, uid_list({1}), MailboxId{999}, false).error(),
            StoreError::kNotFound);
  // Nothing to copy: no UIDs or MODSEQs are used.
  auto nothing = store_->copy_messages(from, uid_list({7, 8}), to.id, true);
  ASSERT_TRUE(nothing.has_value());
  EXPECT_EQ(*nothing, (CopiedMessages{to.uid_validity, {}}));
  EXPECT_EQ(mailbox(alice_, "Archive"), to);
  EXPECT_EQ(inbox(alice_).highest_modseq, ModSeq{2});
  EXPECT_TRUE(store_->list_messages(inbox(bob_).id)->empty());
  EXPECT_EQ(uids(from), Numbers{1});

  // The target's UIDs run out.
  {
    RawDatabase raw(dir_.path());
    ASSERT_TRUE(raw.exec("UPDATE mailboxes SET uid_next = 4294967295 WHERE id = " +
                         std::to_string(static_cast<std::int64_t>(to.id))));
  }
  add(from, "two");
  EXPECT_EQ(store_->copy_messages(from, uid_list({1, 2}), to.id, false).error(),
            StoreError::kOverQuota);
  EXPECT_EQ(store_->copy_messages(from, uid_list({1, 2}), to.id, true).error(),
            StoreError::kOverQuota);
  EXPECT_EQ(uids(from), (Numbers{1, 2}));
  EXPECT_EQ(store_->copy_messages(from, uid_list({2}), to.id, true)->uids,
            (UidPairs{{Uid{2}, Uid{4294967295}}}));
}

}  // namespace
}  // namespace redoubt::store

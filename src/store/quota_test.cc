// Store: storage quotas, and the usage counts the schema's triggers keep.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <thread>

#include "store/store.h"
#include "store/test_support.h"

namespace redoubt::store {
namespace {

using testing::MailTest;
using testing::put_blob;
using testing::RawDatabase;

std::vector<Uid> uid_list(std::initializer_list<std::uint32_t> values) {
  std::vector<Uid> out;
  for (std::uint32_t v : values) out.push_back(Uid{v});
  return out;
}

class QuotaTest : public MailTest {
 protected:
  // The usage recomputed from the messages, to compare with the counters.
  QuotaUsage recount(AccountId account) {
    RawDatabase raw(dir_.path());
    const std::string where = " FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id "
                              "WHERE b.account_id = " +
                              std::to_string(static_cast<std::int64_t>(account));
    return QuotaUsage{
        static_cast<std::uint64_t>(raw.query_int("SELECT coalesce(sum(m.size), 0)" + where)),
        static_cast<std::uint64_t>(raw.query_int("SELECT count(*)" + where)),
        store_->quota(account)->limit_bytes};
  }
};

TEST_F(QuotaTest, UsageCountsEveryMailbox) {
  EXPECT_EQ(*store_->quota(alice_), (QuotaUsage{0, 0, 0}));
  add(inbox(alice_).id, "1234567890");
  add(mailbox(alice_, "Sent").id, "12345");
  add(inbox(bob_).id, "123");
  EXPECT_EQ(*store_->quota(alice_), (QuotaUsage{15, 2, 0}));
  EXPECT_EQ(*store_->quota(bob_), (QuotaUsage{3, 1, 0}));
  EXPECT_EQ(*store_->quota(alice_), recount(alice_));
  EXPECT_EQ(store_->quota(AccountId{999}).error(), StoreError::kNotFound);
}

TEST_F(QuotaTest, SetQuotaAndHasRoom) {
  add(inbox(alice_).id, std::string(60, 'x'));
  EXPECT_TRUE(*store_->has_room(alice_, std::numeric_limits<std::uint64_t>::max()));  // No limit.
  ASSERT_TRUE(store_->set_quota(alice_, 100).has_value());
  EXPECT_EQ(*store_->quota(alice_), (QuotaUsage{60, 1, 100}));
  EXPECT_TRUE(*store_->has_room(alice_, 0));
  EXPECT_TRUE(*store_->has_room(alice_, 40));
  EXPECT_FALSE(*store_->has_room(alice_, 41));
  EXPECT_FALSE(*store_->has_room(alice_, std::numeric_limits<std::uint64_t>::max()));
  // Lowering the limit below the use removes nothing; it only refuses new mail.
  ASSERT_TRUE(store_->set_quota(alice_, 10).has_value());
  EXPECT_EQ(*store_->quota(alice_), (QuotaUsage{60, 1, 10}));
  EXPECT_FALSE(*store_->has_room(alice_, 0));
  ASSERT_TRUE(store_->set_quota(alice_, 0).has_value());
  EXPECT_TRUE(*store_->has_room(alice_, 1'000'000'000'000));
  EXPECT_EQ(store_->quota(bob_)->limit_bytes, 0u);

  EXPECT_EQ(store_->set_quota(AccountId{999}, 1).error(), StoreError::kNotFound);
  EXPECT_EQ(store_->has_room(AccountId{999}, 1).error(), StoreError::kNotFound);
  EXPECT_EQ(store_->set_quota(alice_, std::uint64_t{1} << 63).error(), StoreError::kInvalid);
  ASSERT_TRUE(store_->set_quota(alice_, (std::uint64_t{1} << 63) - 1).has_value());
  EXPECT_EQ(store_->quota(alice_)->limit_bytes, (std::uint64_t{1} << 63) - 1);
}

TEST_F(QuotaTest, AppendIsRefusedPastTheLimit) {
  const MailboxId box = inbox(alice_).id;
  ASSERT_TRUE(store_->set_quota(alice_, 25).has_value());
  add(box, "0123456789");
  add(box, "0123456789");
  const BlobRef ten = put_blob(*store_, "abcdefghij");
  EXPECT_EQ(store_->append(box, ten, {}, {}, kDate).error(), StoreError::kOverQuota);
  add(box, "01234");  // Exactly at the limit is allowed.
  EXPECT_EQ(*store_->quota(alice_), (QuotaUsage{25, 3, 25}));
  const BlobRef one = put_blob(*store_, "!");
  EXPECT_EQ(store_->append(box, one, {}, {}, kDate).error(), StoreError::kOverQuota);
  EXPECT_EQ(uids(box), (std::vector<std::uint32_t>{1, 2, 3}));
  // Other accounts are not limited by alice's quota.
  EXPECT_TRUE(store_->append(inbox(bob_).id, ten, {}, {}, kDate).has_value());
  // Expunging makes room.
  ASSERT_TRUE(store_->expunge(box, uid_list({1})).has_value());
  EXPECT_EQ(*store_->quota(alice_), (QuotaUsage{15, 2, 25}));
  EXPECT_TRUE(store_->append(box, ten, {}, {}, kDate).has_value());
}

TEST_F(QuotaTest, CopyIsRefusedPastTheLimitButMoveIsNot) {
  const MailboxId box = inbox(alice_).id;
  const MailboxId archive = mailbox(alice_, "Archive").id;
  add(box, "0123456789");
  add(box, "01234");
  ASSERT_TRUE(store_->set_quota(alice_, 24).has_value());  // 15 used.
  EXPECT_EQ(store_->copy_messages(box, uid_list({1}), archive, false).error(),
            StoreError::kOverQuota);
  EXPECT_EQ(store_->copy_messages(box, uid_list({1, 2}), archive, false).error(),
            StoreError::kOverQuota);
  EXPECT_TRUE(store_->list_messages(archive)->empty());
  ASSERT_TRUE(store_->copy_messages(box, uid_list({2}), archive, false).has_value());  // 20
  ASSERT_TRUE(store_->set_quota(alice_, 20).has_value());
  // Full, but a move adds nothing.
  ASSERT_TRUE(store_->copy_messages(box, uid_list({1}), archive, true).has_value());
  EXPECT_EQ(*store_->quota(alice_), (QuotaUsage{20, 3, 20}));
  EXPECT_EQ(*store_->quota(alice_), recount(alice_));
}

TEST_F(QuotaTest, DeliveryIsRefusedForAllRecipientsWhenOneIsFull) {
  add(inbox(bob_).id, std::string(100, 'x'));
  ASSERT_TRUE(store_->set_quota(bob_, 120).has_value());
  const BlobRef blob = put_blob(*store_, std::string(30, 'y'));
  auto refused = store_->deliver_and_wait(Delivery{blob, {alice_, bob_}, kDate});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error(), StoreError::kOverQuota);
  // Atomic: alice got nothing either.
  EXPECT_TRUE(store_->list_messages(inbox(alice_).id)->empty());
  EXPECT_EQ(inbox(alice_).uid_next, Uid{1});
  EXPECT_EQ(*store_->quota(bob_), (QuotaUsage{100, 1, 120}));

  ASSERT_TRUE(store_->set_quota(bob_, 130).has_value());
  auto delivered = store_->deliver_and_wait(Delivery{blob, {alice_, bob_}, kDate});
  ASSERT_TRUE(delivered.has_value()) << describe(delivered.error());
  EXPECT_EQ(delivered->size(), 2u);
  EXPECT_EQ(*store_->quota(bob_), (QuotaUsage{130, 2, 130}));
  EXPECT_EQ(*store_->quota(alice_), (QuotaUsage{30, 1, 0}));
}

// Deliveries of one batch count against each other: the usage triggers run inside the shared
// transaction.
TEST_F(QuotaTest, DeliveriesInOneBatchSeeEachOther) {
  ASSERT_TRUE(store_->set_quota(alice_, 25).has_value());
  std::vector<BlobRef> blobs;
  for (int i = 0; i < 3; ++i) blobs.push_back(put_blob(*store_, "message " + std::to_string(i)));
  std::vector<DeliveryResult> results(3, unexpected(StoreError::kTemporary));
  std::mutex mutex;
  std::condition_variable done;
  int count = 0;
  {
    RawDatabase raw(dir_.path());
    ASSERT_TRUE(raw.exec("BEGIN IMMEDIATE"));  // Holds the committer until all three are queued.
    for (int i = 0; i < 3; ++i) {
      store_->deliver(Delivery{blobs[i], {alice_}, kDate}, [&, i](DeliveryResult result) {
        std::lock_guard lock(mutex);
        results[i] = std::move(result);
        ++count;
        done.notify_one();
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_TRUE(raw.exec("COMMIT"));
  }
  std::unique_lock lock(mutex);
  done.wait(lock, [&] { return count == 3; });
  int stored = 0;
  for (const DeliveryResult& result : results) {
    if (result) {
      ++stored;
    } else {
      EXPECT_EQ(result.error(), StoreError::kOverQuota);
    }
  }
  EXPECT_EQ(stored, 2);  // 9 + 9 fit in 25; a third 9 does not.
  EXPECT_EQ(*store_->quota(alice_), (QuotaUsage{18, 2, 25}));
}

TEST_F(QuotaTest, RemovingAnAccountWithMailCascadesThroughTheTriggers) {
  add(inbox(bob_).id, "bob's");
  add(mailbox(bob_, "Sent").id, "sent by bob");
  const BlobRef shared = put_blob(*store_, "shared");
  ASSERT_TRUE(store_->deliver_and_wait(Delivery{shared, {alice_, bob_}, kDate}).has_value());
  ASSERT_TRUE(store_->remove_account("bob@example.com").has_value());
  RawDatabase raw(dir_.path());
  EXPECT_EQ(raw.query_int("SELECT count(*) FROM messages"), 1);
  EXPECT_EQ(raw.query_int("SELECT count(*) FROM mailboxes"), 6);
  EXPECT_EQ(raw.query_int("SELECT count(*) FROM subscriptions"), 6);
  EXPECT_EQ(raw.query_int("SELECT sum(refcount) FROM blobs"), 1);
  EXPECT_EQ(raw.query_int("SELECT refcount FROM blobs WHERE hash = '" + shared.hash + "'"), 1);
  EXPECT_EQ(*store_->quota(alice_), (QuotaUsage{6, 1, 0}));
}

}  // namespace
}  // namespace redoubt::store

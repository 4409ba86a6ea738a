// Store::deliver: UIDs and MODSEQs, shared bodies, group commit, several processes, durability.

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "store/store.h"
#include "store/test_support.h"

namespace redoubt::store {
namespace {

using testing::count_files;
using testing::open_store;
using testing::put_blob;
using testing::RawDatabase;
using testing::TempDir;

constexpr std::int64_t kDate = 1700000000;

class DeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_store(dir_.path());
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->add_domain("example.com").has_value());
    alice_ = *store_->add_account("alice@example.com", "h");
    bob_ = *store_->add_account("bob@example.com", "h");
    carol_ = *store_->add_account("carol@example.com", "h");
  }

  static MailboxInfo inbox(Store& store, AccountId account) {
    auto mailboxes = store.list_mailboxes(account);  // Not a temporary: the loop borrows it.
    for (const MailboxInfo& m : *mailboxes) {
      if (m.name == "INBOX") return m;
    }
    ADD_FAILURE() << "no INBOX";
    return {};
  }
  MailboxInfo inbox(AccountId account) { return inbox(*store_, account); }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  AccountId alice_{}, bob_{}, carol_{};
};

TEST_F(DeliveryTest, SavesTheSummaryWithTheBody) {
  BlobRef blob = put_blob(*store_, "Subject: s\r\n\r\nhi\r\n");
  blob.summary = MessageSummary{.version = 1, .envelope = "e", .body = "b", .body_structure = "bs"};
  ASSERT_TRUE(store_->deliver_and_wait(Delivery{blob, {alice_, bob_}, kDate}).has_value());
  const std::string hashes[] = {blob.hash};
  EXPECT_EQ(store_->summaries(hashes, 1)->front(), blob.summary);
}

TEST_F(DeliveryTest, AssignsIncreasingUidsAndModSeqs) {
  const MailboxInfo before = inbox(alice_);
  std::vector<DeliveredMessage> delivered;
  for (int i = 0; i < 3; ++i) {
    const BlobRef blob = put_blob(*store_, "Subject: " + std::to_string(i) + "\r\n\r\nhi\r\n");
    auto result = store_->deliver_and_wait(Delivery{blob, {alice_}, kDate + i});
    ASSERT_TRUE(result.has_value()) << describe(result.error());
    ASSERT_EQ(result->size(), 1u);
    delivered.push_back(result->front());
  }
  // RFC 9051 §2.3.1.1: UIDs start at UIDNEXT and ascend. RFC 7162 §3.1.1: each new message's
  // MODSEQ is above the previous HIGHESTMODSEQ.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(delivered[i].account, alice_);
    EXPECT_EQ(delivered[i].mailbox, before.id);
    EXPECT_EQ(delivered[i].uid, Uid(i + 1));
    EXPECT_EQ(delivered[i].modseq, ModSeq(i + 2));
  }
  const MailboxInfo after = inbox(alice_);
  EXPECT_EQ(after.uid_next, Uid{4});
  EXPECT_EQ(after.highest_modseq, ModSeq{4});
  EXPECT_EQ(after.uid_validity, before.uid_validity);

  auto messages = store_->list_messages(after.id);
  ASSERT_TRUE(messages.has_value());
  ASSERT_EQ(messages->size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const MessageInfo& m = (*messages)[i];
    EXPECT_EQ(m.uid, Uid(i + 1));
    EXPECT_EQ(m.modseq, ModSeq(i + 2));
    EXPECT_EQ(m.flags, MessageFlags::kNone);
    EXPECT_EQ(m.internal_date, kDate + i);
    const std::string body = "Subject: " + std::to_string(i) + "\r\n\r\nhi\r\n";
    EXPECT_EQ(m.size, body.size());
    EXPECT_EQ(*store_->read_blob(m.blob_hash), body);
  }
  // Other accounts' mailboxes are untouched.
  EXPECT_EQ(inbox(bob_).uid_next, Uid{1});
}

TEST_F(DeliveryTest, SeveralRecipientsShareOneBlob) {
  const BlobRef blob = put_blob(*store_, "Subject: to all\r\n\r\nhello\r\n");
  // Bob twice (say, directly and through an alias): one copy.
  auto result = store_->deliver_and_wait(Delivery{blob, {alice_, bob_, carol_, bob_}, kDate});
  ASSERT_TRUE(result.has_value());
  ASSERT_EQ(result->size(), 3u);
  EXPECT_EQ((*result)[0].account, alice_);
  EXPECT_EQ((*result)[1].account, bob_);
  EXPECT_EQ((*result)[2].account, carol_);
  for (const DeliveredMessage& d : *result) {
    EXPECT_EQ(d.uid, Uid{1});
    EXPECT_EQ(d.mailbox, inbox(d.account).id);
    auto messages = store_->list_messages(d.mailbox);
    ASSERT_EQ(messages->size(), 1u);
    EXPECT_EQ(messages->front().blob_hash, blob.hash);
  }
  EXPECT_EQ(count_files(dir_.path() / "blobs" / blob.hash.substr(0, 2)), 1);
  RawDatabase raw(dir_.path());
  EXPECT_EQ(raw.query_int("SELECT count(*) FROM blobs"), 1);
  EXPECT_EQ(raw.query_int("SELECT refcount FROM blobs"), 3);
  EXPECT_EQ(raw.query_int("SELECT count(*) FROM messages"), 3);
}

TEST_F(DeliveryTest, VanishedRecipientIsSkipped) {
  const BlobRef blob = put_blob(*store_, "body");
  ASSERT_TRUE(store_->remove_account("bob@example.com").has_value());
  auto result = store_->deliver_and_wait(Delivery{blob, {bob_, alice_}, kDate});
  ASSERT_TRUE(result.has_value());
  ASSERT_EQ(result->size(), 1u);
  EXPECT_EQ(result->front().account, alice_);

  auto nobody = store_->deliver_and_wait(Delivery{blob, {bob_}, kDate});
  ASSERT_TRUE(nobody.has_value());
  EXPECT_TRUE(nobody->empty());
}

TEST_F(DeliveryTest, BadBlobIsRejected) {
  const BlobRef blob = put_blob(*store_, "body");
  EXPECT_EQ(
      store_->deliver_and_wait(Delivery{BlobRef{std::string(64, '0'), 4}, {alice_}, kDate}).error(),
      StoreError::kNotFound);
  EXPECT_EQ(store_->deliver_and_wait(Delivery{BlobRef{blob.hash, 5}, {alice_}, kDate}).error(),
            StoreError::kInvalid);
  EXPECT_EQ(store_->deliver_and_wait(Delivery{BlobRef{"../x", 4}, {alice_}, kDate}).error(),
            StoreError::kInvalid);
  EXPECT_TRUE(store_->list_messages(inbox(alice_).id)->empty());
  EXPECT_EQ(inbox(alice_).uid_next, Uid{1});
}

// The point of group commit: 64 concurrent deliveries, far fewer than 64 transactions (and so
// fsyncs), and still every UID handed out exactly once.
TEST_F(DeliveryTest, GroupCommit) {
  constexpr int kThreads = 16;
  constexpr int kPerThread = 4;
  std::vector<BlobRef> blobs;
  for (int i = 0; i < kThreads * kPerThread; ++i) {
    blobs.push_back(put_blob(*store_, "Message-ID: <" + std::to_string(i) + "@test>\r\n\r\n."));
  }
  const std::uint64_t commits_before = store_->commit_count();

  std::mutex mutex;
  std::condition_variable all_done;
  std::vector<DeliveryResult> results;
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < kPerThread; ++i) {
        store_->deliver(Delivery{blobs[t * kPerThread + i], {alice_}, kDate},
                        [&](DeliveryResult result) {
                          std::lock_guard lock(mutex);
                          results.push_back(std::move(result));
                          all_done.notify_one();
                        });
      }
    });
  }
  go = true;
  for (std::thread& thread : threads) thread.join();
  {
    std::unique_lock lock(mutex);
    all_done.wait(lock, [&] { return results.size() == kThreads * kPerThread; });
  }

  std::set<std::uint32_t> uids;
  std::set<std::uint64_t> modseqs;
  for (const DeliveryResult& result : results) {
    ASSERT_TRUE(result.has_value()) << describe(result.error());
    ASSERT_EQ(result->size(), 1u);
    uids.insert(static_cast<std::uint32_t>(result->front().uid));
    modseqs.insert(static_cast<std::uint64_t>(result->front().modseq));
  }
  EXPECT_EQ(uids.size(), 64u);
  EXPECT_EQ(*uids.begin(), 1u);
  EXPECT_EQ(*uids.rbegin(), 64u);
  EXPECT_EQ(modseqs.size(), 64u);
  const std::uint64_t commits = store_->commit_count() - commits_before;
  EXPECT_GE(commits, 1u);
  EXPECT_LE(commits, 16u) << "deliveries were not grouped";
  std::printf("[          ] 64 deliveries in %llu commits\n",
              static_cast<unsigned long long>(commits));

  auto messages = store_->list_messages(inbox(alice_).id);
  ASSERT_EQ(messages->size(), 64u);
  for (std::size_t i = 0; i < messages->size(); ++i) {
    EXPECT_EQ((*messages)[i].uid, Uid(i + 1));
  }
  EXPECT_EQ(inbox(alice_).uid_next, Uid{65});
  EXPECT_EQ(inbox(alice_).highest_modseq, ModSeq{65});
}

// Like SMTP sessions, each thread waits for its delivery to be durable before sending the next:
// the deliveries that arrive while one commit is running still share the next one.
TEST_F(DeliveryTest, GroupCommitWithWaitingSenders) {
  constexpr int kThreads = 16;
  constexpr int kPerThread = 4;
  const BlobRef blob = put_blob(*store_, "one body for everyone");
  const std::uint64_t commits_before = store_->commit_count();
  std::atomic<bool> go{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < kPerThread; ++i) {
        if (!store_->deliver_and_wait(Delivery{blob, {bob_}, kDate})) ++failures;
      }
    });
  }
  go = true;
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  const std::uint64_t commits = store_->commit_count() - commits_before;
  EXPECT_LE(commits, 32u) << "deliveries were not grouped";
  std::printf("[          ] 64 waiting deliveries in %llu commits\n",
              static_cast<unsigned long long>(commits));
  auto messages = store_->list_messages(inbox(bob_).id);
  ASSERT_EQ(messages->size(), 64u);
  EXPECT_EQ(messages->back().uid, Uid{64});
}

// Collects DeliveryResults from callbacks and waits for a given number.
class Collector {
 public:
  DeliveryCallback callback(std::size_t slot) {
    return [this, slot](DeliveryResult result) {
      std::lock_guard lock(mutex_);
      results_[slot] = std::move(result);
      ++count_;
      changed_.notify_all();
    };
  }
  explicit Collector(std::size_t n) : results_(n, unexpected(StoreError::kTemporary)) {}
  std::vector<DeliveryResult> wait() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return count_ == results_.size(); });
    return results_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<DeliveryResult> results_;
  std::size_t count_ = 0;
};

// One delivery that cannot be stored must not fail the others queued with it. The write lock
// is held from outside (as another process would) so that they all land in one batch.
TEST_F(DeliveryTest, FailingDeliveryDoesNotFailItsBatch) {
  RawDatabase raw(dir_.path());
  // Carol's INBOX has used up its 32-bit UIDs (RFC 9051 §2.3.1.1).
  ASSERT_TRUE(
      raw.exec("UPDATE mailboxes SET uid_next = 4294967296 WHERE name = 'INBOX' AND "
               "account_id = " +
               std::to_string(static_cast<std::int64_t>(carol_))));
  const BlobRef blob = put_blob(*store_, "body");
  const std::uint64_t commits_before = store_->commit_count();

  ASSERT_TRUE(raw.exec("BEGIN IMMEDIATE"));
  constexpr std::size_t kCount = 8;
  Collector collector(kCount);
  for (std::size_t i = 0; i < kCount; ++i) {
    const AccountId to = i == 4 ? carol_ : (i % 2 == 0 ? alice_ : bob_);
    store_->deliver(Delivery{blob, {to}, kDate}, collector.callback(i));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(raw.exec("COMMIT"));
  const std::vector<DeliveryResult> results = collector.wait();

  for (std::size_t i = 0; i < kCount; ++i) {
    SCOPED_TRACE(i);
    if (i == 4) {
      ASSERT_FALSE(results[i].has_value());
      EXPECT_EQ(results[i].error(), StoreError::kOverQuota);
    } else {
      ASSERT_TRUE(results[i].has_value()) << describe(results[i].error());
      EXPECT_EQ(results[i]->size(), 1u);
    }
  }
  EXPECT_EQ(store_->list_messages(inbox(alice_).id)->size(), 3u);  // i = 0, 2, 6
  EXPECT_EQ(store_->list_messages(inbox(bob_).id)->size(), 4u);    // i = 1, 3, 5, 7
  EXPECT_TRUE(store_->list_messages(inbox(carol_).id)->empty());
  EXPECT_EQ(raw.query_int("SELECT refcount FROM blobs"), 7);  // The failed one left no trace.
  // Each successful delivery was committed once (in its batch or, after the batch failed, alone).
  EXPECT_LE(store_->commit_count() - commits_before, kCount - 1);
}

TEST_F(DeliveryTest, CallbackMayUseTheStore) {
  const BlobRef blob = put_blob(*store_, "body");
  std::promise<std::size_t> listed;
  store_->deliver(Delivery{blob, {alice_}, kDate}, [&](DeliveryResult result) {
    // Reads and further (asynchronous) deliveries are fine from the committer thread.
    auto messages = store_->list_messages(result->front().mailbox);
    listed.set_value(messages ? messages->size() : 0);
  });
  EXPECT_EQ(listed.get_future().get(), 1u);
}

// The admin CLI and the server open the same data folder side by side.
TEST_F(DeliveryTest, TwoStoresOnOneFolderSeeEachOthersWrites) {
  auto cli = open_store(dir_.path());
  ASSERT_NE(cli, nullptr);
  ASSERT_TRUE(cli->add_domain("example.org").has_value());
  EXPECT_TRUE(*store_->is_local_domain("example.org"));
  const AccountId dave = *store_->add_account("dave@example.org", "h");
  EXPECT_EQ(cli->find_account("dave@example.org")->id, dave);
  EXPECT_EQ(*cli->resolve_recipient("dave@example.org"), std::vector<AccountId>{dave});

  // Both deliver into one mailbox: UIDs stay unique across the two writers.
  std::set<std::uint32_t> uids;
  for (int i = 0; i < 10; ++i) {
    Store& writer = i % 2 == 0 ? *store_ : *cli;
    auto result =
        writer.deliver_and_wait(Delivery{put_blob(writer, "m" + std::to_string(i)), {dave}, kDate});
    ASSERT_TRUE(result.has_value());
    uids.insert(static_cast<std::uint32_t>(result->front().uid));
  }
  EXPECT_EQ(uids, (std::set<std::uint32_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(cli->list_messages(inbox(*cli, dave).id)->size(), 10u);
  EXPECT_EQ(inbox(*store_, dave).uid_next, Uid{11});
}

TEST_F(DeliveryTest, DeliveriesSurviveReopen) {
  const BlobRef blob = put_blob(*store_, "durable body");
  auto result = store_->deliver_and_wait(Delivery{blob, {alice_, bob_}, kDate});
  ASSERT_TRUE(result.has_value());
  store_.reset();

  auto reopened = open_store(dir_.path());
  ASSERT_NE(reopened, nullptr);
  const MailboxInfo box = inbox(*reopened, alice_);
  EXPECT_EQ(box.uid_next, Uid{2});
  EXPECT_EQ(box.highest_modseq, ModSeq{2});
  auto messages = reopened->list_messages(box.id);
  ASSERT_EQ(messages->size(), 1u);
  EXPECT_EQ(messages->front().blob_hash, blob.hash);
  EXPECT_EQ(*reopened->read_blob(blob.hash), "durable body");
  // Numbering continues where it stopped.
  auto next = reopened->deliver_and_wait(Delivery{blob, {alice_}, kDate});
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->front().uid, Uid{2});
}

TEST_F(DeliveryTest, DestructorDrainsPendingDeliveries) {
  constexpr std::size_t kCount = 20;
  std::vector<BlobRef> blobs;
  for (std::size_t i = 0; i < kCount; ++i) blobs.push_back(put_blob(*store_, std::to_string(i)));
  Collector collector(kCount);
  for (std::size_t i = 0; i < kCount; ++i) {
    store_->deliver(Delivery{blobs[i], {bob_}, kDate}, collector.callback(i));
  }
  store_.reset();  // Returns only after every callback ran.
  for (const DeliveryResult& result : collector.wait()) EXPECT_TRUE(result.has_value());

  auto reopened = open_store(dir_.path());
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->list_messages(inbox(*reopened, bob_).id)->size(), kCount);
}

}  // namespace
}  // namespace redoubt::store

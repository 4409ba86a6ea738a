// Store::watch: change notification for IMAP IDLE and NOTIFY.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "store/store.h"
#include "store/test_support.h"

namespace redoubt::store {
namespace {

using namespace std::chrono_literals;
using testing::MailTest;
using testing::put_blob;

// Collects the mailboxes a watch reports.
class Recorder {
 public:
  Store::WatchCallback callback() {
    return [this](MailboxId mailbox) {
      std::lock_guard lock(mutex_);
      seen_.push_back(mailbox);
      changed_.notify_all();
    };
  }
  std::vector<MailboxId> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  // Returns what was seen and forgets it.
  std::vector<MailboxId> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(seen_, {});
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<MailboxId> seen_;
};

std::vector<Uid> uid_list(std::initializer_list<std::uint32_t> values) {
  std::vector<Uid> out;
  for (std::uint32_t v : values) out.push_back(Uid{v});
  return out;
}

using Seen = std::vector<MailboxId>;

class WatchTest : public MailTest {};

TEST_F(WatchTest, WatchHearsOfEveryKindOfChange) {
  Recorder alice_events, bob_events;
  auto alice_watch = store_->watch(alice_, alice_events.callback());
  auto bob_watch = store_->watch(bob_, bob_events.callback());
  const MailboxId box = inbox(alice_).id;
  const MailboxId archive = mailbox(alice_, "Archive").id;

  // A delivery is announced before its callback runs (IDLE hears of it no later than SMTP).
  std::promise<Seen> at_callback;
  store_->deliver(Delivery{put_blob(*store_, "mail"), {alice_}, kDate},
                  [&](DeliveryResult) { at_callback.set_value(alice_events.seen()); });
  EXPECT_EQ(at_callback.get_future().get(), Seen{box});
  EXPECT_EQ(alice_events.take(), Seen{box});

  add(box, "appended");
  EXPECT_EQ(alice_events.take(), Seen{box});
  ASSERT_TRUE(
      store_->store_flags(box, uid_list({1}), FlagUpdate{.flags = MessageFlags::kSeen}).has_value());
  EXPECT_EQ(alice_events.take(), Seen{box});
  ASSERT_TRUE(store_->copy_messages(box, uid_list({1}), archive, false).has_value());
  EXPECT_EQ(alice_events.take(), Seen{archive});
  ASSERT_TRUE(store_->copy_messages(box, uid_list({1}), archive, true).has_value());
  Seen moved = alice_events.take();
  std::sort(moved.begin(), moved.end());
  EXPECT_EQ(moved, (Seen{box, archive}));
  ASSERT_TRUE(store_->expunge(box, uid_list({2})).has_value());
  EXPECT_EQ(alice_events.take(), Seen{box});

  const MailboxId created = store_->create_mailbox(alice_, "New")->id;
  EXPECT_EQ(alice_events.take(), Seen{created});
  ASSERT_TRUE(store_->rename_mailbox(alice_, "New", "Newer").has_value());
  EXPECT_EQ(alice_events.take(), Seen{created});
  ASSERT_TRUE(store_->delete_mailbox(alice_, "Newer").has_value());
  EXPECT_EQ(alice_events.take(), Seen{created});

  // Writes that change nothing, fail, or touch no mailbox are not announced.
  ASSERT_TRUE(
      store_->store_flags(box, uid_list({1}), FlagUpdate{.flags = MessageFlags::kSeen}).has_value());
  ASSERT_TRUE(store_->expunge(box, uid_list({42})).has_value());
  EXPECT_FALSE(store_->create_mailbox(alice_, "Sent").has_value());
  ASSERT_TRUE(store_->set_subscribed(alice_, "Sent", false).has_value());
  ASSERT_TRUE(store_->set_quota(alice_, 1).has_value());
  EXPECT_TRUE(alice_events.seen().empty());
  // Bob heard of nothing of alice's.
  EXPECT_TRUE(bob_events.seen().empty());
}

TEST_F(WatchTest, WatchOfEachRecipientHearsOfADelivery) {
  Recorder alice_events, bob_events, bob_again;
  auto a = store_->watch(alice_, alice_events.callback());
  auto b = store_->watch(bob_, bob_events.callback());
  auto c = store_->watch(bob_, bob_again.callback());  // Two sessions of one account.
  ASSERT_TRUE(
      store_->deliver_and_wait(Delivery{put_blob(*store_, "to both"), {alice_, bob_}, kDate})
          .has_value());
  EXPECT_EQ(alice_events.seen(), Seen{inbox(alice_).id});
  EXPECT_EQ(bob_events.seen(), Seen{inbox(bob_).id});
  EXPECT_EQ(bob_again.seen(), Seen{inbox(bob_).id});
}

TEST_F(WatchTest, WatchStopsWhenDestroyed) {
  Recorder events, other;
  auto watch = store_->watch(alice_, events.callback());
  auto kept = store_->watch(alice_, other.callback());
  add(inbox(alice_).id, "one");
  EXPECT_EQ(events.seen().size(), 1u);
  watch.reset();
  add(inbox(alice_).id, "two");
  ASSERT_TRUE(store_->deliver_and_wait(Delivery{put_blob(*store_, "three"), {alice_}, kDate})
                  .has_value());
  EXPECT_EQ(events.seen().size(), 1u);
  EXPECT_EQ(other.seen().size(), 3u);
}

// The destructor of a Watch waits for a callback running on another thread, so that what the
// callback uses may be freed as soon as the Watch is gone.
TEST_F(WatchTest, WatchDestructorWaitsForARunningCallback) {
  std::promise<void> entered;
  std::atomic<bool> finished{false};
  auto watch = store_->watch(alice_, [&](MailboxId) {
    entered.set_value();
    std::this_thread::sleep_for(200ms);
    finished = true;
  });
  const MailboxId box = inbox(alice_).id;
  std::thread writer([&] { add(box, "slow to announce"); });
  entered.get_future().wait();
  watch.reset();
  EXPECT_TRUE(finished.load());
  writer.join();
}

TEST_F(WatchTest, WatchMayBeDestroyedFromItsOwnCallback) {
  std::unique_ptr<Store::Watch> watch;
  int calls = 0;
  watch = store_->watch(alice_, [&](MailboxId) {
    ++calls;
    watch.reset();  // Must not wait for itself.
  });
  add(inbox(alice_).id, "one");
  add(inbox(alice_).id, "two");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(watch, nullptr);
}

}  // namespace
}  // namespace redoubt::store

// Committer: group commit of every write (Committer::write, and through it the Store's directory,
// mailbox and message changes) together with deliveries.
//
// Several tests need jobs to land in one batch. They hold the committer thread inside a job (a
// Gate) or hold the database's write lock from another connection, queue writes from threads,
// and give those threads kSettle to reach the queue. Outcomes hold whatever the timing; commit
// counts are bounded loosely enough for a slow machine and tightly enough that a committer
// committing each write alone fails them.

#include "store/committer.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"
#include "store/test_support.h"

namespace redoubt::store {
namespace {

using namespace std::chrono_literals;
using testing::MailTest;
using testing::open_store;
using testing::put_blob;
using testing::RawDatabase;
using testing::TempDir;

constexpr auto kSettle = 250ms;

using Work = std::function<Result<void, StoreError>(Database&)>;

// Inserts `x` into the scratch table t.
Result<void, StoreError> insert(Database& db, std::int64_t x) {
  Statement st = db.prepare("INSERT INTO t (x) VALUES (?1)");
  st.bind(x);
  return st.run();
}

// One write() on its own thread. The constructor returns once the thread has had kSettle to
// queue it.
class Writer {
 public:
  Writer(Committer& committer, Work work) {
    std::promise<void> started;
    std::future<void> is_started = started.get_future();
    thread_ = std::thread([this, &committer, work = std::move(work),
                           started = std::move(started)]() mutable {
      started.set_value();
      Result<void, StoreError> result = committer.write(work);
      std::lock_guard lock(mutex_);
      result_ = result;
    });
    is_started.wait();
    std::this_thread::sleep_for(kSettle);
  }
  ~Writer() { join(); }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  bool has_returned() {
    std::lock_guard lock(mutex_);
    return result_.has_value();
  }
  // Waits for the write to return.
  Result<void, StoreError> result() {
    join();
    return *result_;
  }

 private:
  void join() {
    if (thread_.joinable()) thread_.join();
  }

  std::mutex mutex_;
  std::optional<Result<void, StoreError>> result_;  // GUARDED_BY(mutex_)
  std::thread thread_;
};

// A write whose work holds the committer thread until open(): the writes queued meanwhile form
// the next batch.
class Gate {
 public:
  explicit Gate(Committer& committer)
      : writer_(committer, [this](Database&) -> Result<void, StoreError> {
          running_.set_value();
          opened_.wait();
          return {};
        }) {}
  ~Gate() { open(); }
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;

  // Returns once the committer thread is inside the gate's work.
  void wait_until_running() { is_running_.wait(); }
  void open() {
    if (!is_open_) {
      is_open_ = true;
      open_.set_value();
    }
  }
  Writer& writer() { return writer_; }

 private:
  std::promise<void> running_;
  std::shared_future<void> is_running_ = running_.get_future().share();
  std::promise<void> open_;
  std::shared_future<void> opened_ = open_.get_future().share();
  bool is_open_ = false;
  Writer writer_;  // Last: its thread uses the members above.
};

// A Committer on a scratch database: t(x) for the jobs of these tests, and parent/child with a
// deferred foreign key, which lets a job make the COMMIT itself fail.
class CommitterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(path()).close();  // Database::open opens, it never creates.
    auto db = Database::open(path(), Database::Mode::kReadWrite);
    ASSERT_TRUE(db.has_value()) << db.error();
    ASSERT_TRUE((*db)->exec("CREATE TABLE t (x INTEGER NOT NULL UNIQUE);"
                            "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
                            "CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) "
                            "    DEFERRABLE INITIALLY DEFERRED);"));
    auto blobs = BlobStore::open(dir_.path());
    ASSERT_TRUE(blobs.has_value()) << blobs.error();
    committer_ = std::make_unique<Committer>(std::move(*db), std::move(*blobs), watches_);
  }

  std::filesystem::path path() const { return dir_.path() / "metadata.sqlite"; }

  // What t holds for another connection, which sees committed data only.
  std::vector<std::int64_t> committed() {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT x FROM t ORDER BY x", -1, &st, nullptr), SQLITE_OK);
    std::vector<std::int64_t> values;
    while (sqlite3_step(st) == SQLITE_ROW) values.push_back(sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return values;
  }

  TempDir dir_;
  WatchRegistry watches_;
  std::unique_ptr<Committer> committer_;  // Destroyed before watches_.
};

TEST_F(CommitterTest, WriteReturnsItsResult) {
  auto value = committer_->write([](Database& db) -> Result<int, StoreError> {
    if (auto done = insert(db, 7); !done) return unexpected(done.error());
    return 42;
  });
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(*value, 42);
  EXPECT_EQ(committed(), std::vector<std::int64_t>{7});
  auto taken = committer_->write([](Database& db) { return insert(db, 7); });
  ASSERT_FALSE(taken.has_value());
  EXPECT_EQ(taken.error(), StoreError::kExists);
}

// The point of group commit: writes queued while a commit is running share the next one.
TEST_F(CommitterTest, ConcurrentWritesShareCommits) {
  constexpr int kThreads = 32;
  const std::uint64_t commits_before = committer_->commit_count();
  std::vector<Result<void, StoreError>> results(kThreads, unexpected(StoreError::kTemporary));
  {
    Gate gate(*committer_);
    gate.wait_until_running();
    std::atomic<int> started{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        ++started;
        results[i] = committer_->write([i](Database& db) { return insert(db, i); });
      });
    }
    while (started.load() < kThreads) std::this_thread::yield();
    std::this_thread::sleep_for(kSettle);
    gate.open();
    for (std::thread& thread : threads) thread.join();
  }
  for (const auto& result : results) EXPECT_TRUE(result.has_value());
  EXPECT_EQ(committed().size(), std::size_t{kThreads});
  // The gate's batch, then ideally one for all 32; one commit each would be 33.
  const std::uint64_t commits = committer_->commit_count() - commits_before;
  EXPECT_LE(commits, 4u) << "writes were not grouped";
  std::printf("[          ] %d writes in %llu commits\n", kThreads + 1,
              static_cast<unsigned long long>(commits));
}

// A write returns only once its batch is durable, not when its own work is done.
TEST_F(CommitterTest, WriteWaitsForTheCommitOfItsBatch) {
  Gate first(*committer_);
  first.wait_until_running();
  std::atomic<bool> has_run{false};
  Writer writer(*committer_, [&](Database& db) {
    has_run = true;
    return insert(db, 1);
  });
  Gate second(*committer_);  // Queued after `writer`: the same batch, after it.
  first.open();
  second.wait_until_running();

  EXPECT_TRUE(has_run.load());
  std::this_thread::sleep_for(kSettle);
  EXPECT_FALSE(writer.has_returned()) << "returned before its batch committed";
  EXPECT_TRUE(committed().empty());

  second.open();
  EXPECT_TRUE(writer.result().has_value());
  EXPECT_EQ(committed(), std::vector<std::int64_t>{1});
}

// One failing write is undone alone: the writes before and after it in its batch commit, in the
// same commit, and each job sees the changes of those queued before it.
TEST_F(CommitterTest, FailingWriteUndoesOnlyItsOwnChanges) {
  const std::uint64_t commits_before = committer_->commit_count();
  std::mutex mutex;
  std::vector<std::string> order;
  auto record = [&](std::string name) {
    std::lock_guard lock(mutex);
    order.push_back(std::move(name));
  };
  Gate gate(*committer_);
  gate.wait_until_running();
  Writer first(*committer_, [&](Database& db) {
    record("first");
    return insert(db, 1);
  });
  Writer failing(*committer_, [&](Database& db) -> Result<void, StoreError> {
    record("failing");
    if (auto done = insert(db, 2); !done) return done;
    return insert(db, 1);  // Taken by `first`, uncommitted but in the same transaction.
  });
  Writer last(*committer_, [&](Database& db) {
    record("last");
    return insert(db, 3);
  });
  gate.open();

  EXPECT_TRUE(first.result().has_value());
  auto failed = failing.result();
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error(), StoreError::kExists);
  EXPECT_TRUE(last.result().has_value());
  EXPECT_EQ(committed(), (std::vector<std::int64_t>{1, 3}));  // Not 2: undone with its job.
  EXPECT_EQ(order, (std::vector<std::string>{"first", "failing", "last"}));
  EXPECT_EQ(committer_->commit_count() - commits_before, 2u);  // The gate's batch, then theirs.
}

// If SQLite loses the whole transaction inside one job (as it may on a full disk or an I/O
// error; here the job rolls it back itself), that job fails and the others run again.
TEST_F(CommitterTest, LostTransactionFailsOnlyTheJobThatLostIt) {
  std::atomic<int> first_runs{0};
  std::atomic<int> last_runs{0};
  Gate gate(*committer_);
  gate.wait_until_running();
  Writer first(*committer_, [&](Database& db) {
    ++first_runs;
    return insert(db, 1);
  });
  Writer losing(*committer_, [&](Database& db) -> Result<void, StoreError> {
    if (auto done = insert(db, 2); !done) return done;
    EXPECT_TRUE(db.exec("ROLLBACK").has_value());
    return unexpected(StoreError::kTemporary);
  });
  Writer last(*committer_, [&](Database& db) {
    ++last_runs;
    return insert(db, 3);
  });
  gate.open();

  EXPECT_TRUE(first.result().has_value());
  EXPECT_FALSE(losing.result().has_value());
  EXPECT_TRUE(last.result().has_value());
  EXPECT_EQ(committed(), (std::vector<std::int64_t>{1, 3}));
  EXPECT_EQ(first_runs.load(), 2);  // Its first run was lost with the transaction.
  EXPECT_EQ(last_runs.load(), 1);
}

// When the COMMIT itself fails, no job of the batch is durable, so each reports the failure.
TEST_F(CommitterTest, FailedCommitFailsEveryWriteOfTheBatch) {
  Gate gate(*committer_);
  gate.wait_until_running();
  Writer first(*committer_, [](Database& db) { return insert(db, 1); });
  // A child without a parent: its foreign key is checked only at COMMIT, which then fails.
  Writer dangling(*committer_, [](Database& db) -> Result<void, StoreError> {
    return db.prepare("INSERT INTO child (parent_id) VALUES (99)").run();
  });
  Writer last(*committer_, [](Database& db) { return insert(db, 3); });
  gate.open();

  for (Writer* writer : {&first, &dangling, &last}) {
    auto result = writer->result();
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error(), StoreError::kInUse);
  }
  EXPECT_TRUE(committed().empty());
  // The failed transaction was rolled back: the next write starts clean.
  EXPECT_TRUE(committer_->write([](Database& db) { return insert(db, 4); }).has_value());
  EXPECT_EQ(committed(), std::vector<std::int64_t>{4});
}

using CommitterDeathTest = CommitterTest;

// `work` runs on the committer thread, which would wait for itself forever.
TEST_F(CommitterDeathTest, WriteFromInsideWorkStopsTheProcess) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        (void)committer_->write([&](Database&) {
          return committer_->write([](Database& db) { return insert(db, 1); });
        });
      },
      "check failed: !is_in_batch_");
}

// --- Through the Store ------------------------------------------------------------------------

class CommitterStoreTest : public MailTest {};

// Many threads writing at once, as IMAP sessions do from the blocking pool: every write succeeds,
// and every one is there after the store is closed and opened again.
TEST_F(CommitterStoreTest, ConcurrentWritesAreAllDurable) {
  constexpr int kThreads = 16;
  constexpr int kRounds = 5;
  constexpr int kMessages = kRounds;  // Each round flags a message not flagged yet.
  std::vector<AccountId> accounts;
  std::vector<MailboxId> inboxes;
  std::vector<std::vector<Uid>> uids(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    const std::string address = "user" + std::to_string(t) + "@example.com";
    const AccountId account = *store_->add_account(address, "h");
    accounts.push_back(account);
    inboxes.push_back(inbox(account).id);
    for (int m = 0; m < kMessages; ++m) uids[t].push_back(add(inboxes[t], "m").uid);
  }
  const std::uint64_t commits_before = store_->commit_count();

  std::atomic<int> failures{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      for (int round = 0; round < kRounds; ++round) {
        // \Flagged on one more message each round; a new mailbox each round.
        FlagUpdate update{FlagUpdate::Mode::kAdd, MessageFlags::kFlagged, {}, std::nullopt};
        const Uid uid = uids[t][round];
        auto flagged = store_->store_flags(inboxes[t], {&uid, 1}, update);
        if (!flagged) ++failures;
        if (!store_->create_mailbox(accounts[t], "Box " + std::to_string(round))) ++failures;
      }
    });
  }
  go = true;
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  std::printf("[          ] %d concurrent writes in %llu commits\n", kThreads * kRounds * 2,
              static_cast<unsigned long long>(store_->commit_count() - commits_before));

  store_.reset();
  store_ = open_store(dir_.path());
  ASSERT_NE(store_, nullptr);
  for (int t = 0; t < kThreads; ++t) {
    SCOPED_TRACE(t);
    auto messages = store_->list_messages(inboxes[t]);
    ASSERT_TRUE(messages.has_value());
    for (const MessageInfo& message : *messages) {
      EXPECT_EQ(message.flags & MessageFlags::kFlagged, MessageFlags::kFlagged);
    }
    auto mailboxes = store_->list_mailboxes(accounts[t]);
    ASSERT_TRUE(mailboxes.has_value());
    EXPECT_EQ(mailboxes->size(), 6u + kRounds);  // The standard six and the new ones.
    // One MODSEQ per change: kMessages appends, then one per round's flag change.
    EXPECT_EQ(inbox(accounts[t]).highest_modseq, ModSeq(1 + kMessages + kRounds));
  }
}

// Writes and deliveries queued together are written in one transaction, each with its own
// outcome. The write lock is held from outside (as another process would) meanwhile.
TEST_F(CommitterStoreTest, WritesAndDeliveriesShareBatches) {
  constexpr int kEach = 8;
  const BlobRef blob = put_blob(*store_, "delivered body");
  std::vector<Uid> uids;
  const MailboxId box = inbox(alice_).id;
  for (int i = 0; i < kEach; ++i) uids.push_back(add(box, "appended").uid);
  const std::uint64_t commits_before = store_->commit_count();

  RawDatabase raw(dir_.path());
  ASSERT_TRUE(raw.exec("BEGIN IMMEDIATE"));
  std::atomic<int> started{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kEach; ++i) {
    threads.emplace_back([&, i] {
      ++started;
      FlagUpdate update{FlagUpdate::Mode::kAdd, MessageFlags::kSeen, {}, std::nullopt};
      if (!store_->store_flags(box, {&uids[i], 1}, update)) ++failures;
    });
    threads.emplace_back([&] {
      ++started;
      if (!store_->deliver_and_wait(Delivery{blob, {bob_}, kDate})) ++failures;
    });
  }
  while (started.load() < 2 * kEach) std::this_thread::yield();
  std::this_thread::sleep_for(kSettle);
  ASSERT_TRUE(raw.exec("COMMIT"));
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(failures.load(), 0);
  // The committer thread may have taken the first job alone before blocking on the lock; the
  // rest share one commit. Committing each write alone would take at least kEach + 1.
  const std::uint64_t commits = store_->commit_count() - commits_before;
  EXPECT_LE(commits, 3u) << "writes and deliveries were not grouped";
  auto messages = store_->list_messages(box);
  ASSERT_EQ(messages->size(), std::size_t{kEach});
  for (const MessageInfo& message : *messages) {
    EXPECT_EQ(message.flags & MessageFlags::kSeen, MessageFlags::kSeen);
  }
  auto delivered = store_->list_messages(inbox(bob_).id);
  ASSERT_EQ(delivered->size(), std::size_t{kEach});
  EXPECT_EQ(delivered->back().uid, Uid{kEach});
}

// A DeliveryCallback runs on the committer thread; a write from there must not wait for that
// thread (it runs at once, in a transaction of its own).
TEST_F(CommitterStoreTest, DeliveryCallbackMayWrite) {
  const BlobRef blob = put_blob(*store_, "body");
  std::promise<Result<MailboxInfo, StoreError>> created;
  store_->deliver(Delivery{blob, {alice_}, kDate}, [&](DeliveryResult result) {
    EXPECT_TRUE(result.has_value());
    created.set_value(store_->create_mailbox(alice_, "Filed"));
  });
  std::future<Result<MailboxInfo, StoreError>> outcome = created.get_future();
  ASSERT_EQ(outcome.wait_for(30s), std::future_status::ready) << "deadlocked";
  EXPECT_TRUE(outcome.get().has_value());
  EXPECT_EQ(mailbox(alice_, "Filed").name, "Filed");
}

}  // namespace
}  // namespace redoubt::store

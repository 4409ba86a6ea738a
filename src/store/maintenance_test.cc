// Store::collect_garbage: what goes, what stays, and the race with writers of the same body.

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "store/database.h"
#include "store/schema.h"
#include "store/store.h"
#include "store/test_support.h"

namespace redoubt::store {
namespace {

using testing::MailTest;
using testing::put_blob;
using testing::RawDatabase;

constexpr std::int64_t kHour = 3600;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class MaintenanceTest : public MailTest {
 protected:
  std::filesystem::path path_of(const std::string& hash) {
    return dir_.path() / "blobs" / hash.substr(0, 2) / hash;
  }

  // Sets the body file's modification time `seconds` into the past.
  void age(const std::string& hash, std::int64_t seconds) {
    const timespec times[2] = {{unix_now() - seconds, 0}, {unix_now() - seconds, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, path_of(hash).c_str(), times, 0), 0);
  }

  std::int64_t mtime(const std::string& hash) {
    struct stat st;
    if (::stat(path_of(hash).c_str(), &st) != 0) return -1;
    return st.st_mtime;
  }

  std::int64_t query(const std::string& sql) { return RawDatabase(dir_.path()).query_int(sql); }
  std::int64_t blob_rows(const std::string& hash) {
    return query("SELECT count(*) FROM blobs WHERE hash = '" + hash + "'");
  }
  std::int64_t summary_rows(const std::string& hash) {
    return query("SELECT count(*) FROM blob_summaries WHERE hash = '" + hash + "'");
  }

  // Appends `blob` to alice's INBOX and expunges it again: a body with a row of refcount 0.
  void append_and_expunge(const BlobRef& blob) {
    const MailboxInfo box = inbox(alice_);
    auto appended = store_->append(box.id, blob, MessageFlags::kNone, {}, kDate);
    ASSERT_TRUE(appended.has_value());
    const Uid uid[] = {appended->uid};
    ASSERT_EQ(store_->expunge(box.id, uid)->size(), 1u);
  }

  GarbageReport collect(std::int64_t grace = kHour) {
    auto report = store_->collect_garbage(GarbageOptions{.blob_grace_seconds = grace});
    EXPECT_TRUE(report.has_value()) << (report ? "" : describe(report.error()));
    return report.value_or(GarbageReport{});
  }
};

TEST_F(MaintenanceTest, RemovesOldUnreferencedBodiesWithTheirSummaries) {
  BlobRef garbage = put_blob(*store_, "Subject: gone\r\n\r\nexpunged long ago\r\n");
  garbage.summary =
      MessageSummary{.version = 1, .envelope = "e", .body = "b", .body_structure = "s"};
  append_and_expunge(garbage);
  const BlobRef kept = put_blob(*store_, "Subject: kept\r\n\r\nstill in a mailbox\r\n");
  ASSERT_TRUE(store_->append(inbox(bob_).id, kept, MessageFlags::kNone, {}, kDate).has_value());
  ASSERT_EQ(query("SELECT refcount FROM blobs WHERE hash = '" + garbage.hash + "'"), 0);
  ASSERT_EQ(summary_rows(garbage.hash), 1);
  age(garbage.hash, 2 * kHour);
  age(kept.hash, 2 * kHour);

  const GarbageReport report = collect();
  EXPECT_EQ(report.blobs_removed, 1u);
  EXPECT_EQ(report.orphan_files_removed, 0u);
  EXPECT_EQ(report.bytes_freed, garbage.size);
  EXPECT_FALSE(std::filesystem::exists(path_of(garbage.hash)));
  EXPECT_EQ(blob_rows(garbage.hash), 0);
  EXPECT_EQ(summary_rows(garbage.hash), 0);
  // Referenced, however old: untouched.
  EXPECT_EQ(*store_->read_blob(kept.hash), "Subject: kept\r\n\r\nstill in a mailbox\r\n");
  EXPECT_EQ(blob_rows(kept.hash), 1);

  // Nothing left to do.
  const GarbageReport again = collect();
  EXPECT_EQ(again.blobs_removed + again.orphan_files_removed, 0u);
}

TEST_F(MaintenanceTest, KeepsYoungUnreferencedBodies) {
  const BlobRef young = put_blob(*store_, "expunged a minute ago");
  append_and_expunge(young);
  age(young.hash, 60);
  const BlobRef orphan = put_blob(*store_, "written, not yet referenced");

  const GarbageReport report = collect();
  EXPECT_EQ(report.blobs_removed + report.orphan_files_removed, 0u);
  EXPECT_TRUE(std::filesystem::exists(path_of(young.hash)));
  EXPECT_EQ(blob_rows(young.hash), 1);
  EXPECT_TRUE(std::filesystem::exists(path_of(orphan.hash)));

  // With no grace period both go (what `redoubt store gc --grace 0` does).
  const GarbageReport forced = collect(0);
  EXPECT_EQ(forced.blobs_removed, 1u);
  EXPECT_EQ(forced.orphan_files_removed, 1u);
  EXPECT_FALSE(std::filesystem::exists(path_of(young.hash)));
  EXPECT_FALSE(std::filesystem::exists(path_of(orphan.hash)));
}

TEST_F(MaintenanceTest, RemovesOldFilesWithoutRowsButNotOtherNames) {
  const BlobRef orphan = put_blob(*store_, "a writer crashed before its commit");
  age(orphan.hash, 2 * kHour);
  // Not a blob name: never touched.
  const std::filesystem::path stray = dir_.path() / "blobs" / "ab" / "notes.txt";
  std::FILE* f = std::fopen(stray.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  const timespec old[2] = {{unix_now() - 2 * kHour, 0}, {unix_now() - 2 * kHour, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, stray.c_str(), old, 0), 0);

  const GarbageReport report = collect();
  EXPECT_EQ(report.orphan_files_removed, 1u);
  EXPECT_EQ(report.bytes_freed, orphan.size);
  EXPECT_FALSE(std::filesystem::exists(path_of(orphan.hash)));
  EXPECT_TRUE(std::filesystem::exists(stray));
}

// Orphan files are looked for only in the fan-out folders asked for (a periodic caller spreads
// the sweep); rows of refcount 0 are always all handled.
TEST_F(MaintenanceTest, OrphanSearchCoversTheFoldersAskedFor) {
  const BlobRef orphan = put_blob(*store_, "an orphan in one folder");
  age(orphan.hash, 2 * kHour);
  const int folder = std::stoi(orphan.hash.substr(0, 2), nullptr, 16);
  GarbageOptions elsewhere;
  elsewhere.first_orphan_folder = folder + 1;
  elsewhere.orphan_folders = 255;  // Every folder but its own, wrapping around.
  auto missed = store_->collect_garbage(elsewhere);
  ASSERT_TRUE(missed.has_value());
  EXPECT_EQ(missed->orphan_files_removed, 0u);
  EXPECT_TRUE(std::filesystem::exists(path_of(orphan.hash)));
  GarbageOptions here;
  here.first_orphan_folder = folder;
  here.orphan_folders = 1;
  auto found = store_->collect_garbage(here);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->orphan_files_removed, 1u);
  EXPECT_FALSE(std::filesystem::exists(path_of(orphan.hash)));
}

// A row of refcount 0 whose file is already gone (an earlier run's transaction did not commit)
// is dropped.
TEST_F(MaintenanceTest, DropsUnreferencedRowsWithoutFile) {
  const BlobRef blob = put_blob(*store_, "file already removed");
  append_and_expunge(blob);
  ASSERT_TRUE(std::filesystem::remove(path_of(blob.hash)));
  const GarbageReport report = collect();
  EXPECT_EQ(report.blobs_removed, 0u);
  EXPECT_EQ(blob_rows(blob.hash), 0);
}

// The race the design is about: an old unreferenced body is stored again by a writer (the same
// content: finish() re-uses the file) whose delivery commits after a collection. The re-use
// makes the file young, so the collection keeps it and the delivery finds its body.
TEST_F(MaintenanceTest, BodyReusedByAWriterJustBeforeCollectionIsKept) {
  const std::string content = "Subject: again\r\n\r\nthe same body twice\r\n";
  const BlobRef first = put_blob(*store_, content);
  append_and_expunge(first);
  age(first.hash, 2 * kHour);

  const BlobRef second = put_blob(*store_, content);  // Re-uses the file.
  ASSERT_EQ(second.hash, first.hash);
  EXPECT_GE(mtime(second.hash), unix_now() - 60);

  const GarbageReport report = collect();
  EXPECT_EQ(report.blobs_removed, 0u);
  auto delivered = store_->deliver_and_wait(Delivery{second, {bob_}, kDate});
  ASSERT_TRUE(delivered.has_value()) << describe(delivered.error());
  EXPECT_EQ(*store_->read_blob(second.hash), content);
  EXPECT_EQ(query("SELECT refcount FROM blobs WHERE hash = '" + second.hash + "'"), 1);
}

// The other order: the collection removes the file first; a writer of the same content then
// stores it anew instead of re-using a name that is gone.
TEST_F(MaintenanceTest, WriterAfterCollectionStoresTheBodyAnew) {
  const std::string content = "collected, then written again";
  const BlobRef first = put_blob(*store_, content);
  append_and_expunge(first);
  age(first.hash, 2 * kHour);
  ASSERT_EQ(collect().blobs_removed, 1u);

  const BlobRef again = put_blob(*store_, content);
  auto delivered = store_->deliver_and_wait(Delivery{again, {alice_}, kDate});
  ASSERT_TRUE(delivered.has_value()) << describe(delivered.error());
  EXPECT_EQ(*store_->read_blob(again.hash), content);
}

// A writer re-using a file holds a shared lock while it checks and touches it: a collection that
// meets the lock keeps the file, whatever its age.
TEST_F(MaintenanceTest, FileBeingReusedIsKept) {
  const BlobRef blob = put_blob(*store_, "being re-used right now");
  append_and_expunge(blob);
  age(blob.hash, 2 * kHour);
  const int fd = ::open(path_of(blob.hash).c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_SH), 0);
  EXPECT_EQ(collect().blobs_removed, 0u);
  EXPECT_TRUE(std::filesystem::exists(path_of(blob.hash)));
  ::close(fd);
  EXPECT_EQ(collect().blobs_removed, 1u);
}

// Collection in another process (the admin CLI) while this one delivers the same bodies over and
// over: every delivered message keeps its body.
TEST_F(MaintenanceTest, ConcurrentDeliveriesKeepTheirBodies) {
  auto other = testing::open_store(dir_.path());
  ASSERT_NE(other, nullptr);
  std::atomic<bool> stop{false};
  std::thread collector([&] {
    while (!stop.load()) {
      auto report = other->collect_garbage(GarbageOptions{.blob_grace_seconds = 1});
      EXPECT_TRUE(report.has_value());
    }
  });
  const MailboxInfo box = inbox(alice_);
  for (int i = 0; i < 200; ++i) {
    const std::string content = "body " + std::to_string(i % 5);
    const BlobRef blob = put_blob(*store_, content);
    auto delivered = store_->deliver_and_wait(Delivery{blob, {alice_}, kDate});
    ASSERT_TRUE(delivered.has_value()) << describe(delivered.error());
    ASSERT_EQ(*store_->read_blob(blob.hash), content);
    if (i % 3 == 0) continue;  // Kept, checked at the end.
    // Expunged again so that its body may become garbage, and written (re-used) again soon.
    const Uid uid[] = {delivered->front().uid};
    ASSERT_TRUE(store_->expunge(box.id, uid).has_value());
    if (i % 7 == 0) {  // Some look old (the collector may have removed it already).
      const timespec old[2] = {{unix_now() - kHour, 0}, {unix_now() - kHour, 0}};
      (void)::utimensat(AT_FDCWD, path_of(blob.hash).c_str(), old, 0);
    }
  }
  stop = true;
  collector.join();
  auto messages = store_->list_messages(box.id);
  ASSERT_TRUE(messages.has_value());
  EXPECT_EQ(messages->size(), 67u);
  for (const MessageInfo& m : *messages) {
    EXPECT_TRUE(store_->read_blob(m.blob_hash).has_value()) << m.blob_hash;
  }
}

// The expunge log: entries past the retention period go, the mailbox's horizon rises to the
// highest MODSEQ pruned, and changes_since says when it cannot list every expunge.
TEST_F(MaintenanceTest, PrunesTheExpungeLogAndReportsTheHorizon) {
  const MailboxInfo box = inbox(alice_);
  const MailboxInfo other = mailbox(alice_, "Archive");
  const AppendedMessage a = add(box.id, "a");
  const AppendedMessage b = add(box.id, "b");
  const AppendedMessage c = add(box.id, "c");
  const AppendedMessage d = add(other.id, "d");
  const Uid first[] = {a.uid};
  ASSERT_EQ(store_->expunge(box.id, first)->size(), 1u);
  const ModSeq old_expunge = inbox(alice_).highest_modseq;
  const Uid second[] = {b.uid};
  ASSERT_EQ(store_->expunge(box.id, second)->size(), 1u);
  const Uid in_other[] = {d.uid};
  ASSERT_EQ(store_->expunge(other.id, in_other)->size(), 1u);
  ASSERT_EQ(query("SELECT count(*) FROM expunged WHERE at > 0"), 3);
  // The first is 40 days old.
  RawDatabase raw(dir_.path());
  ASSERT_TRUE(raw.exec("UPDATE expunged SET at = at - 40 * 86400 WHERE uid = " +
                       std::to_string(static_cast<std::uint32_t>(a.uid)) +
                       " AND mailbox_id = " + std::to_string(static_cast<std::int64_t>(box.id))));

  const GarbageReport report = collect();
  EXPECT_EQ(report.expunges_pruned, 1u);
  EXPECT_EQ(query("SELECT expunged_horizon FROM mailboxes WHERE id = " +
                  std::to_string(static_cast<std::int64_t>(box.id))),
            static_cast<std::int64_t>(old_expunge));
  EXPECT_EQ(query("SELECT expunged_horizon FROM mailboxes WHERE id = " +
                  std::to_string(static_cast<std::int64_t>(other.id))),
            0);

  // From before the pruned entry: incomplete (only b is still listed).
  auto below = store_->changes_since(box.id, ModSeq(static_cast<std::uint64_t>(old_expunge) - 1));
  ASSERT_TRUE(below.has_value());
  EXPECT_TRUE(below->expunges_incomplete);
  EXPECT_EQ(below->expunged, std::vector<Uid>{b.uid});
  // From the horizon on: complete.
  auto at = store_->changes_since(box.id, old_expunge);
  ASSERT_TRUE(at.has_value());
  EXPECT_FALSE(at->expunges_incomplete);
  EXPECT_EQ(at->expunged, std::vector<Uid>{b.uid});
  auto untouched = store_->changes_since(other.id, ModSeq(1));
  ASSERT_TRUE(untouched.has_value());
  EXPECT_FALSE(untouched->expunges_incomplete);
  EXPECT_EQ(untouched->expunged, std::vector<Uid>{d.uid});

  // With no retention, everything goes, and the horizon reaches the newest expunge.
  auto all = store_->collect_garbage(GarbageOptions{.expunge_retention_seconds = 0});
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->expunges_pruned, 2u);
  const ModSeq newest = inbox(alice_).highest_modseq;
  auto after = store_->changes_since(box.id, ModSeq(static_cast<std::uint64_t>(newest) - 1));
  ASSERT_TRUE(after.has_value());
  EXPECT_TRUE(after->expunges_incomplete);
  EXPECT_TRUE(after->expunged.empty());
  auto current = store_->changes_since(box.id, newest);
  EXPECT_FALSE(current->expunges_incomplete);
  EXPECT_EQ(uids(box.id), std::vector<std::uint32_t>{static_cast<std::uint32_t>(c.uid)});
}

// Migration 5: entries logged before it count from the upgrade, so that the first pruning after
// an upgrade keeps them for the whole retention period instead of dropping them all.
TEST(MaintenanceMigration, ExistingExpungesCountFromTheUpgrade) {
  testing::TempDir dir;
  { std::ofstream(dir.path() / "metadata.sqlite"); }
  {
    auto db = Database::open(dir.path() / "metadata.sqlite", Database::Mode::kReadWrite);
    ASSERT_TRUE(db.has_value()) << db.error();
    ASSERT_TRUE(migrate_to(**db, 4).has_value());
  }
  {
    RawDatabase raw(dir.path());
    ASSERT_TRUE(raw.exec(R"sql(
      INSERT INTO domains (id, name) VALUES (1, 'example.com');
      INSERT INTO accounts (id, domain_id, address, password_hash, created_at)
        VALUES (1, 1, 'alice@example.com', 'h', 0);
      INSERT INTO mailboxes (id, account_id, name, uid_validity, uid_next, highest_modseq)
        VALUES (1, 1, 'INBOX', 1, 3, 5);
      INSERT INTO expunged (mailbox_id, uid, modseq) VALUES (1, 1, 4), (1, 2, 5);
    )sql"));
  }
  auto store = testing::open_store(dir.path());
  ASSERT_NE(store, nullptr);
  RawDatabase raw(dir.path());
  EXPECT_GE(raw.query_int("SELECT min(at) FROM expunged"), unix_now() - 60);
  EXPECT_EQ(raw.query_int("SELECT expunged_horizon FROM mailboxes WHERE id = 1"), 0);
  auto report = store->collect_garbage();
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->expunges_pruned, 0u);
  auto changes = store->changes_since(MailboxId{1}, ModSeq{3});
  ASSERT_TRUE(changes.has_value());
  EXPECT_FALSE(changes->expunges_incomplete);
  EXPECT_EQ(changes->expunged, (std::vector<Uid>{Uid{1}, Uid{2}}));
}

}  // namespace
}  // namespace redoubt::store

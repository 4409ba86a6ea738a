// Store: garbage collection of message bodies, and pruning of the expunge log.
//
// The expunge log
// ---------------
// Every expunge is logged (table expunged) so that changes_since can tell QRESYNC clients and
// other sessions which UIDs vanished after a MODSEQ. Kept forever, the log would grow with every
// message ever removed. Entries older than the retention period are deleted, and the highest
// MODSEQ deleted from each mailbox's log becomes its expunged_horizon, in the same transaction:
// changes_since(since) is then complete exactly when since >= horizon (every entry it needs has a
// MODSEQ above the horizon, and those were not pruned), and says so otherwise, so no reader can
// mistake a pruned log for "nothing was expunged". Readers fall back to comparing UIDs.
//
// A body (store/blob_store.h) is a file blobs/xx/<hash> plus a row in `blobs` whose refcount the
// messages rows keep (the messages_release_blob trigger decrements it). Nothing else removes a
// body, so this is what keeps the disk from only ever filling up. It removes:
//   1. rows of refcount 0, with their file and (ON DELETE CASCADE) their blob_summaries row;
//   2. files without any row: a writer renamed the body into place, then crashed, or its message
//      was refused (quota, UIDs used up), before a row referenced it.
//
// Why no message can lose its body
// --------------------------------
// The danger is a body that a writer has finished but whose message row is not committed yet: it
// looks exactly like garbage (refcount 0, or no row at all). A writer's path is
//   (a) BlobWriter::finish: a new body is renamed into place, or an identical stored one re-used;
//   (b) a check that the file exists (BlobStore::check) and an fsync of its folder: for
//       deliveries in Committer::check_blobs on the committer thread before the batch's
//       transaction begins, for APPEND in Store::append on the caller's thread, and again inside
//       its write job (message_add.cc);
//   (c) in a write job, reference_blob (refcount + 1, creating the row) and the INSERT, then
//       COMMIT.
// Every removal here happens inside a write job (Committer::write), i.e. inside a transaction
// holding SQLite's write lock, so no other write job, in this process or another, runs between
// its reading of the rows and the unlink: a body referenced in a committed or in-batch-before-us
// row is never a candidate, and a body referenced in a later job is only referenced after the
// unlink. So the only exposure is between (a) and (c), and that is what the grace period covers:
//   - finish() leaves the file's modification time at "now": a new file is touched before its
//     rename, and an existing one is re-used only after a touch under a shared flock(2) that
//     BlobStore::remove_if_older's exclusive lock excludes (either the touch comes first and the
//     file is young, or the unlink comes first and finish() sees the file unlinked and stores the
//     body anew). remove_if_older reads the time under that lock.
//   - A file is removed only if its time is more than the grace period (default one hour) in the
//     past. A writer commits within milliseconds of finish(), seconds under heavy load; the grace
//     period is orders of magnitude longer. A writer stalled longer than that fails in (b) or (c)
//     instead of committing a dangling row only for APPEND, which re-checks inside its job;
//     deliveries check once, before the transaction (committer.cc), so they rely on the grace
//     period alone.
// The bookkeeping errs on the side of keeping: a row is deleted only once its file is gone (a
// failed unlink keeps both), and an unlink whose transaction then fails to commit leaves a row of
// refcount 0 without a file, which no message uses and the next run deletes (and which a writer
// that stores the same body again revives: reference_blob upserts the row, after finish() wrote a
// new file). Unlinks are not fsynced: one undone by a crash leaves an orphan file for the next run.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "store/committer.h"
#include "store/database.h"
#include "store/store.h"
#include "store/store_try.h"

namespace redoubt::store {
namespace {

// Rows or files handled per write job: each job holds the write lock (and delays the deliveries
// queued behind it) for at most this many file operations.
constexpr int kRoundSize = 256;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Round {
  std::size_t seen = 0;
  std::string last;  // Last hash looked at: the next round starts after it.
  GarbageReport freed;
};

// One round of step 1: up to kRoundSize rows of refcount 0 after `after`, in hash order.
Result<Round, StoreError> collect_unreferenced(Database& db, const BlobStore& blobs,
                                               const std::string& after,
                                               std::int64_t older_than) {
  Round round;  // Built afresh: the committer may run this job twice.
  std::vector<std::pair<std::string, std::int64_t>> rows;
  {
    Statement st = db.prepare(
        "SELECT hash, size FROM blobs WHERE refcount <= 0 AND hash > ?1 ORDER BY hash LIMIT ?2");
    st.bind(after, kRoundSize);
    for (;;) {
      STORE_TRY(row, st.step());
      if (!*row) break;
      rows.emplace_back(st.text(0), st.int64(1));
    }
  }
  round.seen = rows.size();
  if (!rows.empty()) round.last = rows.back().first;
  for (const auto& [hash, size] : rows) {
    if (!is_valid_blob_hash(hash)) continue;  // Never from our writers; never build a path of it.
    STORE_TRY(removal, blobs.remove_if_older(hash, older_than));
    // Kept: young, so possibly about to be referenced (see the top of this file). The row stays
    // with it: a writer about to reference the body may find it or create it, either is fine.
    if (*removal == BlobStore::Removal::kKept) continue;
    // Removed now, or absent already (an earlier run whose transaction did not commit): either
    // way no message uses the row, and no file is left for it to describe.
    Statement remove = db.prepare("DELETE FROM blobs WHERE hash = ?1 AND refcount <= 0");
    remove.bind(hash);
    if (auto done = remove.run(); !done) return unexpected(done.error());
    if (*removal == BlobStore::Removal::kRemoved) {
      ++round.freed.blobs_removed;
      round.freed.bytes_freed += static_cast<std::uint64_t>(size);
    }
  }
  return round;
}

// One round of step 2: the files of `files` that still have no row.
Result<GarbageReport, StoreError> collect_orphans(Database& db, const BlobStore& blobs,
                                                  std::span<const BlobStore::StoredFile> files,
                                                  std::int64_t older_than) {
  GarbageReport freed;
  for (const BlobStore::StoredFile& file : files) {
    // Read inside the job: a row committed since the folder was listed is seen here, and none
    // can be committed between this read and the unlink.
    Statement st = db.prepare("SELECT 1 FROM blobs WHERE hash = ?1");
    st.bind(file.hash);
    STORE_TRY(row, st.step());
    if (*row) continue;  // Step 1's business (or referenced).
    const std::uint64_t size = [&] {
      std::error_code ec;
      const auto bytes = std::filesystem::file_size(blobs.path_of(file.hash), ec);
      return ec ? std::uint64_t{0} : static_cast<std::uint64_t>(bytes);
    }();
    STORE_TRY(removal, blobs.remove_if_older(file.hash, older_than));
    if (*removal == BlobStore::Removal::kRemoved) {
      ++freed.orphan_files_removed;
      freed.bytes_freed += size;
    }
  }
  return freed;
}

// Prunes the expunge log of entries written at or before `before` (unix seconds), first raising
// the horizon of each mailbox concerned to the highest MODSEQ pruned.
Result<std::uint64_t, StoreError> prune_expunged(Database& db, std::int64_t before) {
  Statement horizon = db.prepare(
      "UPDATE mailboxes SET expunged_horizon = max(expunged_horizon, "
      "(SELECT max(modseq) FROM expunged WHERE mailbox_id = mailboxes.id AND at <= ?1)) "
      "WHERE id IN (SELECT mailbox_id FROM expunged WHERE at <= ?1)");
  horizon.bind(before);
  if (auto done = horizon.run(); !done) return unexpected(done.error());
  Statement prune = db.prepare("DELETE FROM expunged WHERE at <= ?1");
  prune.bind(before);
  if (auto done = prune.run(); !done) return unexpected(done.error());
  return static_cast<std::uint64_t>(db.changes());
}

void add(GarbageReport& total, const GarbageReport& more) {
  total.blobs_removed += more.blobs_removed;
  total.orphan_files_removed += more.orphan_files_removed;
  total.bytes_freed += more.bytes_freed;
}

}  // namespace

Result<GarbageReport, StoreError> Store::collect_garbage(const GarbageOptions& options) {
  GarbageReport report;
  const std::int64_t now = unix_now();
  const std::int64_t older_than = now - std::max<std::int64_t>(options.blob_grace_seconds, 0);

  // The expunge log, in one job: one indexed DELETE, however many mailboxes.
  const std::int64_t expunged_before =
      now - std::max<std::int64_t>(options.expunge_retention_seconds, 0);
  STORE_TRY(pruned, writes_->write([&](Database& db) {
    return prune_expunged(db, expunged_before);
  }));
  report.expunges_pruned = *pruned;

  // Step 1: rows of refcount 0, in rounds, each its own short write job.
  std::string after;
  for (;;) {
    STORE_TRY(round, writes_->write([&](Database& db) {
      return collect_unreferenced(db, blobs_, after, older_than);
    }));
    add(report, round->freed);
    if (round->seen < static_cast<std::size_t>(kRoundSize)) break;
    after = std::move(round->last);
  }

  // Step 2: files without a row. Listing the folders needs no lock: a file listed here is only
  // removed after the checks above are made again inside a write job.
  const int folders = std::clamp(options.orphan_folders, 0, 256);
  for (int i = 0; i < folders; ++i) {
    STORE_TRY(files, blobs_.list_files((options.first_orphan_folder + i) & 255, 1, older_than));
    for (std::size_t start = 0; start < files->size(); start += kRoundSize) {
      const std::size_t count = std::min<std::size_t>(kRoundSize, files->size() - start);
      const std::span<const BlobStore::StoredFile> chunk = std::span(*files).subspan(start, count);
      STORE_TRY(freed, writes_->write([&](Database& db) {
        return collect_orphans(db, blobs_, chunk, older_than);
      }));
      add(report, *freed);
    }
  }
  return report;
}

}  // namespace redoubt::store

#pragma once

// Content-addressed message bodies, one file per distinct content:
//
//   <data>/blobs/<first 2 hex digits>/<64 hex digits of SHA-256>   immutable once renamed there
//   <data>/blobs/tmp/<random>                                       being written, or crash
//   leftovers
//
// A body is written to tmp/, fsynced and renamed to its hash, so a name under a fan-out folder
// always holds complete, durable content. The same content stored twice is one file: every
// recipient of a message, and every copy of it, share it. Which blobs are still referenced is
// recorded in the metadata database (table blobs), not here.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/mailbox_info.h"
#include "store/mapped_blob.h"
#include "store/store_error.h"

namespace redoubt::store {

// A stored body: its SHA-256 as 64 lowercase hex digits, and its length in bytes. `summary`,
// if the writer's caller set it, is saved with the first message that references the body.
struct BlobRef {
  std::string hash;
  std::uint64_t size = 0;
  std::optional<MessageSummary> summary;

  bool operator==(const BlobRef&) const = default;
};

// True if `hash` has the form of BlobRef::hash. Anything else is never used to build a path.
bool is_valid_blob_hash(std::string_view hash);

// Streams one body into the blob store. Obtained from BlobStore::new_writer (Store::new_blob).
//
// Bodies up to kMemoryLimit stay in memory until finish(); larger ones spill to a temporary file
// as they arrive, so memory stays bounded whatever the message size. A writer destroyed before
// finish() succeeded leaves nothing behind (an aborted SMTP DATA costs no disk). Move-only; one
// writer must not be used by two threads at once, but different writers are independent.
class BlobWriter {
 public:
  static constexpr std::size_t kMemoryLimit = 256 * 1024;

  BlobWriter(BlobWriter&&) noexcept;
  BlobWriter& operator=(BlobWriter&&) noexcept;
  ~BlobWriter();

  // Adds `bytes` to the body. Fails with kTemporary if spilling to disk fails; the failure sticks,
  // and finish() reports it too. REQUIRES: finish() has not been called.
  Result<void, StoreError> append(std::string_view bytes);

  // Bytes appended so far (for size limits such as SMTP SIZE, RFC 1870).
  std::uint64_t size() const;

  // Stores the body under its hash and returns it. The file's content is durable when this
  // returns, but its name is durable only after its fan-out folder is fsynced
  // (BlobStore::sync_directory_of), which the store's committer does once per batch of
  // deliveries. Fails with kTemporary on I/O errors (disk full, ...), leaving nothing behind.
  // REQUIRES: called at most once.
  Result<BlobRef, StoreError> finish();

 private:
  friend class BlobStore;
  struct Impl;
  explicit BlobWriter(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

// The folder of blobs under one data folder. Cheap to copy; all methods are const and
// thread-safe. Several processes may use the same folder at once.
class BlobStore {
 public:
  // Opens (creating if needed) `<data_dir>/blobs` with its 256 fan-out folders, and removes
  // leftovers of crashed writers from tmp/. Temporary files that a live writer (in this or
  // another process) holds are left alone: writers keep an flock(2) on them.
  // On failure returns a one-line reason for the operator.
  static Result<BlobStore, std::string> open(const std::filesystem::path& data_dir);

  // A writer for a new body.
  BlobWriter new_writer() const;

  // The whole body with `hash`. kInvalid for a malformed hash, kNotFound if there is no such
  // blob, kTemporary on I/O errors.
  Result<std::string, StoreError> read(std::string_view hash) const;

  // The body with `hash`, mapped read-only (MAP_PRIVATE). Errors as read(); kTemporary also if
  // the mapping fails (address space, too many mappings).
  Result<MappedBlob, StoreError> map(std::string_view hash) const;

  // Checks that blob `ref.hash` exists with size `ref.size`: kInvalid for a malformed hash or a
  // different size, kNotFound if absent, kTemporary on I/O errors.
  Result<void, StoreError> check(const BlobRef& ref) const;

  // Where the body with `hash` is (or would be) stored. REQUIRES: is_valid_blob_hash(hash).
  std::filesystem::path path_of(std::string_view hash) const;

  // fsyncs the fan-out folder of `hash`, which makes the names of all blobs renamed into it so
  // far durable. kTemporary on failure. REQUIRES: is_valid_blob_hash(hash).
  Result<void, StoreError> sync_directory_of(std::string_view hash) const;

  // A stored body file as garbage collection sees it.
  struct StoredFile {
    std::string hash;
    std::int64_t mtime = 0;  // Unix seconds: when a writer last wrote or re-used it (see finish).
  };

  // The files of up to `limit` fan-out folders starting at `first_folder` (0-255, wrapping), whose
  // modification time is at or before `older_than` (unix seconds); names that are not blob hashes
  // are skipped. kTemporary if a folder cannot be read.
  Result<std::vector<StoredFile>, StoreError> list_files(int first_folder, int limit,
                                                         std::int64_t older_than) const;

  // Removes the file of `hash` if its modification time is still at or before `older_than`,
  // under an exclusive flock(2) that excludes BlobWriter::finish's re-use of it (see there):
  // either the writer re-used the file first and refreshed its time, and it is kept, or it is
  // removed first and the writer, seeing it unlinked, stores the body anew. kKept: young, or
  // being re-used right now. kTemporary on I/O errors. REQUIRES: is_valid_blob_hash(hash).
  enum class Removal { kRemoved, kKept, kAbsent };
  Result<Removal, StoreError> remove_if_older(std::string_view hash, std::int64_t older_than) const;

 private:
  explicit BlobStore(std::filesystem::path root) : root_(std::move(root)) {}

  std::filesystem::path root_;  // <data>/blobs
};

}  // namespace redoubt::store

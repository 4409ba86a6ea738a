#include "store/blob_store.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <optional>
#include <system_error>

#include "base/check.h"
#include "base/hex.h"
#include "base/random.h"
#include "store/file_util.h"

namespace redoubt::store {
namespace {

constexpr std::size_t kHashLength = 64;  // SHA-256 in hex
constexpr std::string_view kTempFolder = "tmp";

struct EvpMdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using EvpMdCtx = std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree>;

std::string fan_out_name(std::string_view hash) { return std::string(hash.substr(0, 2)); }

// flock(2), retried on EINTR.
int lock_file(int fd, int operation) {
  int rc;
  do {
    rc = ::flock(fd, operation);
  } while (rc != 0 && errno == EINTR);
  return rc;
}

// Removes files in tmp/ that no live writer holds. A writer locks its file right after creating
// it and keeps the lock until the file is renamed or removed, so a file we can lock belongs to a
// writer that died (or to one that has not locked it yet: such a writer notices that its file was
// unlinked and starts over, see open_temp_file).
void remove_abandoned_temp_files(const std::filesystem::path& temp_dir) {
  std::error_code ec;
  std::filesystem::directory_iterator it(temp_dir, ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::filesystem::path& path = it->path();
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    if (!fd.is_open()) continue;  // Gone already, or not ours to judge.
    struct stat st;
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (lock_file(fd.get(), LOCK_EX | LOCK_NB) != 0) continue;  // A live writer holds it.
    ::unlink(path.c_str());
  }
}

}  // namespace

bool is_valid_blob_hash(std::string_view hash) {
  if (hash.size() != kHashLength) return false;
  for (char c : hash) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// BlobWriter

struct BlobWriter::Impl {
  std::filesystem::path root;  // <data>/blobs
  EvpMdCtx sha256{EVP_MD_CTX_new()};
  std::string buffer;  // Bytes not yet written to `file`.
  UniqueFd file;       // The locked temporary file, once the body has spilled to disk.
  std::filesystem::path temp_path;
  std::uint64_t size = 0;
  std::optional<StoreError> failure;  // Sticky: set by the first failed write.
  bool is_finished = false;

  explicit Impl(std::filesystem::path blob_root) : root(std::move(blob_root)) {
    REDOUBT_CHECK(sha256 != nullptr);
    REDOUBT_CHECK(EVP_DigestInit_ex(sha256.get(), EVP_sha256(), nullptr) == 1);
  }

  // Removes the temporary file, if any. Unlink before close: the lock is held until the name is
  // gone, so the cleanup in another process's BlobStore::open never races with us.
  ~Impl() { discard_temp_file(); }

  void discard_temp_file() {
    if (!temp_path.empty()) ::unlink(temp_path.c_str());
    temp_path.clear();
    file.reset();
  }

  Result<void, StoreError> fail() {
    failure = StoreError::kTemporary;
    discard_temp_file();
    buffer.clear();
    buffer.shrink_to_fit();
    return unexpected(StoreError::kTemporary);
  }

  // Creates and locks a fresh temporary file (mode 0640 minus umask: bodies are private mail).
  Result<void, StoreError> open_temp_file() {
    for (int attempt = 0; attempt < 4; ++attempt) {
      std::filesystem::path path = root / kTempFolder / random_hex(16);
      UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640));
      if (!fd.is_open()) {
        if (errno == EEXIST) continue;
        return unexpected(StoreError::kTemporary);
      }
      if (lock_file(fd.get(), LOCK_EX) != 0) {
        ::unlink(path.c_str());
        return unexpected(StoreError::kTemporary);
      }
      // Between open() and flock() a concurrent BlobStore::open may have taken the file for a
      // crash leftover and unlinked it. Writing to an unnamed file would lose the body, so check.
      struct stat st;
      if (::fstat(fd.get(), &st) != 0) {
        ::unlink(path.c_str());
        return unexpected(StoreError::kTemporary);
      }
      if (st.st_nlink == 0) continue;
      file = std::move(fd);
      temp_path = std::move(path);
      return {};
    }
    return unexpected(StoreError::kTemporary);
  }

  Result<void, StoreError> flush_buffer() {
    if (!file.is_open()) {
      if (auto opened = open_temp_file(); !opened) return fail();
    }
    if (!write_all(file.get(), buffer)) return fail();
    buffer.clear();
    return {};
  }

  std::string finish_hash() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest;
    unsigned int length = 0;
    REDOUBT_CHECK(EVP_DigestFinal_ex(sha256.get(), digest.data(), &length) == 1);
    return to_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), length));
  }

  // True if a complete blob with this name is already stored, which this writer then re-uses
  // instead of storing the same content again. A file of another size cannot hold this content
  // (it was damaged outside our control), so the caller replaces it.
  //
  // Re-using the file must not race with garbage collection (BlobStore::remove_if_older), which
  // may remove a file no message references once it is older than its grace period: the caller
  // is about to reference it. So, under a shared flock(2) that excludes the collector's exclusive
  // one, check that the file still has a name (the collector unlinks while it holds its lock) and
  // set its time to now. Either we come first, and the collector then finds a young file and
  // keeps it, or it comes first, and we find the file unlinked (or absent) and store the body
  // anew. A file we cannot lock or touch (not ours) is not re-used either.
  bool reuse_stored(const std::filesystem::path& final_path) const {
    UniqueFd fd(::open(final_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    if (!fd.is_open()) return false;
    if (lock_file(fd.get(), LOCK_SH) != 0) return false;
    struct stat st;
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink == 0 ||
        static_cast<std::uint64_t>(st.st_size) != size) {
      return false;
    }
    return ::futimens(fd.get(), nullptr) == 0;  // Closing the descriptor releases the lock.
  }
};

BlobWriter::BlobWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BlobWriter::BlobWriter(BlobWriter&&) noexcept = default;
BlobWriter& BlobWriter::operator=(BlobWriter&&) noexcept = default;
BlobWriter::~BlobWriter() = default;

std::uint64_t BlobWriter::size() const {
  REDOUBT_CHECK(impl_ != nullptr);
  return impl_->size;
}

Result<void, StoreError> BlobWriter::append(std::string_view bytes) {
  REDOUBT_CHECK(impl_ != nullptr && !impl_->is_finished);
  Impl& w = *impl_;
  if (w.failure) return unexpected(*w.failure);
  REDOUBT_CHECK(EVP_DigestUpdate(w.sha256.get(), bytes.data(), bytes.size()) == 1);
  w.size += bytes.size();
  w.buffer.append(bytes);
  // Write in chunks of at least kMemoryLimit: few system calls however small the appends are.
  if (w.buffer.size() >= kMemoryLimit) return w.flush_buffer();
  return {};
}

Result<BlobRef, StoreError> BlobWriter::finish() {
  REDOUBT_CHECK(impl_ != nullptr && !impl_->is_finished);
  Impl& w = *impl_;
  w.is_finished = true;
  if (w.failure) return unexpected(*w.failure);

  BlobRef ref{w.finish_hash(), w.size};
  const std::filesystem::path final_path = w.root / fan_out_name(ref.hash) / ref.hash;

  // Deduplicate before touching the disk when the whole body is still in memory.
  if (!w.file.is_open() && w.reuse_stored(final_path)) return ref;

  if (auto flushed = w.flush_buffer(); !flushed) return unexpected(flushed.error());
  if (w.reuse_stored(final_path)) {
    w.discard_temp_file();
    return ref;
  }
  // The content must be on disk before the name points to it, or a crash could leave a complete-
  // looking name over an empty or partial file.
  // The new file's time is that of its last write, at most a moment ago; set it to now all the
  // same, since garbage collection keeps unreferenced files only while they are young (see
  // BlobStore::remove_if_older), and this body is about to be referenced.
  if (::futimens(w.file.get(), nullptr) != 0 || ::fsync(w.file.get()) != 0) {
    return unexpected(w.fail().error());
  }
  // rename(2) is atomic. If a concurrent writer stored the same content meanwhile, this replaces
  // its file by an identical one, which readers cannot tell apart.
  if (::rename(w.temp_path.c_str(), final_path.c_str()) != 0) {
    return unexpected(w.fail().error());
  }
  w.temp_path.clear();
  w.file.reset();
  return ref;
}

// ---------------------------------------------------------------------------------------------
// BlobStore

Result<BlobStore, std::string> BlobStore::open(const std::filesystem::path& data_dir) {
  const std::filesystem::path root = data_dir / "blobs";
  auto create = [](const std::filesystem::path& dir) -> Result<bool, std::string> {
    auto created = make_directory(dir);
    if (!created)
      return unexpected("cannot create folder " + dir.string() + ": " + created.error().message());
    return *created;
  };
  auto root_created = create(root);
  if (!root_created) return unexpected(std::move(root_created.error()));
  auto temp_created = create(root / kTempFolder);
  if (!temp_created) return unexpected(std::move(temp_created.error()));
  // All 256 fan-out folders exist from the start, so the committer's fsync of a fan-out folder is
  // all a new blob's name needs: the folder's own entry in blobs/ is already durable.
  bool any_created = *temp_created;
  for (int i = 0; i < 256; ++i) {
    const char name[3] = {"0123456789abcdef"[i >> 4], "0123456789abcdef"[i & 15], '\0'};
    auto created = create(root / name);
    if (!created) return unexpected(std::move(created.error()));
    any_created = any_created || *created;
  }
  if ((any_created && !sync_directory(root)) || (*root_created && !sync_directory(data_dir))) {
    return unexpected("cannot sync folder " + root.string() + ": " +
                      std::generic_category().message(errno));
  }
  remove_abandoned_temp_files(root / kTempFolder);
  return BlobStore(root);
}

BlobWriter BlobStore::new_writer() const {
  return BlobWriter(std::make_unique<BlobWriter::Impl>(root_));
}

std::filesystem::path BlobStore::path_of(std::string_view hash) const {
  REDOUBT_CHECK(is_valid_blob_hash(hash));
  return root_ / fan_out_name(hash) / std::string(hash);
}

Result<std::string, StoreError> BlobStore::read(std::string_view hash) const {
  if (!is_valid_blob_hash(hash)) return unexpected(StoreError::kInvalid);
  UniqueFd fd(::open(path_of(hash).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.is_open()) {
    return unexpected(errno == ENOENT ? StoreError::kNotFound : StoreError::kTemporary);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return unexpected(StoreError::kTemporary);
  std::string content(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::read(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return unexpected(StoreError::kTemporary);  // Error, or shrank: not our blob.
    done += static_cast<std::size_t>(n);
  }
  return content;
}

Result<MappedBlob, StoreError> BlobStore::map(std::string_view hash) const {
  if (!is_valid_blob_hash(hash)) return unexpected(StoreError::kInvalid);
  UniqueFd fd(::open(path_of(hash).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.is_open()) {
    return unexpected(errno == ENOENT ? StoreError::kNotFound : StoreError::kTemporary);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return unexpected(StoreError::kTemporary);
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size == 0) return MappedBlob();
  // The mapping keeps the file's pages reachable after the descriptor is closed.
  void* address = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (address == MAP_FAILED) return unexpected(StoreError::kTemporary);
  return MappedBlob(address, size);
}

Result<void, StoreError> BlobStore::check(const BlobRef& ref) const {
  if (!is_valid_blob_hash(ref.hash)) return unexpected(StoreError::kInvalid);
  struct stat st;
  if (::stat(path_of(ref.hash).c_str(), &st) != 0) {
    return unexpected(errno == ENOENT ? StoreError::kNotFound : StoreError::kTemporary);
  }
  if (!S_ISREG(st.st_mode) || static_cast<std::uint64_t>(st.st_size) != ref.size) {
    return unexpected(StoreError::kInvalid);
  }
  return {};
}

Result<void, StoreError> BlobStore::sync_directory_of(std::string_view hash) const {
  REDOUBT_CHECK(is_valid_blob_hash(hash));
  if (!sync_directory(root_ / fan_out_name(hash))) return unexpected(StoreError::kTemporary);
  return {};
}

Result<std::vector<BlobStore::StoredFile>, StoreError> BlobStore::list_files(
    int first_folder, int limit, std::int64_t older_than) const {
  std::vector<StoredFile> files;
  for (int i = 0; i < std::clamp(limit, 0, 256); ++i) {
    const int folder = (first_folder + i) & 255;
    const char name[3] = {"0123456789abcdef"[folder >> 4], "0123456789abcdef"[folder & 15], '\0'};
    std::error_code ec;
    std::filesystem::directory_iterator it(root_ / name, ec);
    for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
      const std::string hash = it->path().filename().string();
      if (!is_valid_blob_hash(hash) || hash.compare(0, 2, name) != 0) continue;
      struct stat st;
      if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      if (st.st_mtime > older_than) continue;
      files.push_back(StoredFile{hash, static_cast<std::int64_t>(st.st_mtime)});
    }
    if (ec) return unexpected(StoreError::kTemporary);
  }
  return files;
}

Result<BlobStore::Removal, StoreError> BlobStore::remove_if_older(std::string_view hash,
                                                                 std::int64_t older_than) const {
  REDOUBT_CHECK(is_valid_blob_hash(hash));
  const std::filesystem::path path = path_of(hash);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!fd.is_open()) {
    if (errno == ENOENT) return Removal::kAbsent;
    return unexpected(StoreError::kTemporary);
  }
  // Not blocking: a writer holds its shared lock only while it checks and touches the file, and
  // the caller (the committer thread) must not wait on others. Busy means being re-used: keep it.
  if (lock_file(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return Removal::kKept;
    return unexpected(StoreError::kTemporary);
  }
  struct stat held;
  if (::fstat(fd.get(), &held) != 0) return unexpected(StoreError::kTemporary);
  // Unlinked already, or re-used by a writer since the caller looked (BlobWriter::reuse_stored).
  if (!S_ISREG(held.st_mode) || held.st_nlink == 0) return Removal::kAbsent;
  if (held.st_mtime > older_than) return Removal::kKept;
  // The name must still be this file: a writer replaces a damaged file (another size) by a new
  // one, which this check keeps. Writers only rename a new file over a name they found absent or
  // damaged, never over a good file, so a name checked here stays this file until the unlink.
  struct stat named;
  if (::lstat(path.c_str(), &named) != 0) {
    if (errno == ENOENT) return Removal::kAbsent;
    return unexpected(StoreError::kTemporary);
  }
  if (named.st_dev != held.st_dev || named.st_ino != held.st_ino) return Removal::kKept;
  // Unlink before close: the lock is held until the name is gone (see reuse_stored).
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return Removal::kAbsent;
    return unexpected(StoreError::kTemporary);
  }
  return Removal::kRemoved;
}

}  // namespace redoubt::store

#include "store/blob_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "base/hex.h"
#include "store/test_support.h"

namespace redoubt::store {
namespace {

using testing::count_files;
using testing::TempDir;

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  REDOUBT_CHECK(EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) == 1);
  return to_hex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

// Deterministic bytes covering all 256 values, so no encoding step could go unnoticed.
std::string test_bytes(std::size_t n, unsigned seed) {
  std::string out(n, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (char& c : out) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return out;
}

ino_t inode_of(const std::filesystem::path& path) {
  struct stat st;
  REDOUBT_CHECK(::stat(path.c_str(), &st) == 0);
  return st.st_ino;
}

class BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = BlobStore::open(dir_.path());
    ASSERT_TRUE(opened.has_value()) << opened.error();
    blobs_.emplace(std::move(*opened));
  }

  std::filesystem::path temp_dir() const { return dir_.path() / "blobs" / "tmp"; }

  TempDir dir_;
  std::optional<BlobStore> blobs_;
};

TEST_F(BlobStoreTest, OpenCreatesAllFanOutFolders) {
  int folders = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path() / "blobs")) {
    folders += entry.is_directory();
  }
  EXPECT_EQ(folders, 256 + 1);  // 00..ff and tmp
  EXPECT_TRUE(std::filesystem::is_directory(dir_.path() / "blobs" / "a7"));
}

TEST_F(BlobStoreTest, SmallBlobIsNamedByItsSha256) {
  BlobWriter writer = blobs_->new_writer();
  ASSERT_TRUE(writer.append("hel").has_value());
  ASSERT_TRUE(writer.append("lo").has_value());
  EXPECT_EQ(writer.size(), 5u);
  auto ref = writer.finish();
  ASSERT_TRUE(ref.has_value());
  EXPECT_EQ(ref->hash, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_EQ(ref->size, 5u);

  const auto path = blobs_->path_of(ref->hash);
  EXPECT_EQ(path, dir_.path() / "blobs" / "2c" / ref->hash);
  EXPECT_TRUE(std::filesystem::is_regular_file(path));
  EXPECT_EQ((std::filesystem::status(path).permissions() & std::filesystem::perms::others_all),
            std::filesystem::perms::none);
  auto content = blobs_->read(ref->hash);
  ASSERT_TRUE(content.has_value());
  EXPECT_EQ(*content, "hello");
  EXPECT_EQ(count_files(temp_dir()), 0);
}

TEST_F(BlobStoreTest, EmptyBlob) {
  auto ref = blobs_->new_writer().finish();
  ASSERT_TRUE(ref.has_value());
  EXPECT_EQ(ref->hash, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(ref->size, 0u);
  auto content = blobs_->read(ref->hash);
  ASSERT_TRUE(content.has_value());
  EXPECT_EQ(*content, "");
}

TEST_F(BlobStoreTest, LargeBlobSpillsToDiskAndReadsBackExactly) {
  const std::string data = test_bytes(3 * BlobWriter::kMemoryLimit + 12345, 1);
  BlobWriter writer = blobs_->new_writer();
  std::size_t offset = 0;
  // Below the limit nothing touches the disk...
  for (; offset + 1000 < BlobWriter::kMemoryLimit; offset += 1000) {
    ASSERT_TRUE(writer.append(std::string_view(data).substr(offset, 1000)).has_value());
  }
  EXPECT_EQ(count_files(temp_dir()), 0);
  // ... past it, the body goes to one temporary file.
  for (; offset < data.size(); offset += 1000) {
    ASSERT_TRUE(writer.append(std::string_view(data).substr(offset, 1000)).has_value());
  }
  EXPECT_EQ(count_files(temp_dir()), 1);
  EXPECT_EQ(writer.size(), data.size());

  auto ref = writer.finish();
  ASSERT_TRUE(ref.has_value());
  EXPECT_EQ(ref->hash, sha256_hex(data));
  EXPECT_EQ(ref->size, data.size());
  EXPECT_EQ(count_files(temp_dir()), 0);  // Renamed, not copied.
  auto content = blobs_->read(ref->hash);
  ASSERT_TRUE(content.has_value());
  EXPECT_TRUE(*content == data);
  EXPECT_TRUE(blobs_->check(*ref).has_value());
}

TEST_F(BlobStoreTest, SameContentTwiceIsOneFile) {
  for (std::size_t size : {std::size_t{100}, 2 * BlobWriter::kMemoryLimit}) {
    SCOPED_TRACE(size);
    const std::string data = test_bytes(size, 2);
    BlobWriter first = blobs_->new_writer();
    ASSERT_TRUE(first.append(data).has_value());
    auto a = first.finish();
    ASSERT_TRUE(a.has_value());
    const ino_t inode = inode_of(blobs_->path_of(a->hash));

    BlobWriter second = blobs_->new_writer();
    ASSERT_TRUE(second.append(data).has_value());
    auto b = second.finish();
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ(*a, *b);
    // The first file was kept, not replaced.
    EXPECT_EQ(inode_of(blobs_->path_of(b->hash)), inode);
    EXPECT_EQ(count_files(blobs_->path_of(a->hash).parent_path()), 1);
    EXPECT_EQ(count_files(temp_dir()), 0);
  }
}

TEST_F(BlobStoreTest, DamagedBlobIsReplacedByTheNextWriter) {
  const std::string data = "a body that will be truncated";
  auto first = blobs_->new_writer();
  ASSERT_TRUE(first.append(data).has_value());
  auto ref = first.finish();
  ASSERT_TRUE(ref.has_value());
  std::filesystem::resize_file(blobs_->path_of(ref->hash), 3);
  EXPECT_EQ(blobs_->check(*ref).error(), StoreError::kInvalid);

  auto second = blobs_->new_writer();
  ASSERT_TRUE(second.append(data).has_value());
  ASSERT_TRUE(second.finish().has_value());
  EXPECT_EQ(*blobs_->read(ref->hash), data);
  EXPECT_TRUE(blobs_->check(*ref).has_value());
}

TEST_F(BlobStoreTest, AbortedWriterLeavesNothing) {
  {
    BlobWriter writer = blobs_->new_writer();
    ASSERT_TRUE(writer.append(test_bytes(BlobWriter::kMemoryLimit + 1, 3)).has_value());
    EXPECT_EQ(count_files(temp_dir()), 1);
  }  // Like a client dropping the connection during DATA.
  EXPECT_EQ(count_files(temp_dir()), 0);
  {
    BlobWriter writer = blobs_->new_writer();
    ASSERT_TRUE(writer.append("short").has_value());
  }
  EXPECT_EQ(count_files(temp_dir()), 0);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path())) {
    EXPECT_FALSE(entry.is_regular_file()) << entry.path();
  }
}

TEST_F(BlobStoreTest, MovedWriterKeepsItsState) {
  BlobWriter writer = blobs_->new_writer();
  ASSERT_TRUE(writer.append(test_bytes(BlobWriter::kMemoryLimit + 10, 4)).has_value());
  BlobWriter moved = std::move(writer);
  ASSERT_TRUE(moved.append("tail").has_value());
  auto ref = moved.finish();
  ASSERT_TRUE(ref.has_value());
  EXPECT_EQ(*blobs_->read(ref->hash), test_bytes(BlobWriter::kMemoryLimit + 10, 4) + "tail");
}

TEST_F(BlobStoreTest, ReadAndCheckErrors) {
  const std::string absent(64, 'a');
  EXPECT_EQ(blobs_->read(absent).error(), StoreError::kNotFound);
  EXPECT_EQ(blobs_->check(BlobRef{absent, 0}).error(), StoreError::kNotFound);
  // Never turned into a path.
  const std::string short_hash = absent.substr(1);
  for (std::string_view bad : {"", "../../metadata.sqlite", "ABCDEF", short_hash.c_str()}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(blobs_->read(bad).error(), StoreError::kInvalid);
    EXPECT_EQ(blobs_->check(BlobRef{std::string(bad), 0}).error(), StoreError::kInvalid);
  }
  EXPECT_EQ(blobs_->read(std::string(64, 'A')).error(), StoreError::kInvalid);

  auto ref = blobs_->new_writer().finish();
  ASSERT_TRUE(ref.has_value());
  EXPECT_EQ(blobs_->check(BlobRef{ref->hash, 1}).error(), StoreError::kInvalid);
}

TEST_F(BlobStoreTest, MapReturnsTheStoredBytes) {
  for (std::size_t size : {std::size_t{1}, std::size_t{4096}, BlobWriter::kMemoryLimit * 3 + 7}) {
    SCOPED_TRACE(size);
    const std::string content = test_bytes(size, static_cast<unsigned>(size));
    BlobWriter writer = blobs_->new_writer();
    ASSERT_TRUE(writer.append(content).has_value());
    auto ref = writer.finish();
    ASSERT_TRUE(ref.has_value());
    auto mapped = blobs_->map(ref->hash);
    ASSERT_TRUE(mapped.has_value());
    EXPECT_EQ(mapped->bytes().size(), size);
    EXPECT_TRUE(mapped->bytes() == content);
  }
}

TEST_F(BlobStoreTest, MapOfAnEmptyBlobIsEmpty) {
  auto ref = blobs_->new_writer().finish();
  ASSERT_TRUE(ref.has_value());
  auto mapped = blobs_->map(ref->hash);
  ASSERT_TRUE(mapped.has_value());
  EXPECT_TRUE(mapped->bytes().empty());
}

TEST_F(BlobStoreTest, MappedBytesOutliveTheFileAndMoveWithTheObject) {
  BlobWriter writer = blobs_->new_writer();
  ASSERT_TRUE(writer.append("mapped body").has_value());
  const BlobRef ref = *writer.finish();
  auto mapped = blobs_->map(ref.hash);
  ASSERT_TRUE(mapped.has_value());
  // A garbage collector may delete the file while IMAP still serves from the mapping.
  ASSERT_EQ(::unlink(blobs_->path_of(ref.hash).c_str()), 0);
  MappedBlob moved = std::move(*mapped);
  EXPECT_TRUE(mapped->bytes().empty());
  EXPECT_EQ(moved.bytes(), "mapped body");
  MappedBlob assigned;
  assigned = std::move(moved);
  EXPECT_TRUE(moved.bytes().empty());
  EXPECT_EQ(assigned.bytes(), "mapped body");
}

TEST_F(BlobStoreTest, MapErrors) {
  EXPECT_EQ(blobs_->map("../../etc/passwd").error(), StoreError::kInvalid);
  EXPECT_EQ(blobs_->map(std::string(64, 'A')).error(), StoreError::kInvalid);
  EXPECT_EQ(blobs_->map(std::string(64, '0')).error(), StoreError::kNotFound);
}

TEST_F(BlobStoreTest, SyncDirectoryOf) {
  auto ref = blobs_->new_writer().finish();
  ASSERT_TRUE(ref.has_value());
  EXPECT_TRUE(blobs_->sync_directory_of(ref->hash).has_value());
}

TEST_F(BlobStoreTest, OpenRemovesCrashLeftoversButNotLiveTempFiles) {
  // A leftover from a writer that died: nobody holds a lock on it.
  std::ofstream(temp_dir() / "0123456789abcdef") << "partial body";
  // A writer that is alive (here, or in another process) and has spilled to disk.
  BlobWriter live = blobs_->new_writer();
  const std::string data = test_bytes(BlobWriter::kMemoryLimit + 7, 5);
  ASSERT_TRUE(live.append(data).has_value());
  EXPECT_EQ(count_files(temp_dir()), 2);

  auto reopened = BlobStore::open(dir_.path());  // E.g. the admin CLI starting up.
  ASSERT_TRUE(reopened.has_value());
  EXPECT_EQ(count_files(temp_dir()), 1);
  EXPECT_FALSE(std::filesystem::exists(temp_dir() / "0123456789abcdef"));

  auto ref = live.finish();
  ASSERT_TRUE(ref.has_value());
  EXPECT_EQ(*reopened->read(ref->hash), data);
  EXPECT_EQ(count_files(temp_dir()), 0);
}

}  // namespace
}  // namespace redoubt::store

#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <future>
#include <system_error>

#include "base/check.h"
#include "store/committer.h"
#include "store/database.h"
#include "store/file_util.h"
#include "store/read_pool.h"
#include "store/schema.h"
#include "store/watch_registry.h"

namespace redoubt::store {
namespace {

// Enough for concurrent IMAP sessions to read in parallel; each connection costs some page cache.
constexpr std::size_t kReadConnections = 4;

std::string os_error(std::string_view what, const std::filesystem::path& path) {
  return std::string(what) + " " + path.string() + ": " + std::generic_category().message(errno);
}

// Creates the database file itself, so that it gets mode 0640 (SQLite would use 0644: the file
// holds password hashes). SQLite gives the -wal and -shm files the same mode.
Result<void, std::string> create_database_file(const std::filesystem::path& path,
                                               const std::filesystem::path& data_dir) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640));
  if (fd.is_open()) {
    if (!sync_directory(data_dir)) return unexpected(os_error("cannot sync folder", data_dir));
    return {};
  }
  if (errno == EEXIST) return {};
  return unexpected(os_error("cannot create", path));
}

}  // namespace

Result<std::unique_ptr<Store>, std::string> Store::open(const std::filesystem::path& data_dir) {
  if (data_dir.empty()) return unexpected(std::string("no data folder given"));
  std::error_code ec;
  if (const auto parent = data_dir.parent_path(); !parent.empty()) {
    std::filesystem::create_directories(parent, ec);
    if (ec) return unexpected("cannot create folder " + parent.string() + ": " + ec.message());
  }
  if (auto created = make_directory(data_dir); !created) {
    return unexpected("cannot create folder " + data_dir.string() + ": " +
                      created.error().message());
  }

  auto blobs = BlobStore::open(data_dir);
  if (!blobs) return unexpected(std::move(blobs.error()));

  const std::filesystem::path db_path = data_dir / "metadata.sqlite";
  if (auto file = create_database_file(db_path, data_dir); !file) {
    return unexpected(std::move(file.error()));
  }
  auto db = Database::open(db_path, Database::Mode::kReadWrite);
  if (!db) return unexpected(std::move(db.error()));
  if (auto migrated = migrate(**db); !migrated) {
    return unexpected(db_path.string() + ": " + migrated.error());
  }

  auto watches = std::make_unique<WatchRegistry>();
  auto reads = std::make_unique<ReadPool>(db_path, kReadConnections);
  auto writes = std::make_unique<Committer>(std::move(*db), *blobs, *watches);
  return std::make_unique<Store>(Key{}, std::move(*blobs), std::move(watches), std::move(reads),
                                 std::move(writes));
}

Store::Store(Key, BlobStore blobs, std::unique_ptr<WatchRegistry> watches,
             std::unique_ptr<ReadPool> reads, std::unique_ptr<Committer> writes)
    : blobs_(std::move(blobs)),
      watches_(std::move(watches)),
      reads_(std::move(reads)),
      writes_(std::move(writes)) {}

Store::~Store() = default;

BlobWriter Store::new_blob() { return blobs_.new_writer(); }

Result<std::string, StoreError> Store::read_blob(std::string_view hash) {
  return blobs_.read(hash);
}

Result<MappedBlob, StoreError> Store::map_blob(std::string_view hash) {
  return blobs_.map(hash);
}

void Store::deliver(Delivery delivery, DeliveryCallback done) {
  REDOUBT_CHECK(done != nullptr);
  writes_->submit(std::move(delivery), std::move(done));
}

DeliveryResult Store::deliver_and_wait(Delivery delivery) {
  // From the committer thread this would wait for itself forever.
  REDOUBT_CHECK(!writes_->is_committer_thread());
  // Shared, not on our stack: we may wake and return while the committer thread is still inside
  // set_value(), which must not then touch a destroyed promise.
  auto promise = std::make_shared<std::promise<DeliveryResult>>();
  std::future<DeliveryResult> outcome = promise->get_future();
  deliver(std::move(delivery),
          [promise](DeliveryResult result) { promise->set_value(std::move(result)); });
  return outcome.get();
}

std::uint64_t Store::commit_count() const { return writes_->commit_count(); }

}  // namespace redoubt::store

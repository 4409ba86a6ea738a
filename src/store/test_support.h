#pragma once

// Helpers for the store's unit tests only (never linked into redoubt_store).

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "base/check.h"
#include "store/store.h"

namespace redoubt::store::testing {

// A fresh folder under the system temp folder, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "redoubt-store-XXXXXX");
    REDOUBT_CHECK(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Regular files directly in `dir`.
inline int count_files(const std::filesystem::path& dir) {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) n += entry.is_regular_file();
  return n;
}

// Opens the store in `dir`, failing the test (and returning null) if it cannot.
inline std::unique_ptr<Store> open_store(const std::filesystem::path& dir) {
  auto store = Store::open(dir);
  EXPECT_TRUE(store.has_value()) << (store ? "" : store.error());
  return store ? std::move(*store) : nullptr;
}

// Writes `content` as a blob. REQUIRES: it works (checked).
inline BlobRef put_blob(Store& store, std::string_view content) {
  BlobWriter writer = store.new_blob();
  REDOUBT_CHECK(writer.append(content).has_value());
  auto ref = writer.finish();
  REDOUBT_CHECK(ref.has_value());
  return *ref;
}

// A direct SQLite connection to a store's database, for checking what the API does not expose
// (reference counts, schema) and for holding the write lock as another process would.
class RawDatabase {
 public:
  explicit RawDatabase(const std::filesystem::path& data_dir) {
    const std::string path = (data_dir / "metadata.sqlite").string();
    REDOUBT_CHECK(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawDatabase() { sqlite3_close(db_); }
  RawDatabase(const RawDatabase&) = delete;
  RawDatabase& operator=(const RawDatabase&) = delete;

  // Runs `sql`; true on success.
  bool exec(const std::string& sql) {
    return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
  }

  // The first column of the first row of `sql` as an integer, or -1 if there is no row.
  std::int64_t query_int(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    REDOUBT_CHECK(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
    std::int64_t value = -1;
    if (sqlite3_step(stmt) == SQLITE_ROW) value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return value;
  }

 private:
  sqlite3* db_ = nullptr;
};

// A store with the local domain example.com and the accounts alice@ and bob@ (each with the
// standard mailboxes), for tests of mailboxes and messages.
class MailTest : public ::testing::Test {
 protected:
  static constexpr std::int64_t kDate = 1700000000;

  void SetUp() override {
    store_ = open_store(dir_.path());
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->add_domain("example.com").has_value());
    alice_ = *store_->add_account("alice@example.com", "h");
    bob_ = *store_->add_account("bob@example.com", "h");
  }

  // The account's mailbox `name`, as it is now. REQUIRES: it exists (checked).
  MailboxInfo mailbox(AccountId account, std::string_view name) {
    auto found = store_->find_mailbox(account, name);
    REDOUBT_CHECK(found.has_value());
    return *found;
  }
  MailboxInfo inbox(AccountId account) { return mailbox(account, "INBOX"); }

  // Appends a message with body `body`. REQUIRES: it works (checked).
  AppendedMessage add(MailboxId to, std::string_view body,
                      MessageFlags flags = MessageFlags::kNone,
                      std::vector<std::string> keywords = {}, std::int64_t date = kDate) {
    auto appended = store_->append(to, put_blob(*store_, body), flags, keywords, date);
    REDOUBT_CHECK(appended.has_value());
    return *appended;
  }

  // The UIDs in the mailbox, ascending.
  std::vector<std::uint32_t> uids(MailboxId mailbox) {
    std::vector<std::uint32_t> out;
    auto messages = store_->list_messages(mailbox);
    REDOUBT_CHECK(messages.has_value());
    for (const MessageInfo& m : *messages) out.push_back(static_cast<std::uint32_t>(m.uid));
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  AccountId alice_{}, bob_{};
};

// The UIDs in `list`, as plain numbers (for readable expectations).
inline std::vector<std::uint32_t> numbers(const std::vector<Uid>& list) {
  std::vector<std::uint32_t> out;
  for (Uid uid : list) out.push_back(static_cast<std::uint32_t>(uid));
  return out;
}

}  // namespace redoubt::store::testing

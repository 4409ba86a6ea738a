#include "store/schema.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "store/database.h"
#include "store/store.h"
#include "store/test_support.h"

namespace redoubt::store {
namespace {

using testing::open_store;
using testing::RawDatabase;
using testing::TempDir;

TEST(Schema, OpenCreatesCurrentSchemaWithPrivateFiles) {
  TempDir dir;
  auto store = open_store(dir.path() / "data");  // Kept open: closing removes the -wal file.
  ASSERT_NE(store, nullptr);
  RawDatabase raw(dir.path() / "data");
  EXPECT_EQ(raw.query_int("PRAGMA user_version"), latest_schema_version());
  for (const char* table :
       {"domains", "accounts", "aliases", "mailboxes", "messages", "blobs", "counters"}) {
    SCOPED_TRACE(table);
    EXPECT_EQ(raw.query_int(std::string("SELECT count(*) FROM sqlite_schema WHERE type = "
                                        "'table' AND name = '") +
                            table + "'"),
              1);
  }
  EXPECT_EQ(raw.query_int("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"), 1);
  // WAL is a property of the file, so it holds for every process that opens it.
  EXPECT_EQ(raw.query_int("SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"),
            1);

  struct stat st;
  ASSERT_EQ(::stat((dir.path() / "data" / "metadata.sqlite").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0007, 0u) << "password hashes must not be world-readable";
  // SQLite gives the log the database file's mode; the log holds the same data.
  ASSERT_EQ(::stat((dir.path() / "data" / "metadata.sqlite-wal").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0007, 0u);
  ASSERT_EQ(::stat((dir.path() / "data").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0007, 0u);
}

TEST(Schema, MigrationIsIdempotent) {
  TempDir dir;
  {
    auto store = open_store(dir.path());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->add_domain("example.com").has_value());
  }
  // Reopening runs migrate() again: nothing may be recreated or lost.
  for (int i = 0; i < 2; ++i) {
    auto store = open_store(dir.path());
    ASSERT_NE(store, nullptr);
    auto domains = store->list_domains();
    ASSERT_TRUE(domains.has_value());
    ASSERT_EQ(domains->size(), 1u);
    EXPECT_EQ(domains->front().name, "example.com");
  }
  auto db = Database::open(dir.path() / "metadata.sqlite", Database::Mode::kReadWrite);
  ASSERT_TRUE(db.has_value()) << db.error();
  EXPECT_TRUE(migrate(**db).has_value());
  EXPECT_EQ(*read_schema_version(**db), latest_schema_version());
  RawDatabase raw(dir.path());
  EXPECT_EQ(raw.query_int("SELECT count(*) FROM counters"), 1);
}

TEST(Schema, RefusesADatabaseFromANewerProgram) {
  TempDir dir;
  ASSERT_NE(open_store(dir.path()), nullptr);
  {
    RawDatabase raw(dir.path());
    ASSERT_TRUE(raw.exec("PRAGMA user_version = " + std::to_string(latest_schema_version() + 1)));
  }
  auto store = Store::open(dir.path());
  ASSERT_FALSE(store.has_value());
  EXPECT_NE(store.error().find("newer"), std::string::npos) << store.error();
}

TEST(Schema, OpenReportsAnUnusableDataFolder) {
  TempDir dir;
  const auto file = dir.path() / "not-a-folder";
  { std::ofstream(file) << "x"; }
  auto store = Store::open(file);
  ASSERT_FALSE(store.has_value());
  EXPECT_NE(store.error().find("not-a-folder"), std::string::npos) << store.error();
}

}  // namespace
}  // namespace redoubt::store

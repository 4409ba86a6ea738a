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
       {"domains", "accounts", "aliases", "mailboxes", "messages", "blobs", "counters",
        "subscriptions", "expunged"}) {
    SCOPED_TRACE(table);
    EXPECT_EQ(raw.query_int(std::string("SELECT count(*) FROM sqlite_schema WHERE type = "
                                        "'table' AND name = '") +
                            table + "'"),
              1);
  }
  EXPECT_EQ(raw.query_int("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"), 4);
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

// A data folder written by the first release (schema version 1) keeps its data and gets the
// counters that version 2 maintains.
TEST(Schema, MigratesAVersion1Database) {
  TempDir dir;
  { std::ofstream(dir.path() / "metadata.sqlite"); }
  {
    auto db = Database::open(dir.path() / "metadata.sqlite", Database::Mode::kReadWrite);
    ASSERT_TRUE(db.has_value()) << db.error();
    ASSERT_TRUE(migrate_to(**db, 1).has_value());
    ASSERT_EQ(*read_schema_version(**db), 1);
  }
  {
    RawDatabase raw(dir.path());
    ASSERT_TRUE(raw.exec(R"sql(
      INSERT INTO domains (id, name) VALUES (1, 'example.com');
      INSERT INTO accounts (id, domain_id, address, password_hash, created_at, quota_bytes)
        VALUES (1, 1, 'alice@example.com', 'h', 0, 1000), (2, 1, 'bob@example.com', 'h', 0, 0),
               (3, 1, 'carol@example.com', 'h', 0, 0);
      INSERT INTO mailboxes (id, account_id, name, uid_validity, uid_next, highest_modseq,
                             subscribed)
        VALUES (1, 1, 'INBOX', 100, 3, 3, 1), (2, 1, 'Old', 101, 2, 2, 0),
               (3, 2, 'INBOX', 102, 2, 2, 1), (4, 3, 'INBOX', 103, 1, 1, 1);
      INSERT INTO blobs (hash, size, refcount) VALUES
        ('1111111111111111111111111111111111111111111111111111111111111111', 100, 1),
        ('2222222222222222222222222222222222222222222222222222222222222222', 250, 2),
        ('3333333333333333333333333333333333333333333333333333333333333333', 7, 1);
      INSERT INTO messages (mailbox_id, uid, modseq, flags, keywords, internal_date, size,
                            blob_hash) VALUES
        (1, 1, 2, 1, 'b a', 10, 100,
         '1111111111111111111111111111111111111111111111111111111111111111'),
        (1, 2, 3, 0, '', 11, 250,
         '2222222222222222222222222222222222222222222222222222222222222222'),
        (2, 1, 2, 0, '', 12, 250,
         '2222222222222222222222222222222222222222222222222222222222222222'),
        (3, 1, 2, 0, '', 13, 7,
         '3333333333333333333333333333333333333333333333333333333333333333');
    )sql"));
  }

  auto store = open_store(dir.path());
  ASSERT_NE(store, nullptr);
  RawDatabase raw(dir.path());
  EXPECT_EQ(raw.query_int("PRAGMA user_version"), latest_schema_version());
  const AccountId alice{1}, bob{2}, carol{3};
  EXPECT_EQ(*store->quota(alice), (QuotaUsage{600, 3, 1000}));
  EXPECT_EQ(*store->quota(bob), (QuotaUsage{7, 1, 0}));
  EXPECT_EQ(*store->quota(carol), (QuotaUsage{0, 0, 0}));
  EXPECT_EQ(*store->list_subscriptions(alice), std::vector<std::string>{"INBOX"});
  EXPECT_EQ(*store->list_subscriptions(bob), std::vector<std::string>{"INBOX"});

  // The data is as it was.
  auto inbox = store->find_mailbox(alice, "inbox");
  ASSERT_TRUE(inbox.has_value());
  EXPECT_EQ(*inbox, (MailboxInfo{MailboxId{1}, "INBOX", "", UidValidity{100}, Uid{3}, ModSeq{3}}));
  auto messages = store->list_messages(inbox->id);
  ASSERT_EQ(messages->size(), 2u);
  EXPECT_EQ(messages->front().flags, MessageFlags::kSeen);
  EXPECT_EQ(messages->front().keywords, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(messages->back().size, 250u);
  auto changes = store->changes_since(inbox->id, ModSeq{2});
  ASSERT_TRUE(changes.has_value());
  EXPECT_EQ(changes->changed.size(), 1u);
  EXPECT_TRUE(changes->expunged.empty());

  // And the counters keep counting.
  ASSERT_TRUE(store->expunge(inbox->id, std::vector<Uid>{Uid{2}}).has_value());
  EXPECT_EQ(*store->quota(alice), (QuotaUsage{350, 2, 1000}));
  ASSERT_TRUE(store->delete_mailbox(alice, "Old").has_value());
  EXPECT_EQ(*store->quota(alice), (QuotaUsage{100, 1, 1000}));
  EXPECT_EQ(raw.query_int("SELECT refcount FROM blobs WHERE size = 250"), 0);
  ASSERT_TRUE(store->remove_account("bob@example.com").has_value());
  EXPECT_EQ(raw.query_int("SELECT refcount FROM blobs WHERE size = 7"), 0);
  EXPECT_EQ(raw.query_int("SELECT count(*) FROM subscriptions"), 2);  // alice's and carol's
}

// Accounts made before version 3 have no SCRAM credentials until their password is set again.
TEST(Schema, MigratesAVersion2DatabaseWithoutScramCredentials) {
  TempDir dir;
  { std::ofstream(dir.path() / "metadata.sqlite"); }
  {
    auto db = Database::open(dir.path() / "metadata.sqlite", Database::Mode::kReadWrite);
    ASSERT_TRUE(db.has_value()) << db.error();
    ASSERT_TRUE(migrate_to(**db, 2).has_value());
  }
  {
    RawDatabase raw(dir.path());
    ASSERT_TRUE(raw.exec(R"sql(
      INSERT INTO domains (id, name) VALUES (1, 'example.com');
      INSERT INTO accounts (id, domain_id, address, password_hash, created_at)
        VALUES (1, 1, 'alice@example.com', 'h', 0);
    )sql"));
  }
  auto store = open_store(dir.path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->find_account("alice@example.com"),
            (AccountInfo{AccountId{1}, "alice@example.com", "h", ""}));
  ASSERT_TRUE(store->set_password("alice@example.com", "h2", "s2").has_value());
  EXPECT_EQ(store->find_account("alice@example.com")->scram_sha256, "s2");
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

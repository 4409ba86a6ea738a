// Store: domains, accounts and aliases, and every error they report.

#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "store/store.h"
#include "store/test_support.h"

namespace redoubt::store {
namespace {

using testing::open_store;
using testing::RawDatabase;
using testing::TempDir;

class DirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_store(dir_.path());
    ASSERT_NE(store_, nullptr);
  }

  // Adds `address` (whose domain must exist) and returns its id.
  AccountId add_account(std::string_view address) {
    auto id = store_->add_account(address, "$argon2id$hash-of-" + std::string(address));
    REDOUBT_CHECK(id.has_value());
    return *id;
  }

  std::vector<std::string> domain_names() {
    std::vector<std::string> names;
    auto domains = store_->list_domains();  // Not a temporary: the loop borrows it.
    for (const DomainInfo& d : *domains) names.push_back(d.name);
    return names;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(DirectoryTest, Domains) {
  auto id = store_->add_domain("Example.COM");
  ASSERT_TRUE(id.has_value());
  ASSERT_TRUE(store_->add_domain("bücher.example").has_value());
  ASSERT_TRUE(store_->add_domain("alpha.example").has_value());
  EXPECT_EQ(domain_names(),
            (std::vector<std::string>{"alpha.example", "example.com", "xn--bcher-kva.example"}));
  EXPECT_EQ(store_->list_domains()->at(1), (DomainInfo{*id, "example.com"}));

  EXPECT_EQ(store_->add_domain("EXAMPLE.com").error(), StoreError::kExists);
  EXPECT_EQ(store_->add_domain("xn--bcher-kva.example").error(), StoreError::kExists);
  EXPECT_EQ(store_->add_domain("bad domain").error(), StoreError::kInvalid);

  EXPECT_TRUE(*store_->is_local_domain("example.com"));
  EXPECT_TRUE(*store_->is_local_domain("BÜCHER.example"));
  EXPECT_FALSE(*store_->is_local_domain("example.org"));
  EXPECT_EQ(store_->is_local_domain("").error(), StoreError::kInvalid);

  ASSERT_TRUE(store_->remove_domain("ALPHA.example").has_value());
  EXPECT_FALSE(*store_->is_local_domain("alpha.example"));
  EXPECT_EQ(store_->remove_domain("alpha.example").error(), StoreError::kNotFound);
  EXPECT_EQ(store_->remove_domain("..").error(), StoreError::kInvalid);
  EXPECT_EQ(domain_names(), (std::vector<std::string>{"example.com", "xn--bcher-kva.example"}));
}

TEST_F(DirectoryTest, DomainInUseCannotBeRemoved) {
  ASSERT_TRUE(store_->add_domain("example.com").has_value());
  ASSERT_TRUE(store_->add_domain("example.org").has_value());
  add_account("alice@example.com");
  EXPECT_EQ(store_->remove_domain("example.com").error(), StoreError::kInUse);

  // A catch-all alone also keeps its domain in use.
  ASSERT_TRUE(store_->add_alias("@example.org", "alice@example.com").has_value());
  EXPECT_EQ(store_->remove_domain("example.org").error(), StoreError::kInUse);
  ASSERT_TRUE(store_->remove_alias("@example.org").has_value());
  EXPECT_TRUE(store_->remove_domain("example.org").has_value());

  ASSERT_TRUE(store_->remove_account("alice@example.com").has_value());
  EXPECT_TRUE(store_->remove_domain("example.com").has_value());
  EXPECT_TRUE(store_->list_domains()->empty());
}

TEST_F(DirectoryTest, Accounts) {
  ASSERT_TRUE(store_->add_domain("example.com").has_value());
  ASSERT_TRUE(store_->add_domain("example.org").has_value());

  auto alice = store_->add_account("Alice@Example.com", "hash-1");
  ASSERT_TRUE(alice.has_value());
  const AccountId bob = add_account("bob@example.com");
  const AccountId carol = add_account("carol@example.org");
  EXPECT_NE(*alice, bob);

  auto found = store_->find_account("ALICE@example.COM");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, (AccountInfo{*alice, "alice@example.com", "hash-1"}));

  EXPECT_EQ(store_->add_account("alice@EXAMPLE.com", "x").error(), StoreError::kExists);
  EXPECT_EQ(store_->add_account("dave@example.net", "x").error(), StoreError::kNotFound);
  EXPECT_EQ(store_->add_account("no-at-sign", "x").error(), StoreError::kInvalid);
  EXPECT_EQ(store_->add_account("@example.com", "x").error(), StoreError::kInvalid);
  EXPECT_EQ(store_->find_account("dave@example.com").error(), StoreError::kNotFound);
  EXPECT_EQ(store_->find_account("dave").error(), StoreError::kInvalid);

  ASSERT_TRUE(store_->set_password("alice@example.com", "hash-2").has_value());
  EXPECT_EQ(store_->find_account("alice@example.com")->password_hash, "hash-2");
  EXPECT_EQ(store_->find_account("alice@example.com")->scram_sha256, "");
  // SCRAM credentials travel with the hash, and a new password without them clears the old ones.
  ASSERT_TRUE(store_->set_password("alice@example.com", "hash-3", "scram-3").has_value());
  EXPECT_EQ(*store_->find_account("alice@example.com"),
            (AccountInfo{*alice, "alice@example.com", "hash-3", "scram-3"}));
  ASSERT_TRUE(store_->set_password("alice@example.com", "hash-4").has_value());
  EXPECT_EQ(store_->find_account("alice@example.com")->scram_sha256, "");
  auto dave = store_->add_account("dave@example.com", "hash-d", "scram-d");
  ASSERT_TRUE(dave.has_value());
  EXPECT_EQ(*store_->find_account("dave@example.com"),
            (AccountInfo{*dave, "dave@example.com", "hash-d", "scram-d"}));
  ASSERT_TRUE(store_->remove_account("dave@example.com").has_value());
  EXPECT_EQ(store_->set_password("dave@example.com", "x").error(), StoreError::kNotFound);
  EXPECT_EQ(store_->set_password("dave", "x").error(), StoreError::kInvalid);

  // Listings are sorted and carry no password hashes.
  EXPECT_EQ(*store_->list_accounts(), (std::vector<AccountInfo>{{*alice, "alice@example.com", ""},
                                                                {bob, "bob@example.com", ""},
                                                                {carol, "carol@example.org", ""}}));
  EXPECT_EQ(*store_->list_accounts("EXAMPLE.org"),
            (std::vector<AccountInfo>{{carol, "carol@example.org", ""}}));
  EXPECT_EQ(store_->list_accounts("example.net").error(), StoreError::kNotFound);
  EXPECT_EQ(store_->list_accounts("bad domain").error(), StoreError::kInvalid);

  ASSERT_TRUE(store_->remove_account("BOB@example.com").has_value());
  EXPECT_EQ(store_->find_account("bob@example.com").error(), StoreError::kNotFound);
  EXPECT_EQ(store_->remove_account("bob@example.com").error(), StoreError::kNotFound);
  EXPECT_EQ(store_->list_accounts()->size(), 2u);
}

TEST_F(DirectoryTest, NewAccountHasTheStandardMailboxes) {
  ASSERT_TRUE(store_->add_domain("example.com").has_value());
  const auto before = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const AccountId alice = add_account("alice@example.com");
  auto mailboxes = store_->list_mailboxes(alice);
  ASSERT_TRUE(mailboxes.has_value());

  std::vector<std::pair<std::string, std::string>> names;
  std::set<std::uint32_t> uid_validities;
  for (const MailboxInfo& m : *mailboxes) {
    names.emplace_back(m.name, m.special_use);
    EXPECT_EQ(m.uid_next, Uid{1});
    EXPECT_EQ(m.highest_modseq, ModSeq{1});
    EXPECT_GE(static_cast<std::int64_t>(m.uid_validity), before);
    uid_validities.insert(static_cast<std::uint32_t>(m.uid_validity));
    EXPECT_TRUE(store_->list_messages(m.id)->empty());
  }
  EXPECT_EQ(names, (std::vector<std::pair<std::string, std::string>>{{"Archive", "\\Archive"},
                                                                     {"Drafts", "\\Drafts"},
                                                                     {"INBOX", ""},
                                                                     {"Junk", "\\Junk"},
                                                                     {"Sent", "\\Sent"},
                                                                     {"Trash", "\\Trash"}}));
  EXPECT_EQ(uid_validities.size(), 6u);
  EXPECT_EQ(store_->list_mailboxes(AccountId{999}).error(), StoreError::kNotFound);
  EXPECT_EQ(store_->list_messages(MailboxId{999}).error(), StoreError::kNotFound);
}

// RFC 9051 §2.3.1.1: a client that cached "INBOX" of the old account must not mistake the new
// account's INBOX for it, even when both exist within the same second.
TEST_F(DirectoryTest, RecreatedAccountGetsNewUidValidity) {
  ASSERT_TRUE(store_->add_domain("example.com").has_value());
  auto inbox_validity = [&](AccountId account) {
    auto mailboxes = store_->list_mailboxes(account);
    for (const MailboxInfo& m : *mailboxes) {
      if (m.name == "INBOX") return static_cast<std::uint32_t>(m.uid_validity);
    }
    return 0u;
  };
  const std::uint32_t first = inbox_validity(add_account("alice@example.com"));
  ASSERT_TRUE(store_->remove_account("alice@example.com").has_value());
  const std::uint32_t second = inbox_validity(add_account("alice@example.com"));
  EXPECT_GT(second, first);
}

TEST_F(DirectoryTest, Aliases) {
  ASSERT_TRUE(store_->add_domain("example.com").has_value());
  ASSERT_TRUE(store_->add_domain("example.org").has_value());
  add_account("alice@example.com");
  add_account("bob@example.org");

  ASSERT_TRUE(store_->add_alias("Postmaster@example.com", "ALICE@example.com").has_value());
  ASSERT_TRUE(store_->add_alias("postmaster@example.com", "bob@example.org").has_value());
  ASSERT_TRUE(store_->add_alias("team@example.com", "postmaster@example.com").has_value());
  ASSERT_TRUE(store_->add_alias("@example.org", "alice@example.com").has_value());
  EXPECT_EQ(*store_->list_aliases(),
            (std::vector<AliasInfo>{{"@example.org", "alice@example.com"},
                                    {"postmaster@example.com", "alice@example.com"},
                                    {"postmaster@example.com", "bob@example.org"},
                                    {"team@example.com", "postmaster@example.com"}}));

  EXPECT_EQ(store_->add_alias("postmaster@example.com", "alice@example.com").error(),
            StoreError::kExists);
  EXPECT_EQ(store_->add_alias("alice@example.com", "bob@example.org").error(),
            StoreError::kExists);  // Would shadow an account.
  EXPECT_EQ(store_->add_alias("x@example.net", "alice@example.com").error(),
            StoreError::kNotFound);  // Source domain not local.
  EXPECT_EQ(store_->add_alias("x@example.com", "someone@example.net").error(),
            StoreError::kInvalid);  // Remote target: no relay yet.
  EXPECT_EQ(store_->add_alias("x@example.com", "nobody@example.com").error(),
            StoreError::kNotFound);  // No such account or alias.
  EXPECT_EQ(store_->add_alias("x@example.com", "@example.com").error(), StoreError::kInvalid);
  EXPECT_EQ(store_->add_alias("x@example.com", "X@Example.com").error(), StoreError::kInvalid);
  EXPECT_EQ(store_->add_alias("x y@example.com", "alice@example.com").error(),
            StoreError::kInvalid);
  EXPECT_EQ(store_->add_account("team@example.com", "x").error(), StoreError::kExists);

  ASSERT_TRUE(store_->remove_alias("postmaster@example.com", "bob@example.org").has_value());
  EXPECT_EQ(store_->remove_alias("postmaster@example.com", "bob@example.org").error(),
            StoreError::kNotFound);
  EXPECT_EQ(store_->remove_alias("nobody@example.com").error(), StoreError::kNotFound);
  EXPECT_EQ(store_->remove_alias("@example.com").error(), StoreError::kNotFound);
  EXPECT_EQ(store_->remove_alias("bad", std::nullopt).error(), StoreError::kInvalid);
  ASSERT_TRUE(store_->remove_alias("team@example.com").has_value());
  EXPECT_EQ(*store_->list_aliases(),
            (std::vector<AliasInfo>{{"@example.org", "alice@example.com"},
                                    {"postmaster@example.com", "alice@example.com"}}));
}

TEST_F(DirectoryTest, RemovingAnAccountRemovesItsAliasesMailboxesAndMessages) {
  ASSERT_TRUE(store_->add_domain("example.com").has_value());
  const AccountId alice = add_account("alice@example.com");
  const AccountId bob = add_account("bob@example.com");
  ASSERT_TRUE(store_->add_alias("info@example.com", "alice@example.com").has_value());
  ASSERT_TRUE(store_->add_alias("info@example.com", "bob@example.com").has_value());
  const BlobRef blob = testing::put_blob(*store_, "Subject: hi\r\n\r\nbody\r\n");
  ASSERT_TRUE(store_->deliver_and_wait(Delivery{blob, {alice, bob}, 1700000000}).has_value());
  RawDatabase raw(dir_.path());
  EXPECT_EQ(raw.query_int("SELECT refcount FROM blobs"), 2);

  ASSERT_TRUE(store_->remove_account("alice@example.com").has_value());
  EXPECT_EQ(*store_->list_aliases(),
            (std::vector<AliasInfo>{{"info@example.com", "bob@example.com"}}));
  EXPECT_EQ(store_->list_mailboxes(alice).error(), StoreError::kNotFound);
  EXPECT_EQ(raw.query_int("SELECT count(*) FROM mailboxes WHERE account_id = " +
                          std::to_string(static_cast<std::int64_t>(alice))),
            0);
  EXPECT_EQ(raw.query_int("SELECT count(*) FROM messages"), 1);  // Bob's copy.
  // The cascade ran the trigger: only Bob's copy still references the body.
  EXPECT_EQ(raw.query_int("SELECT refcount FROM blobs"), 1);
  EXPECT_EQ(*store_->read_blob(blob.hash), "Subject: hi\r\n\r\nbody\r\n");
  // A new account with the old address inherits nothing.
  const AccountId again = add_account("alice@example.com");
  EXPECT_NE(again, alice);
  auto mailboxes = store_->list_mailboxes(again);
  for (const MailboxInfo& m : *mailboxes) {
    EXPECT_TRUE(store_->list_messages(m.id)->empty());
  }
  EXPECT_EQ(*store_->resolve_recipient("info@example.com"), (std::vector<AccountId>{bob}));
}

}  // namespace
}  // namespace redoubt::store

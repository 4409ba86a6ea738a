// Store::resolve_recipient: accounts, aliases, subaddresses and catch-alls.

#include <gtest/gtest.h>

#include "store/store.h"
#include "store/test_support.h"

namespace redoubt::store {
namespace {

using testing::open_store;
using testing::TempDir;
using Ids = std::vector<AccountId>;

class ResolveRecipientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_store(dir_.path());
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->add_domain("example.com").has_value());
    ASSERT_TRUE(store_->add_domain("example.org").has_value());
    alice_ = *store_->add_account("alice@example.com", "h");
    bob_ = *store_->add_account("bob@example.com", "h");
    carol_ = *store_->add_account("carol@example.org", "h");
  }

  void alias(std::string_view address, std::string_view target) {
    auto added = store_->add_alias(address, target);
    ASSERT_TRUE(added.has_value())
        << address << " -> " << target << ": " << describe(added.error());
  }

  Ids resolve(std::string_view address) {
    auto got = store_->resolve_recipient(address);
    EXPECT_TRUE(got.has_value()) << address;
    return got.value_or(Ids{});
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  AccountId alice_{}, bob_{}, carol_{};
};

TEST_F(ResolveRecipientTest, Account) {
  EXPECT_EQ(resolve("alice@example.com"), Ids{alice_});
  EXPECT_EQ(resolve("ALICE@Example.COM"), Ids{alice_});
  EXPECT_EQ(resolve("carol@example.org"), Ids{carol_});
}

TEST_F(ResolveRecipientTest, UnknownUserInLocalDomainIsEmpty) {
  EXPECT_EQ(resolve("nobody@example.com"), Ids{});
}

TEST_F(ResolveRecipientTest, ForeignDomainIsNotFound) {
  EXPECT_EQ(store_->resolve_recipient("alice@example.net").error(), StoreError::kNotFound);
  EXPECT_EQ(store_->resolve_recipient("alice@sub.example.com").error(), StoreError::kNotFound);
}

TEST_F(ResolveRecipientTest, MalformedIsInvalid) {
  EXPECT_EQ(store_->resolve_recipient("alice").error(), StoreError::kInvalid);
  EXPECT_EQ(store_->resolve_recipient("@example.com").error(), StoreError::kInvalid);
  EXPECT_EQ(store_->resolve_recipient("a b@example.com").error(), StoreError::kInvalid);
}

TEST_F(ResolveRecipientTest, AliasToSeveralTargets) {
  alias("team@example.com", "bob@example.com");
  alias("team@example.com", "alice@example.com");
  alias("team@example.com", "carol@example.org");
  // Each target once, in the order of their addresses.
  EXPECT_EQ(resolve("Team@example.com"), (Ids{alice_, bob_, carol_}));
}

TEST_F(ResolveRecipientTest, AliasChain) {
  alias("c@example.com", "alice@example.com");
  alias("b@example.com", "c@example.com");
  alias("a@example.com", "b@example.com");
  EXPECT_EQ(resolve("a@example.com"), Ids{alice_});
}

TEST_F(ResolveRecipientTest, AliasDepthLimit) {
  // hop1 -> hop2 -> ... -> hop8 -> alice: eight expansions, the most that are followed.
  alias("hop8@example.com", "alice@example.com");
  for (int i = 7; i >= 1; --i) {
    alias("hop" + std::to_string(i) + "@example.com",
          "hop" + std::to_string(i + 1) + "@example.com");
  }
  EXPECT_EQ(resolve("hop1@example.com"), Ids{alice_});
  alias("hop0@example.com", "hop1@example.com");  // Nine: too deep.
  EXPECT_EQ(resolve("hop0@example.com"), Ids{});
}

TEST_F(ResolveRecipientTest, AliasLoopsTerminate) {
  alias("x@example.com", "alice@example.com");  // Targets must exist when added...
  alias("y@example.com", "x@example.com");
  alias("x@example.com", "y@example.com");  // ... so close the loop afterwards.
  ASSERT_TRUE(store_->remove_alias("x@example.com", "alice@example.com").has_value());
  EXPECT_EQ(resolve("x@example.com"), Ids{});  // A pure loop reaches nobody.

  alias("y@example.com", "bob@example.com");  // A loop with an exit.
  EXPECT_EQ(resolve("x@example.com"), Ids{bob_});
  EXPECT_EQ(resolve("y@example.com"), Ids{bob_});
}

TEST_F(ResolveRecipientTest, DuplicatesAreRemoved) {
  alias("sales@example.com", "alice@example.com");
  alias("sales@example.com", "bob@example.com");
  alias("all@example.com", "alice@example.com");
  alias("all@example.com", "sales@example.com");
  EXPECT_EQ(resolve("all@example.com"), (Ids{alice_, bob_}));
}

TEST_F(ResolveRecipientTest, Subaddress) {
  EXPECT_EQ(resolve("alice+lists@example.com"), Ids{alice_});
  EXPECT_EQ(resolve("Alice+Lists+More@example.com"), Ids{alice_});
  alias("team@example.com", "bob@example.com");
  EXPECT_EQ(resolve("team+x@example.com"), Ids{bob_});
  // An account whose name contains '+' is matched exactly first.
  const AccountId plus = *store_->add_account("alice+vip@example.com", "h");
  EXPECT_EQ(resolve("alice+vip@example.com"), Ids{plus});
  // A leading '+' is not a separator.
  EXPECT_EQ(resolve("+alice@example.com"), Ids{});
  EXPECT_EQ(resolve("nobody+tag@example.com"), Ids{});
}

TEST_F(ResolveRecipientTest, CatchAll) {
  alias("@example.com", "carol@example.org");
  EXPECT_EQ(resolve("anything@example.com"), Ids{carol_});
  EXPECT_EQ(resolve("nobody+tag@example.com"), Ids{carol_});
  // Accounts, aliases and subaddresses come first.
  alias("team@example.com", "bob@example.com");
  EXPECT_EQ(resolve("alice@example.com"), Ids{alice_});
  EXPECT_EQ(resolve("alice+tag@example.com"), Ids{alice_});
  EXPECT_EQ(resolve("team@example.com"), Ids{bob_});
  // Only its own domain.
  EXPECT_EQ(resolve("anything@example.org"), Ids{});
}

TEST_F(ResolveRecipientTest, IdnDomain) {
  ASSERT_TRUE(store_->add_domain("bücher.example").has_value());
  const AccountId dora = *store_->add_account("dora@BÜCHER.example", "h");
  EXPECT_EQ(resolve("dora@bücher.example"), Ids{dora});
  EXPECT_EQ(resolve("Dora@xn--bcher-kva.example"), Ids{dora});
}

}  // namespace
}  // namespace redoubt::store

#pragma once

// The embedded default store: domains, accounts, aliases, mailboxes and messages in SQLite (WAL),
// message bodies as content-addressed files (store/blob_store.h), all under one data folder.
//
// This module is the only code that runs SQL or writes mail data to disk; protocol code (SMTP,
// IMAP, the admin CLI) uses only this interface. Several processes may open the same data folder
// at once (the server and the admin CLI): every write is one short transaction, and every read
// sees the data committed before it started, whichever process committed it.
//
// Thread safety: every method may be called from any thread, concurrently. Nothing throws;
// failures are StoreError values. Methods block on disk I/O and on SQLite locks, so async callers
// run them on a blocking pool, except deliver(), which only queues.
//
// Addresses and domain names given to any method are normalized first (store/address.h), and
// returned normalized; malformed ones fail with kInvalid.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/blob_store.h"
#include "store/delivery.h"
#include "store/directory_info.h"
#include "store/ids.h"
#include "store/mailbox_info.h"
#include "store/store_error.h"

namespace redoubt::store {

class Committer;
class ReadPool;

class Store {
  struct Key {
    explicit Key() = default;
  };

 public:
  // Opens the data folder `data_dir`, creating it (mode 0750) and its contents if missing:
  // <data_dir>/metadata.sqlite (mode 0640) with its schema migrated to the current version, and
  // <data_dir>/blobs/. On failure returns a one-line reason for the operator (unwritable folder,
  // database newer than this program, ...).
  static Result<std::unique_ptr<Store>, std::string> open(const std::filesystem::path& data_dir);

  // Waits for every delivery already queued to be committed and its callback to run, then closes
  // the store. REQUIRES: no other thread is still calling into the store.
  ~Store();

  // Only open() can construct: Key is private.
  Store(Key, BlobStore blobs, std::unique_ptr<ReadPool> reads, std::unique_ptr<Committer> writes);
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // --- Domains -------------------------------------------------------------------------------

  // Makes `name` a local domain (one the server accepts mail for). kExists if it already is.
  Result<DomainId, StoreError> add_domain(std::string_view name);

  // Stops accepting mail for `name`. kNotFound if it is not local; kInUse while accounts or
  // aliases (catch-all included) in it exist: remove those first.
  Result<void, StoreError> remove_domain(std::string_view name);

  // All local domains, sorted by name.
  Result<std::vector<DomainInfo>, StoreError> list_domains();

  // Whether mail for `name` is delivered here.
  Result<bool, StoreError> is_local_domain(std::string_view name);

  // --- Accounts ------------------------------------------------------------------------------

  // Creates the account `address` with the mailboxes INBOX, Sent, Drafts, Trash, Junk and
  // Archive (RFC 6154 SPECIAL-USE attributes on all but INBOX). `password_hash` is stored as
  // given (src/auth makes and checks it). kNotFound if the domain is not local; kExists if the
  // address is already an account or an alias.
  Result<AccountId, StoreError> add_account(std::string_view address,
                                            std::string_view password_hash);

  // Replaces the account's password hash. kNotFound if there is no such account.
  Result<void, StoreError> set_password(std::string_view address, std::string_view password_hash);

  // Deletes the account with its mailboxes and messages, and the aliases whose target is
  // `address`. Bodies stay on disk until blob garbage collection. kNotFound if there is no such
  // account.
  Result<void, StoreError> remove_account(std::string_view address);

  // Accounts sorted by address, all of them or those in `domain` (kNotFound if `domain` is not
  // local). password_hash is left empty.
  Result<std::vector<AccountInfo>, StoreError> list_accounts(
      std::optional<std::string_view> domain = std::nullopt);

  // The account `address`, with its password hash. kNotFound if there is none. Only the exact
  // account: use resolve_recipient for aliases and subaddresses.
  Result<AccountInfo, StoreError> find_account(std::string_view address);

  // --- Aliases -------------------------------------------------------------------------------

  // Adds the mapping `address` -> `target`. `address` is "local@domain", or "@domain" for the
  // domain's catch-all, in a local domain (else kNotFound); it must not be an account's address
  // (kExists). `target` must be a full address in a local domain (else kInvalid: there is no
  // outbound relay yet) naming an existing account or alias (else kNotFound), and not `address`
  // itself (kInvalid). kExists if the mapping is already there. One address may have many targets.
  Result<void, StoreError> add_alias(std::string_view address, std::string_view target);

  // Removes the mapping `address` -> `target`, or every mapping of `address` when no `target` is
  // given. kNotFound if nothing matched.
  Result<void, StoreError> remove_alias(std::string_view address,
                                        std::optional<std::string_view> target = std::nullopt);

  // Every mapping, sorted by address, then target.
  Result<std::vector<AliasInfo>, StoreError> list_aliases();

  // --- Recipients ----------------------------------------------------------------------------

  // The accounts that receive mail sent to `address` (SMTP RCPT TO), without duplicates.
  // Tries, in order, and stops at the first that yields an account:
  //   1. the account `address`;
  //   2. the alias `address`, expanded through aliases of aliases (at most 8 levels; loops are
  //      harmless);
  //   3. subaddressing (RFC 5233): "user+tag@domain" is tried as "user@domain" (1, then 2);
  //   4. the domain's catch-all alias "@domain".
  // Empty if the domain is local but nothing takes the address (SMTP: 550 no such user);
  // kNotFound if the domain is not local (SMTP: relay denied); kInvalid if malformed.
  Result<std::vector<AccountId>, StoreError> resolve_recipient(std::string_view address);

  // --- Mailboxes and messages ----------------------------------------------------------------

  // The account's mailboxes, sorted by name. kNotFound if there is no such account.
  Result<std::vector<MailboxInfo>, StoreError> list_mailboxes(AccountId account);

  // The mailbox's messages, in ascending UID order. kNotFound if there is no such mailbox.
  Result<std::vector<MessageInfo>, StoreError> list_messages(MailboxId mailbox);

  // --- Bodies --------------------------------------------------------------------------------

  // A writer for a new message body; pass its BlobRef to deliver() once finished. Independent of
  // the Store object (it holds only the blob folder's path).
  BlobWriter new_blob();

  // The body stored under `hash`. kNotFound if absent; kInvalid if `hash` is malformed.
  Result<std::string, StoreError> read_blob(std::string_view hash);

  // --- Delivery ------------------------------------------------------------------------------

  // Files `delivery` into the INBOX of each recipient and calls `done` with the outcome, on the
  // store's committer thread, once it is durable (so an SMTP server may then answer 250). Never
  // blocks. Deliveries queued while a commit is running are written together in one transaction
  // (group commit). A delivery is atomic: all its recipients get the message, or none does.
  // Recipients whose account no longer exists are skipped. Fails with kNotFound if the body is
  // missing, kInvalid if it does not match `delivery.blob`, kOverQuota if a recipient's INBOX has
  // used up its UIDs, kTemporary on I/O errors. See DeliveryCallback for what `done` may do.
  void deliver(Delivery delivery, DeliveryCallback done);

  // deliver() for callers that may block (admin CLI, tests): waits for and returns the outcome.
  // REQUIRES: not called from a DeliveryCallback.
  DeliveryResult deliver_and_wait(Delivery delivery);

  // Number of write transactions this Store has committed: directory changes count one each, a
  // group of deliveries one per batch. For tests and benchmarks.
  std::uint64_t commit_count() const;

 private:
  BlobStore blobs_;
  std::unique_ptr<ReadPool> reads_;
  std::unique_ptr<Committer> writes_;  // Destroyed first: drains deliveries while reads_ lives.
};

}  // namespace redoubt::store

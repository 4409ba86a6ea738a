#pragma once

// The embedded default store: domains, accounts, aliases, mailboxes and messages in SQLite (WAL),
// message bodies as content-addressed files (store/blob_store.h), all under one data folder.
//
// This module is the only code that runs SQL or writes mail data to disk; protocol code (SMTP,
// IMAP, the admin CLI) uses only this interface. Several processes may open the same data folder
// at once (the server and the admin CLI): every write is atomic and durable when it returns (this
// process's concurrent writes share short group-commit transactions, store/committer.h), and every
// read sees the data committed before it started, whichever process committed it.
//
// Thread safety: every method may be called from any thread, concurrently. Nothing throws;
// failures are StoreError values. Methods block on disk I/O and on SQLite locks, so async callers
// run them on a blocking pool, except deliver(), which only queues.
//
// Addresses and domain names given to any method are normalized first (store/address.h), and
// returned normalized; malformed ones fail with kInvalid.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
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
class WatchRegistry;
struct WatchEntry;

// One message for Store::append. Views: what they point to must outlive the call.
struct AppendRequest {
  BlobRef blob;  // Finished (BlobWriter::finish); its summary, if any, is saved with it.
  MessageFlags flags = MessageFlags::kNone;
  std::span<const std::string> keywords;
  std::int64_t internal_date = 0;  // Unix seconds.
};

// What Store::collect_garbage removes, and after how long.
struct GarbageOptions {
  // A body no message references is removed once its file has not been written or re-used for
  // this long. It must exceed by far the longest time between a writer finishing a body
  // (BlobWriter::finish) and committing the message that references it: an hour is minutes of
  // I/O stall on top of milliseconds. 0 is for tests and for stores no writer uses meanwhile.
  std::int64_t blob_grace_seconds = 3600;
  // The expunge log (what QRESYNC clients and other sessions learn expunges from) keeps each
  // entry this long. A client that resynchronizes from before a pruned entry is sent every UID
  // that no longer exists instead (RFC 7162 §3.2.5.2), which is correct but longer.
  std::int64_t expunge_retention_seconds = 30 * 24 * 3600;
  // Files without a row are looked for in `orphan_folders` of the 256 fan-out folders (1-256),
  // starting at `first_orphan_folder` (0-255, wrapping): each file there costs a stat, so a
  // periodic caller may spread a full sweep over several runs. Rows of refcount 0 are always
  // all looked at (an indexed query).
  int first_orphan_folder = 0;
  int orphan_folders = 256;
};

// What one Store::collect_garbage freed.
struct GarbageReport {
  std::uint64_t blobs_removed = 0;         // Unreferenced bodies: their file, row and summary.
  std::uint64_t orphan_files_removed = 0;  // Body files without a row (a writer crashed).
  std::uint64_t bytes_freed = 0;           // Their total size.
  std::uint64_t expunges_pruned = 0;       // Entries of the expunge log.
};

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
  // the store. REQUIRES: no other thread is still calling into the store, and every Watch is
  // destroyed (checked: the process stops otherwise).
  ~Store();

  // Only open() can construct: Key is private.
  Store(Key, BlobStore blobs, std::unique_ptr<WatchRegistry> watches,
        std::unique_ptr<ReadPool> reads, std::unique_ptr<Committer> writes);
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
  // Archive (RFC 6154 SPECIAL-USE attributes on all but INBOX). `password_hash` (Argon2id) and
  // `scram_sha256` (SCRAM-SHA-256 credentials, "" for none) are stored as given: src/auth makes
  // both from one password and checks them. kNotFound if the domain is not local; kExists if the
  // address is already an account or an alias.
  Result<AccountId, StoreError> add_account(std::string_view address,
                                            std::string_view password_hash,
                                            std::string_view scram_sha256 = {});

  // Replaces the account's password hash and its SCRAM credentials together ("" for none), so an
  // old password stops working for every mechanism at once. kNotFound if there is no such
  // account.
  Result<void, StoreError> set_password(std::string_view address, std::string_view password_hash,
                                        std::string_view scram_sha256 = {});

  // Deletes the account with its mailboxes and messages, and the aliases whose target is
  // `address`. Bodies stay on disk until blob garbage collection. kNotFound if there is no such
  // account.
  Result<void, StoreError> remove_account(std::string_view address);

  // Accounts sorted by address, all of them or those in `domain` (kNotFound if `domain` is not
  // local). password_hash is left empty.
  Result<std::vector<AccountInfo>, StoreError> list_accounts(
      std::optional<std::string_view> domain = std::nullopt);

  // The account `address`, with its password hash and SCRAM credentials. kNotFound if there is
  // none. Only the exact account: use resolve_recipient for aliases and subaddresses.
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

  // The mailbox `name` of the account ("INBOX" in any case is the inbox; other names compare
  // exactly). kNotFound if there is none (or no such account).
  Result<MailboxInfo, StoreError> find_mailbox(AccountId account, std::string_view name);

  // Creates the mailbox `name` (UTF-8, levels separated by "/", no empty level, no leading or
  // trailing "/", at most 1000 octets, no control characters: else kInvalid) with a fresh
  // UIDVALIDITY, subscribed. `special_use` is "" or one RFC 6154 attribute (kInvalid otherwise).
  // Missing parent levels are not created (IMAP lists them as \NonExistent-free \Noselect
  // placeholders; see list_mailboxes). kExists if the name is taken; kOverQuota past 10,000
  // mailboxes per account; kNotFound if there is no such account. "INBOX" in any case always
  // exists (kExists).
  Result<MailboxInfo, StoreError> create_mailbox(AccountId account, std::string_view name,
                                                 std::string_view special_use = {});

  // Deletes the mailbox and its messages (RFC 9051 §6.3.5). Its children stay. kInvalid for
  // INBOX; kNotFound if there is no such mailbox. The expunges are not logged: the mailbox and
  // its UIDVALIDITY are gone.
  Result<void, StoreError> delete_mailbox(AccountId account, std::string_view name);

  // Renames the mailbox `from` and every mailbox below it ("from/...") to `to` (RFC 9051
  // §6.3.6); each keeps its UIDVALIDITY and messages. Renaming INBOX moves its messages to a new
  // mailbox `to` and leaves INBOX empty. kNotFound if `from` does not exist; kExists if `to` or
  // any renamed child's new name does; kInvalid if `to` is malformed or below `from` (except for
  // INBOX, whose children stay where they are: "INBOX/old" is a fine target). Subscriptions to
  // the renamed names move with them.
  Result<void, StoreError> rename_mailbox(AccountId account, std::string_view from,
                                          std::string_view to);

  // Subscriptions (RFC 9051 §6.3.7-8) are names, kept even when the mailbox does not exist.
  // Subscribing twice or unsubscribing a name not subscribed succeeds. `name` must be a valid
  // mailbox name (as for create_mailbox; else kInvalid); any spelling of INBOX is "INBOX".
  // kNotFound if there is no such account. The list is sorted.
  Result<void, StoreError> set_subscribed(AccountId account, std::string_view name,
                                          bool subscribed);
  Result<std::vector<std::string>, StoreError> list_subscriptions(AccountId account);

  // STATUS counts. kNotFound if there is no such mailbox.
  Result<MailboxCounts, StoreError> mailbox_counts(MailboxId mailbox);

  // The mailbox's counters with every message changed after `since` and every UID expunged
  // after it (RFC 7162 CONDSTORE/QRESYNC, and how IMAP sessions learn of others' changes).
  // `since` 0 returns every message. kNotFound if there is no such mailbox.
  Result<MailboxChanges, StoreError> changes_since(MailboxId mailbox, ModSeq since);

  // Changes the flags of the messages `uids` (ascending; UIDs not in the mailbox are ignored),
  // all with one new MODSEQ, in one durable transaction. kNotFound if no such mailbox.
  Result<FlagUpdateResult, StoreError> store_flags(MailboxId mailbox, std::span<const Uid> uids,
                                                   const FlagUpdate& update);

  // Removes the messages `uids` (ascending; absent ones ignored) and logs their UIDs with a new
  // MODSEQ for changes_since. Returns the UIDs actually removed. Durable on return. kNotFound if
  // no such mailbox.
  Result<std::vector<Uid>, StoreError> expunge(MailboxId mailbox, std::span<const Uid> uids);

  // Adds a message with the body `blob` (finished, durable) to `mailbox`: IMAP APPEND. Durable
  // on return. kOverQuota if the account's quota would be exceeded or the mailbox's UIDs are used
  // up; kNotFound if no mailbox, or if the body is missing; kInvalid if the body does not match
  // `blob` or a keyword is not an atom (or there are more than 64). `flags` bits other than the
  // defined MessageFlags are dropped.
  Result<AppendedMessage, StoreError> append(MailboxId mailbox, const BlobRef& blob,
                                             MessageFlags flags,
                                             std::span<const std::string> keywords,
                                             std::int64_t internal_date);

  // Adds all of `messages` to `mailbox` in one durable transaction, or none of them: IMAP
  // MULTIAPPEND (RFC 3502 §6.3.11), so that a crash or a failure never leaves some of them
  // stored. They get consecutive UIDs in the order given and one MODSEQ; the result lists them
  // in that order. Fails as the single append() above would for any one message (the quota is
  // checked against their total), and then stores nothing. An empty span stores nothing and
  // takes no UID or MODSEQ.
  Result<std::vector<AppendedMessage>, StoreError> append(MailboxId mailbox,
                                                          std::span<const AppendRequest> messages);

  // Copies the messages `uids` (ascending; absent ones ignored) from `from` to `to` with their
  // flags, keywords and internal dates, sharing bodies (RFC 9051 §6.4.7). With `move`, removes
  // them from `from` in the same transaction and logs the expunges (RFC 6851). Both mailboxes
  // must belong to one account (else kInvalid). kOverQuota if the account's quota would be
  // exceeded (a move never is) or the target's UIDs would be used up; kNotFound if either
  // mailbox does not exist. Copying or moving into the same mailbox gives new UIDs there.
  Result<CopiedMessages, StoreError> copy_messages(MailboxId from, std::span<const Uid> uids,
                                                   MailboxId to, bool move);

  // The account's storage use (every message in every mailbox) and limit. kNotFound if no such
  // account. APPEND, COPY and delivery fail with kOverQuota when the use would pass the limit.
  Result<QuotaUsage, StoreError> quota(AccountId account);
  // Sets the account's storage limit in bytes (0: none). kNotFound if no such account; kInvalid
  // above 2^63-1. Lowering it below the current use removes nothing: only new mail is refused.
  Result<void, StoreError> set_quota(AccountId account, std::uint64_t limit_bytes);
  // Whether `bytes` more would fit in the account's quota now: for SMTP RCPT TO (with the SIZE
  // parameter, RFC 1870, or 0) to refuse early with 452/552. Only advisory: deliveries still check
  // when they commit. kNotFound if no such account.
  Result<bool, StoreError> has_room(AccountId account, std::uint64_t bytes);

  // --- Change notification -------------------------------------------------------------------

  // Calls `changed(mailbox)` after every committed write by this process that changes a mailbox
  // of `account` (delivery, append, flags, expunge, copy, create, delete, rename), on the
  // writing thread: it must return quickly and not call the store (post to your executor).
  // Changes made by other processes (the admin CLI) are not announced; poll changes_since.
  // The subscription ends when the returned handle is destroyed: once its destructor returns,
  // `changed` is not running and never runs again (it may be destroyed from inside `changed`).
  // `changed` may run on several threads at once (the committer and any caller of a write), and
  // must not throw. Several changes may be reported as one call per mailbox. The Store must
  // outlive every Watch.
  class Watch;
  using WatchCallback = std::function<void(MailboxId)>;
  std::unique_ptr<Watch> watch(AccountId account, WatchCallback changed);

  // --- Bodies --------------------------------------------------------------------------------

  // A writer for a new message body; pass its BlobRef to deliver() once finished. Independent of
  // the Store object (it holds only the blob folder's path).
  BlobWriter new_blob();

  // The body stored under `hash`. kNotFound if absent; kInvalid if `hash` is malformed.
  Result<std::string, StoreError> read_blob(std::string_view hash);

  // The body stored under `hash`, mapped read-only into memory instead of copied: what IMAP FETCH
  // serves partial bodies from. Errors as read_blob, and kTemporary if mapping fails.
  Result<MappedBlob, StoreError> map_blob(std::string_view hash);

  // The saved summary (BlobRef::summary) of each body in `hashes`, in the same order; nullopt
  // for a body without one of `version` (stored before summaries existed, or by older code).
  Result<std::vector<std::optional<MessageSummary>>, StoreError> summaries(
      std::span<const std::string> hashes, std::uint32_t version);

  // --- Delivery ------------------------------------------------------------------------------

  // Files `delivery` into the INBOX of each recipient and calls `done` with the outcome, on the
  // store's committer thread, once it is durable (so an SMTP server may then answer 250). Never
  // blocks. Deliveries queued while a commit is running are written together in one transaction
  // (group commit). A delivery is atomic: all its recipients get the message, or none does.
  // Recipients whose account no longer exists are skipped. Fails with kNotFound if the body is
  // missing, kInvalid if it does not match `delivery.blob`, kOverQuota if a recipient's INBOX has
  // used up its UIDs or a recipient's account would pass its quota (the SMTP server checks
  // has_room() at RCPT time; this is the backstop for races), kTemporary on I/O errors. Watches
  // of the recipients hear of the new message before `done` runs. See DeliveryCallback for what `done` may do.
  void deliver(Delivery delivery, DeliveryCallback done);

  // deliver() for callers that may block (admin CLI, tests): waits for and returns the outcome.
  // REQUIRES: not called from a DeliveryCallback.
  DeliveryResult deliver_and_wait(Delivery delivery);

  // --- Maintenance ---------------------------------------------------------------------------

  // Removes the entries of the expunge log older than options.expunge_retention_seconds,
  // raising each mailbox's horizon (changes_since reports expunges_incomplete below it). Then
  // removes the bodies no message references (rows of refcount 0, with their summaries, and
  // files without a row) whose file is older than options.blob_grace_seconds. Safe while other
  // threads and processes deliver and append: see store/maintenance.cc. Blocks for as long as
  // listing options.orphan_folders blob folders takes; the write lock is held for short rounds
  // only.
  // kTemporary on I/O errors (what was freed before stays freed).
  Result<GarbageReport, StoreError> collect_garbage(const GarbageOptions& options = {});

  // Number of write transactions this Store has committed: one per batch, however many writes and
  // deliveries it held (store/committer.h). For tests and benchmarks.
  std::uint64_t commit_count() const;

 private:
  BlobStore blobs_;
  std::unique_ptr<WatchRegistry> watches_;  // Outlives writes_, which notifies it.
  std::unique_ptr<ReadPool> reads_;
  std::unique_ptr<Committer> writes_;  // Destroyed first: drains deliveries while reads_ lives.
};

// A subscription made by Store::watch; ends when destroyed. Not copyable or movable (it is held by
// unique_ptr).
class Store::Watch {
 public:
  // Only Store::watch can construct: Key is private.
  Watch(Key, WatchRegistry& registry, std::shared_ptr<WatchEntry> entry);
  ~Watch();
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;

 private:
  WatchRegistry& registry_;
  std::shared_ptr<WatchEntry> entry_;
};

}  // namespace redoubt::store

#pragma once

// Administrative operations on domains, accounts and aliases, as the `redoubt` command line runs
// them. They work on the store directly, so they work with the server running or stopped (SQLite
// WAL lets both use the data folder at once; the server sees changes at its next lookup).
// Each returns the text to print on success, or a one-line error.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/store.h"

namespace redoubt::admin {

using Outcome = Result<std::string, std::string>;

Outcome domain_add(store::Store& store, std::string_view name);
Outcome domain_remove(store::Store& store, std::string_view name);
Outcome domain_list(store::Store& store);

// `password` is hashed with Argon2id and turned into SCRAM-SHA-256 credentials here (both from
// the one password, so every login mechanism takes it); it never reaches the store in clear. A
// password that SASLprep (RFC 4013) refuses is refused.
Outcome account_add(store::Store& store, std::string_view address, std::string_view password);
Outcome account_passwd(store::Store& store, std::string_view address, std::string_view password);
Outcome account_remove(store::Store& store, std::string_view address);
Outcome account_list(store::Store& store, const std::optional<std::string>& domain);
// Without `limit`: the account's storage use and limit. With it: sets the limit, in bytes
// ("none" or "0": no limit).
Outcome account_quota(store::Store& store, std::string_view address, const std::optional<std::string>& limit);

Outcome alias_add(store::Store& store, std::string_view address, const std::vector<std::string>& targets);
Outcome alias_remove(store::Store& store, std::string_view address, const std::optional<std::string>& target);
Outcome alias_list(store::Store& store);

// What is stored, for operators and tests (as `doveadm fetch` is for Dovecot):
// mailboxes: "NAME UIDVALIDITY UIDNEXT HIGHESTMODSEQ SPECIALUSE" per line;
// list: "MAILBOX UID MODSEQ SIZE" per message; cat: the raw message of one UID.
Outcome mail_mailboxes(store::Store& store, std::string_view address);
Outcome mail_list(store::Store& store, std::string_view address);
Outcome mail_cat(store::Store& store, std::string_view address, std::string_view mailbox, std::uint32_t uid);

// Store::collect_garbage with `options` (below the default grace period only when no writer
// may be storing bodies meanwhile), and what it freed: "blobs_removed=N orphan_files_removed=N
// bytes_freed=N expunges_pruned=N".
Outcome store_gc(store::Store& store, const store::GarbageOptions& options);

}  // namespace redoubt::admin

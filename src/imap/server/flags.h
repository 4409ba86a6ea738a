#pragma once

// IMAP message flags (RFC 9051 §2.3.2) between their wire names and the store's representation:
// system flags as a store::MessageFlags bitmask, keywords as atoms.
//
// Pure: no I/O, no state. \Recent is not a stored flag (IMAP4rev2 dropped it; for IMAP4rev1 it
// is session state), so it never appears in these lists and cannot be set.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/message_flags.h"

namespace redoubt::imap::server {

// Whether `keyword` can be an IMAP keyword: RFC 9051 §9 flag-keyword = atom, i.e. one or more
// CHARs (%x01-7F) other than CTLs, SP and the atom-specials ( ) { % * " \ ].
bool is_keyword(std::string_view keyword);

// The flag-list of a message: the set system flags in the order \Seen, \Answered, \Flagged,
// \Deleted, \Draft, then `keywords` in their order. Keywords that are not valid atoms
// (is_keyword) are left out, so the result can always go through proto::append_flag_list.
std::vector<std::string> flag_names(store::MessageFlags flags,
                                    std::span<const std::string> keywords);

// Flags as a client sent them (STORE, APPEND), split into system flags and keywords.
struct ParsedFlags {
  store::MessageFlags system = store::MessageFlags::kNone;
  // Atoms, in the order sent, without duplicates (compared ignoring ASCII case; the first
  // spelling is kept).
  std::vector<std::string> keywords;

  bool operator==(const ParsedFlags&) const = default;
};

// Parses `names` (each as sent: "\Seen", "$Forwarded", ...). System flags are matched ignoring
// case (RFC 9051 §9: flag names are case-insensitive). Fails, with a short fixed text for the
// client, on "\Recent" (not settable, RFC 9051 §2.3.2), on any other "\" name that is not a
// system flag (including "\*"), and on a keyword that is not an atom. The caller chooses the
// response (BAD for STORE, NO or BAD for APPEND).
Result<ParsedFlags, std::string> parse_flags(std::span<const std::string> names);

// The FLAGS list of SELECT/EXAMINE (RFC 9051 §7.3.5): the five system flags, then the
// keywords in use in the mailbox in their order, invalid atoms left out and duplicates
// (ignoring case) dropped.
std::vector<std::string> mailbox_flags(std::span<const std::string> keywords_in_use);

// The [PERMANENTFLAGS (...)] list of SELECT (RFC 9051 §7.1): mailbox_flags() followed by "\*",
// since clients may create keywords.
std::vector<std::string> permanent_flags(std::span<const std::string> keywords_in_use);

}  // namespace redoubt::imap::server

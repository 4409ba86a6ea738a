#pragma once

// LIST reference and pattern matching (RFC 9051 §6.3.9, RFC 5258 §3), over UTF-8 mailbox names
// with "/" as the hierarchy delimiter. The caller decodes modified UTF-7 (proto/mutf7.h) in the
// reference and patterns first when the session needs it, and encodes the names it sends back.
//
// Pure: no I/O and no store access.

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace redoubt::imap::server {

inline constexpr char kHierarchyDelimiter = '/';

// RFC 9051 §6.3.9: the reference and the mailbox pattern "interpreted into a canonical form":
// concatenated, with one "/" dropped when the reference ends with it and the pattern starts
// with it ("Archive/" + "/2024" is "Archive/2024"). An empty reference gives the pattern.
std::string combine_reference(std::string_view reference, std::string_view pattern);

// True if `name` matches `pattern` (RFC 9051 §6.3.9): "*" matches any run of characters, "%"
// any run without "/", every other character itself. Names are case-sensitive, except that a
// name that is "INBOX" or starts with "INBOX/" matches its first five characters ignoring
// ASCII case (RFC 9051 §5.1: "INBOX" is case-insensitive), so "inbox", "Inb*" and "inbox/%" find
// INBOX and its children. O(name length × wildcards) time; no recursion.
bool list_pattern_matches(std::string_view pattern, std::string_view name);

// One LIST response line's subject.
struct ListEntry {
  std::string name;           // UTF-8 as stored ("INBOX" in upper case).
  // Not a mailbox: a missing level above existing mailboxes, listed because a pattern ends
  // with "%" (RFC 9051 §6.3.9). Send it with \Noselect; it always has children.
  bool is_placeholder = false;
  bool has_children = false;  // \HasChildren, else \HasNoChildren (RFC 9051 §7.3.1).
  bool operator==(const ListEntry&) const = default;
};

// The entries LIST `reference` `patterns` returns from the mailboxes `names` (all the user's
// mailboxes, UTF-8, any order, no duplicates), sorted by name (octet order), each name once:
// - every mailbox whose name matches combine_reference(reference, pattern) for some pattern;
// - for a pattern ending in "%", every level above an existing mailbox that matches the pattern
//   but is not a mailbox itself, as a placeholder (e.g. "%" lists "a" when only "a/b" exists).
// has_children is true when some mailbox lies below the name, matched or not.
// An empty pattern is RFC 9051's request for the delimiter (`* LIST (\Noselect) "/" ""`), which
// the caller answers itself; here it matches nothing.
// O(names × levels × patterns) pattern matches.
std::vector<ListEntry> list_mailboxes(std::span<const std::string> names,
                                      std::string_view reference,
                                      std::span<const std::string> patterns);

}  // namespace redoubt::imap::server

#pragma once

// Mailbox names and SPECIAL-USE attributes as the store accepts them. Internal to src/store.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace redoubt::store {

inline constexpr std::size_t kMaxMailboxNameLength = 1000;  // Octets.

// The one mailbox name that is case-insensitive (RFC 9051 §5.1), stored as spelled here.
inline constexpr std::string_view kInbox = "INBOX";

// True if `name` may name a mailbox (Store::create_mailbox): non-empty UTF-8 of at most
// kMaxMailboxNameLength octets, no control characters (C0, DEL, C1), levels separated by "/"
// with none empty (so no leading, trailing or doubled "/").
bool is_valid_mailbox_name(std::string_view name);

// True if `name` is INBOX in any case.
bool is_inbox(std::string_view name);

// "INBOX" for every spelling of it; any other name unchanged.
std::string canonical_mailbox_name(std::string_view name);

// True if `name` is below `parent` in the hierarchy ("parent/...").
bool is_below(std::string_view name, std::string_view parent);

// The registered spelling of RFC 6154 attribute `attribute` (matched ignoring ASCII case, as IMAP
// flags are), "" for "", or nullopt if it is none of them.
std::optional<std::string_view> canonical_special_use(std::string_view attribute);

}  // namespace redoubt::store

#pragma once

// RFC 5322 §3.4 address lists (mailboxes and groups), with the obsolete forms of §4.4
// (obs-route, obs-local-part, obs-domain, CFWS anywhere, empty list elements) and RFC 6532
// UTF-8.

#include <string>
#include <string_view>
#include <vector>

#include "mime/limits.h"

namespace redoubt::mime {

struct Address {
  enum class Kind { kMailbox, kGroupStart, kGroupEnd };
  Kind kind = Kind::kMailbox;
  // The display name (or, for kGroupStart, the group name) as a phrase: quoted strings unquoted,
  // words separated by one space where the message had whitespace, comments dropped. Encoded
  // words are NOT decoded (IMAP ENVELOPE sends them as is); see decoded_name(). For the obsolete
  // "local@domain (Name)" form the comment is used as the name.
  std::string name;
  // RFC 5322 §4.4 obs-route, e.g. "@relay1,@relay2", without the final colon; usually empty.
  std::string route;
  // The local part, unquoted; and the domain (or domain literal with its brackets). The domain is
  // empty when the address had none (e.g. "undisclosed-recipients" without a colon).
  std::string mailbox;
  std::string domain;

  bool operator==(const Address&) const = default;
};

// Parses an address-list field body (From, To, Cc, Reply-To, ...) as received, folded or not.
// Best effort: junk between addresses is skipped, an unclosed group is closed at the end, and a
// word list without '@' becomes a mailbox without domain. Keeps at most limits.max_addresses
// entries. Linear time.
std::vector<Address> parse_address_list(std::string_view raw_value, const Limits& limits = {});

// The display name with RFC 2047 encoded words decoded, as UTF-8.
std::string decoded_name(const Address& address);

// "mailbox@domain" (the local part re-quoted if it is not a dot-atom, RFC 5322 §3.4.1), or the
// mailbox alone when there is no domain. Empty for group markers.
std::string addr_spec(const Address& address);

}  // namespace redoubt::mime

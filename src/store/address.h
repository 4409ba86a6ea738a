#pragma once

// Canonical forms of mail addresses and domain names, so that every lookup in the store compares
// like with like. Pure functions: no I/O, no locale, thread-safe.

#include <string>
#include <string_view>

#include "base/result.h"
#include "store/store_error.h"

namespace redoubt::store {

// Longest local part and domain the store accepts (RFC 5321 §4.5.3.1.1 and §4.5.3.1.2; a domain
// of 255 octets on the wire is at most 253 without the root label's dot and length octet).
inline constexpr std::size_t kMaxLocalPartLength = 64;
inline constexpr std::size_t kMaxDomainLength = 253;

// Returns `domain` in the form the store keeps: ASCII letters lowercased, an internationalized
// (UTF-8) name converted to its A-label form ("bücher.example" -> "xn--bcher-kva.example",
// IDNA2008 with UTS #46 non-transitional mapping, as browsers and mail clients do today).
// Fails with kInvalid for an empty name, an empty label, a trailing dot, an address literal,
// characters other than letters, digits and hyphens (after conversion), a label that starts or
// ends with a hyphen or is longer than 63 octets, or a name longer than kMaxDomainLength.
Result<std::string, StoreError> normalize_domain(std::string_view domain);

// Returns `address` ("local@domain") in the form the store keeps: the domain as normalize_domain
// makes it, and the local part's bytes kept except that ASCII letters are lowercased. RFC 5321
// §2.3.11 lets the receiving host decide whether local parts are case-sensitive; like Postfix,
// Dovecot and Stalwart we match them case-insensitively, because senders do not preserve case.
// The local part is everything before the last '@'; it is kept as given, so a quoted local part
// keeps its quotes (the SMTP layer passes the form the client sent). Non-ASCII bytes are allowed
// if they are valid UTF-8 (RFC 6531). Fails with kInvalid for a missing '@', an empty local part,
// a control character, a space, invalid UTF-8, an '@' in an unquoted local part, a local part
// longer than kMaxLocalPartLength, or a domain normalize_domain rejects.
Result<std::string, StoreError> normalize_address(std::string_view address);

// Like normalize_address, but also accepts the catch-all form "@domain" used as an alias source.
Result<std::string, StoreError> normalize_alias_address(std::string_view address);

// The parts of an address as returned by the functions above: the text after the last '@', and
// the text before it ("" for a catch-all). REQUIRES: `normalized` contains '@'.
std::string_view domain_of(std::string_view normalized);
std::string_view local_part_of(std::string_view normalized);

}  // namespace redoubt::store

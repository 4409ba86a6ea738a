#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"
#include "smtp/proto/path.h"
#include "smtp/proto/syntax_error.h"

namespace redoubt::smtp::proto {

// Which path a parse is for. It decides the special forms allowed and the error kind reported.
enum class PathRole {
  kReversePath,  // MAIL FROM: allows "<>"; errors are kBadSenderAddress.
  kForwardPath,  // RCPT TO: allows bare "<Postmaster>"; errors are kBadRecipientAddress.
};

// RFC 5321 §4.5.3.1: the size limits parse_path() enforces, in octets as sent.
inline constexpr std::size_t kMaxLocalPartOctets = 64;  // §4.5.3.1.1
inline constexpr std::size_t kMaxDomainOctets = 255;    // §4.5.3.1.2
inline constexpr std::size_t kMaxPathOctets = 256;      // §4.5.3.1.3, with "<", ">" and route.

// A Path read from the start of some input, and how many octets it took.
struct ParsedPath {
  Path path;
  std::size_t consumed = 0;
};

// Reads one Path (RFC 5321 §4.1.2) from the start of `in`:
//   "<" [ A-d-l ":" ] Mailbox ">", or "<>" for kReversePath, or "<Postmaster>" for kForwardPath.
// Octets after the closing ">" are left for the caller. The local part is a Dot-string or a
// Quoted-string; the domain is a Domain or an IPv4 or IPv6 address literal (general address
// literals have no registered tag, so none is accepted). With `allow_utf8`, UTF-8 is allowed in
// the local part and in domain labels (RFC 6531 §3.3); it must be well-formed (no overlong forms,
// surrogates or truncated sequences), and IDNA validity of U-labels is left to the caller.
// Fails with kBadSenderAddress or kBadRecipientAddress (by `role`) on any grammar error or when a
// part exceeds the limits above. Pure; any byte string is valid input.
Result<ParsedPath, SyntaxError> parse_path_prefix(std::string_view in, PathRole role,
                                                  bool allow_utf8);

// As parse_path_prefix(), but all of `in` must be the Path.
Result<Path, SyntaxError> parse_path(std::string_view in, PathRole role, bool allow_utf8);

// The Path as it is written in MAIL or RCPT: "<>", "<Postmaster>" or "<" + path.address() + ">".
// For any Path that parse_path() returned, parse_path(to_wire(p), role, allow_utf8) gives p again.
// REQUIRES: `path` came from parse_path(), or satisfies the same grammar and limits.
std::string to_wire(const Path& path);

// True if all of `s` is a Domain (RFC 5321 §4.1.2: dot-separated labels of letters, digits and
// inner hyphens, at most 63 octets each), at most 255 octets; with `allow_utf8`, labels may hold
// well-formed UTF-8 (RFC 6531 §3.3).
bool is_domain(std::string_view s, bool allow_utf8);

// True if all of `s` is an IPv4 or IPv6 address literal with its brackets (RFC 5321 §4.1.3), e.g.
// "[192.0.2.1]" or "[IPv6:2001:db8::1]".
bool is_address_literal(std::string_view s);

}  // namespace redoubt::smtp::proto

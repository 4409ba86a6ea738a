#pragma once

#include <string>

namespace redoubt::smtp::proto {

// A reverse-path or forward-path of MAIL or RCPT (RFC 5321 §4.1.2), as parse_path() returns it.
//
// A source route ("<@relay:user@example.org>") is accepted and dropped (RFC 5321 §4.1.1.3 and
// Appendix C). The local part is stored decoded: the quotes and backslashes of a Quoted-string
// are removed, so "<\"a\\\"b\"@x>" and its canonical form give the same Path. The domain is stored
// as sent (case kept), an address literal with its brackets ("[192.0.2.1]").
struct Path {
  std::string local_part;
  std::string domain;
  // "<>": the null reverse-path (RFC 5321 §4.5.5). Both strings are empty.
  bool is_null = false;
  // Bare "<Postmaster>" (RFC 5321 §4.1.1.3): local_part is as sent (any case), domain is empty.
  bool is_postmaster = false;

  // The mailbox in canonical form "local@domain", without angle brackets: the local part is a
  // Dot-string when it is one and otherwise a Quoted-string that escapes only '"' and '\'
  // (RFC 5321 §4.1.2). "" for the null path, local_part alone for bare Postmaster.
  std::string address() const;

  // True if the local part or domain has octets outside US-ASCII, so the address can only be used
  // in a transaction whose MAIL carried SMTPUTF8 (RFC 6531 §3.5).
  bool needs_smtputf8() const;

  bool operator==(const Path&) const = default;
};

}  // namespace redoubt::smtp::proto

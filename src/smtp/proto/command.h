#pragma once

// Typed SMTP commands, as parse_command() (command_parser.h) returns them. Values only: which
// commands a session state allows, and what the server does, are decided in smtp/server.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "smtp/proto/path.h"

namespace redoubt::smtp::proto {

// RFC 5321 §4.1.1.1. `domain` is the argument as sent: one word of printable US-ASCII (RFC 6531
// §3.7.1: EHLO carries only ASCII, as SMTPUTF8 is not yet negotiated). It need not be a valid
// Domain or address literal: many clients send names that are not, and refusing them gains
// nothing. A session that cares checks it with is_domain() or is_address_literal()
// (address_parser.h).
struct Ehlo {
  std::string domain;
  bool operator==(const Ehlo&) const = default;
};

// RFC 5321 §4.1.1.1, same contract as Ehlo.
struct Helo {
  std::string domain;
  bool operator==(const Helo&) const = default;
};

// BODY= values (RFC 6152 §2 8BITMIME, RFC 3030 §3 BINARYMIME).
enum class Body { k7Bit, k8BitMime, kBinaryMime };

// RET= values (RFC 3461 §4.3).
enum class Ret { kFull, kHdrs };

// RFC 5321 §4.1.1.2 MAIL FROM:<reverse-path> [SP Mail-parameters]. Each parameter appears at most
// once. Whether the server advertised the extension a parameter belongs to is for the session to
// check.
struct Mail {
  Path reverse_path;                  // May be the null path "<>".
  std::optional<std::uint64_t> size;  // SIZE= (RFC 1870 §3): the client's size estimate.
  std::optional<Body> body;           // BODY= (RFC 6152, RFC 3030).
  bool smtputf8 = false;              // SMTPUTF8 (RFC 6531 §3.4).
  std::optional<Ret> ret;             // RET= (RFC 3461 §4.3).
  std::optional<std::string> envid;   // ENVID= (RFC 3461 §4.4), xtext-decoded: printable ASCII.
  std::optional<std::string> auth;    // AUTH= (RFC 4954 §5), xtext-decoded mailbox, or "<>".
  bool operator==(const Mail&) const = default;
};

// NOTIFY= (RFC 3461 §4.1): either `never` alone, or one or more of the others.
struct Notify {
  bool never = false;
  bool success = false;
  bool failure = false;
  bool delay = false;
  bool operator==(const Notify&) const = default;
};

// RFC 5321 §4.1.1.3 RCPT TO:<forward-path> [SP Rcpt-parameters]. The forward path may hold UTF-8
// (see Path::needs_smtputf8()); the session refuses it unless the transaction's MAIL had SMTPUTF8.
struct Rcpt {
  Path forward_path;             // Never the null path; may be bare "<Postmaster>".
  std::optional<Notify> notify;  // NOTIFY= (RFC 3461 §4.1).
  // ORCPT= (RFC 3461 §4.2) as "addr-type;address" with the address xtext-decoded (printable
  // ASCII), e.g. "rfc822;Bob@Example.COM": the form a DSN's Original-Recipient field takes.
  std::optional<std::string> orcpt;
  bool operator==(const Rcpt&) const = default;
};

// RFC 5321 §4.1.1.4.
struct Data {
  bool operator==(const Data&) const = default;
};

// RFC 3030 §2 BDAT SP chunk-size [SP "LAST"].
struct Bdat {
  std::uint64_t size = 0;
  bool last = false;
  bool operator==(const Bdat&) const = default;
};

// RFC 5321 §4.1.1.5.
struct Rset {
  bool operator==(const Rset&) const = default;
};

// RFC 5321 §4.1.1.9. An argument is allowed and ignored.
struct Noop {
  bool operator==(const Noop&) const = default;
};

// RFC 5321 §4.1.1.10.
struct Quit {
  bool operator==(const Quit&) const = default;
};

// RFC 5321 §4.1.1.8. `arg` is the text after "HELP " as sent: UTF-8 without control characters.
struct Help {
  std::optional<std::string> arg;
  bool operator==(const Help&) const = default;
};

// RFC 5321 §4.1.1.6. `arg` is the text after "VRFY " as sent: non-empty UTF-8 without control
// characters (it may end in " SMTPUTF8", RFC 6531 §3.7.4.2, which the session interprets).
struct Vrfy {
  std::string arg;
  bool operator==(const Vrfy&) const = default;
};

// RFC 5321 §4.1.1.7, same contract as Vrfy.
struct Expn {
  std::string arg;
  bool operator==(const Expn&) const = default;
};

// RFC 3207 §4.
struct Starttls {
  bool operator==(const Starttls&) const = default;
};

// RFC 4954 §4 AUTH SP sasl-mech [SP initial-response]. `mechanism` is upper-cased (RFC 4422 §3.1
// names are upper case). `initial_response` is the base64 text as sent, not decoded; "=" stands for
// an empty response.
struct Auth {
  std::string mechanism;
  std::optional<std::string> initial_response;
  bool operator==(const Auth&) const = default;
};

using Command = std::variant<Ehlo, Helo, Mail, Rcpt, Data, Bdat, Rset, Noop, Quit, Help, Vrfy, Expn,
                             Starttls, Auth>;

}  // namespace redoubt::smtp::proto

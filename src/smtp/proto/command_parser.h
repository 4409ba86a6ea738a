#pragma once

#include <cstddef>
#include <string_view>

#include "base/result.h"
#include "smtp/proto/command.h"
#include "smtp/proto/syntax_error.h"

namespace redoubt::smtp::proto {

// Limits on one command line.
struct CommandLimits {
  // Longest command line in octets, counting the CRLF the caller removed. RFC 5321 §4.5.3.1.4 sets
  // 512 and lets extensions add to it: DSN's ENVID and ORCPT, AUTH=, SMTPUTF8, and AUTH initial
  // responses (bearer tokens run to kilobytes) take real lines well past 512.
  std::size_t max_line = 4096;
};

// Parses one SMTP command line, as framed by the session's line reader with its CRLF removed.
//
// Verbs and keywords are case-insensitive (RFC 5321 §2.4). Trailing spaces and tabs are ignored.
// MAIL FROM: and RCPT TO: also accept spaces after the colon (as Postfix does). A line holding a
// control character (NUL, a CR or LF left inside the line, ...) is a syntax error.
// Paths may hold UTF-8 (RFC 6531 §3.3). MAIL refuses a UTF-8 reverse-path without SMTPUTF8
// (kNonAsciiAddress). RCPT cannot know the transaction: the session must refuse a forward path
// with Path::needs_smtputf8() when its MAIL lacked SMTPUTF8 (RFC 6531 §3.5: 553 5.6.7).
//
// Pure: no I/O, no session state, no globals, no logging. Any byte string is valid input; every
// failure is a SyntaxError whose kind decides the reply (reply_for() in reply.h).
Result<Command, SyntaxError> parse_command(std::string_view line, const CommandLimits& limits);

}  // namespace redoubt::smtp::proto

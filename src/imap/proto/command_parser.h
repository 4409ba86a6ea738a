#pragma once

#include <span>
#include <string_view>

#include "base/result.h"
#include "imap/proto/command.h"
#include "imap/proto/command_framer.h"
#include "imap/proto/parse_limits.h"
#include "imap/proto/syntax_error.h"

namespace redoubt::imap::proto {

// Parses one complete client command: tag, name and arguments, as framed by CommandFramer
// (literals present, final CRLF removed). Every command of RFC 9051 and RFC 3501 and of the
// extensions listed in command.h is known; command names and keywords ignore case.
//
// Strict: exactly one SP between tokens, no trailing space, no octet the grammar does not allow
// (quoted strings may carry UTF-8, RFC 9051 §9; literals anything but NUL, literal8 anything).
// Semantic rules the grammar implies are checked too (RECURSIVEMATCH alone, VANISHED without
// CHANGEDSINCE, MIME without a part). Failures keep the tag when it could be read.
//
// Pure: no I/O, no session state, no globals, no logging. Any byte string is valid input. The
// result never depends on what the session has enabled; imap/server applies such rules (e.g.
// UTF8=ACCEPT, CONDSTORE enabling) after parsing.
//
// `streamed` lists the literals whose octets the framer streamed instead of framing
// (Frame::streamed_literals, with `bytes` = Frame::bytes). Only APPEND message literals may be
// streamed: each becomes an AppendMessage with `streamed_literal` set and `message` empty. A
// streamed literal anywhere else, or one whose header disagrees with its StreamedLiteral, is a
// syntax error, and so is a NUL among the octets of a streamed literal that is not a literal8.
Result<Command, SyntaxError> parse_command(std::string_view bytes, const ParseLimits& limits,
                                           std::span<const StreamedLiteral> streamed);

// parse_command() of a frame without streamed literals.
Result<Command, SyntaxError> parse_command(std::string_view bytes, const ParseLimits& limits);

// parse_command() with the default ParseLimits, without streamed literals.
Result<Command, SyntaxError> parse_command(std::string_view bytes);

}  // namespace redoubt::imap::proto

#pragma once

#include <string>

#include "imap/proto/command.h"

namespace redoubt::imap::proto {

// Writes `command` as a client sends it, without the final CRLF: the form CommandFramer yields
// and parse_command() reads back to an equal Command. Strings are atoms where the grammar
// allows, quoted when they hold only TEXT-CHARs and UTF-8, and non-synchronising literals
// "{n+}" otherwise (RFC 7888; APPEND data keeps its literal / literal8 form). FETCH macros are
// written as the items they stand for.
//
// REQUIRES: `command` holds values parse_command() can produce (valid tag, no NUL outside
// literal8 APPEND data, non-empty lists where the grammar needs them). Used by the fuzz round
// trip and by test clients.
std::string to_wire(const Command& command);

}  // namespace redoubt::imap::proto

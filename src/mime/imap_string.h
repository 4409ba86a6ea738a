#pragma once

// IMAP string syntax for the derived views (RFC 9051 §4.3 and §9): quoted strings, literals, NIL.
// Kept here rather than in imap/proto because ENVELOPE and BODYSTRUCTURE are computed (and
// cached) at delivery, below the IMAP layer.

#include <optional>
#include <string>
#include <string_view>

namespace redoubt::mime {

// Appends `s` as an IMAP string: a quoted string when every byte is a 7-bit TEXT-CHAR
// (RFC 9051 §9 quoted, with '"' and '\' escaped), a literal "{n}\r\n..." otherwise (8-bit bytes,
// CR, LF). The output is therefore valid for IMAP4rev1 and IMAP4rev2 clients alike. NUL, which
// no IMAP string may hold, becomes U+FFFD.
void append_imap_string(std::string& out, std::string_view s);
// As above, or NIL for nullopt (RFC 9051 §9 nstring).
void append_imap_nstring(std::string& out, std::optional<std::string_view> s);

}  // namespace redoubt::mime

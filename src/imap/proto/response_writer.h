#pragma once

// Pieces of server responses (RFC 9051 §7), written so that any value reaches the client in a
// form the grammar allows. The append_* functions add to `out` rather than returning strings
// so a FETCH response is built in one buffer.
//
// Pure: no I/O, no state. None of them fails; preconditions are marked REQUIRES.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace redoubt::imap::proto {

// How a string value may be written, which depends on the session.
struct StringOptions {
  // Quoted strings may carry UTF-8: IMAP4rev2 (RFC 9051 §9 QUOTED-CHAR) or UTF8=ACCEPT enabled
  // (RFC 6855 §3). Otherwise any 8-bit octet forces a literal.
  bool utf8_quoted = false;
  // Longer strings are sent as literals: easier for clients to read and never re-escaped.
  std::size_t max_quoted = 1024;
};

// RFC 9051 §9 string: quoted when the value allows it (TEXT-CHARs, UTF-8 per `options`, at most
// options.max_quoted octets), else a literal "{n}" CRLF. REQUIRES: no NUL octet (CHAR8); binary
// content goes through append_binary().
void append_string(std::string& out, std::string_view value, const StringOptions& options = {});

// RFC 9051 §9 astring: an atom when every octet is an ASTRING-CHAR and the value is not "NIL"
// (which a client reading an nstring would take for NIL), else as append_string().
void append_astring(std::string& out, std::string_view value, const StringOptions& options = {});

// RFC 9051 §9 nstring: NIL for nullopt, else as append_string().
void append_nstring(std::string& out, std::optional<std::string_view> value,
                    const StringOptions& options = {});

// A literal "{n}" CRLF octets. REQUIRES: no NUL octet.
void append_literal(std::string& out, std::string_view value);

// RFC 3516 §4.2 BINARY[...] content: a literal8 "~{n}" CRLF octets when it holds NUL, else a
// literal (RFC 3516 §4.2 lets the server choose).
void append_binary(std::string& out, std::string_view value);

// RFC 9051 §9 flag-list "(\Seen $Forwarded)". REQUIRES: each flag is "\" atom or an atom.
void append_flag_list(std::string& out, std::span<const std::string> flags);

// "(a b c)" of atoms, e.g. capability or attribute lists. REQUIRES: each is an atom (or "\" atom).
void append_atom_list(std::string& out, std::span<const std::string_view> atoms);

// RFC 9051 §7.1 resp-cond-state / resp-cond-bye / resp-cond-auth condition.
enum class Condition { kOk, kNo, kBad, kPreauth, kBye };

// The inside of a resp-text-code, without its brackets: "UIDNEXT 4392". Build with the functions
// in namespace response_code; `text` must then hold no "]", CR or LF.
struct ResponseCode {
  std::string text;
  bool operator==(const ResponseCode&) const = default;
};

namespace response_code {
// RFC 9051 §7.1 codes without arguments, e.g. keyword("ALERT"), keyword("TOOBIG"),
// keyword("CLOSED") (RFC 7162 §3.2.11), keyword("NONEXISTENT"). REQUIRES: an atom.
ResponseCode keyword(std::string_view name);
ResponseCode uid_next(std::uint32_t uid);                  // [UIDNEXT n]
ResponseCode uid_validity(std::uint32_t uid_validity);     // [UIDVALIDITY n]
ResponseCode highest_modseq(std::uint64_t modseq);         // RFC 7162 [HIGHESTMODSEQ n]
ResponseCode no_modseq();                                  // RFC 7162 [NOMODSEQ]
// RFC 7162 §3.1.3 [MODIFIED set]. REQUIRES: `set` is a valid sequence-set text.
ResponseCode modified(std::string_view set);
// RFC 4315 §3 [APPENDUID uidvalidity uid-set]. REQUIRES: `uids` is a valid uid-set text
// (format_sequence_set()).
ResponseCode append_uid(std::uint32_t uid_validity, std::string_view uids);
// RFC 4315 §3 [COPYUID uidvalidity source-set dest-set].
ResponseCode copy_uid(std::uint32_t uid_validity, std::string_view source_uids,
                      std::string_view destination_uids);
// [PERMANENTFLAGS (...)]; may include "\*".
ResponseCode permanent_flags(std::span<const std::string> flags);
// [CAPABILITY ...]. REQUIRES: atoms.
ResponseCode capability(std::span<const std::string_view> capabilities);
// RFC 5530 / RFC 9051 [BADCHARSET (...)] listing the supported charsets (astrings).
ResponseCode bad_charset(std::span<const std::string_view> charsets);
}  // namespace response_code

// A status response line with its CRLF: "<tag> OK [code] text\r\n", with `tag` "*" for an
// untagged one. Octets of `text` that TEXT-CHAR does not allow (CR, LF, NUL, other controls)
// become spaces; an empty text becomes "completed" (RFC 3501 requires text).
// REQUIRES: `tag` is "*" or a tag parse_command() accepted.
std::string status_response(std::string_view tag, Condition condition,
                            const std::optional<ResponseCode>& code, std::string_view text);

// A command continuation request "+ text\r\n" (RFC 9051 §7.5), text cleaned as above; an
// empty text becomes "Ready".
std::string continuation_request(std::string_view text);

}  // namespace redoubt::imap::proto

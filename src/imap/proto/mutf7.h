#pragma once

// Modified UTF-7 (RFC 3501 §5.1.3), the mailbox-name encoding of IMAP4rev1 clients. IMAP4rev2
// and UTF8=ACCEPT sessions send UTF-8 instead (RFC 9051 §5.1, RFC 6855 §3), so imap/server
// decides when to apply these; parse_command() never does.

#include <string>
#include <string_view>

#include "base/result.h"

namespace redoubt::imap::proto {

// Why a name is not valid modified UTF-7, or not valid UTF-8 for encode_mutf7().
enum class Mutf7Error {
  kInvalidCharacter,  // An octet outside printable US-ASCII (decode), or invalid UTF-8 (encode).
  kInvalidBase64,     // A bad character, a missing "-", non-zero padding bits or a partial unit.
  kNotShortest,       // An empty shift "&-" used for other than "&", a null shift "-&", or a
                      // printable US-ASCII character base64-encoded (RFC 3501 §5.1.3 forbids).
  kInvalidUtf16,      // An unpaired surrogate, or U+0000.
};

// Decodes modified UTF-7 to UTF-8. Strict: only the one encoding encode_mutf7() produces for
// a name is accepted, so decode and encode are inverse bijections between valid inputs.
// Pure; `name` is bytes, not NUL-terminated.
Result<std::string, Mutf7Error> decode_mutf7(std::string_view name);

// Encodes UTF-8 as modified UTF-7. Fails with kInvalidCharacter on ill-formed UTF-8 (RFC 3629)
// and kInvalidUtf16 on U+0000.
Result<std::string, Mutf7Error> encode_mutf7(std::string_view utf8);

}  // namespace redoubt::imap::proto

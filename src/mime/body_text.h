#pragma once

// Decoded content of a leaf part: transfer decoding (RFC 2045 §6) and charset conversion.
// Everything here allocates its result; nothing is decoded until asked for.

#include <string>

#include "mime/charset.h"
#include "mime/limits.h"
#include "mime/message.h"

namespace redoubt::mime {

// The body bytes with the transfer encoding undone: base64 (RFC 2045 §6.8) and quoted-printable
// (RFC 2045 §6.7) are decoded; 7bit, 8bit, binary and unknown encodings are returned as is.
std::string decode_body(const Message& message, const Part& part);

// The charset parameter of the part's Content-Type (RFC 2046 §4.1.2), lowercased; empty if absent.
std::string part_charset(const Message& message, const Part& part, const Limits& limits = {});

// The part's body as UTF-8 text: decode_body(), then converted from part_charset() (US-ASCII
// when absent, RFC 2046 §4.1.2). `conversion` receives how the charset step went.
std::string part_text(const Message& message, const Part& part, Conversion* conversion = nullptr,
                      const Limits& limits = {});

// The part's file name as UTF-8 (RFC 2183 §2.3 Content-Disposition "filename", else the older
// Content-Type "name"), RFC 2231 and RFC 2047 decoded and trimmed; empty if none.
std::string part_filename(const Message& message, const Part& part, const Limits& limits = {});

// The disposition type (RFC 2183 §2), lowercased: "inline", "attachment", or empty if absent.
std::string part_disposition(const Message& message, const Part& part);

}  // namespace redoubt::mime

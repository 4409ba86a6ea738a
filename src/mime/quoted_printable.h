#pragma once

// RFC 2045 §6.7 quoted-printable, and the RFC 2047 §4.2 "Q" variant used in encoded words.

#include <string>
#include <string_view>

namespace redoubt::mime {

// Appends the decoded bytes of a quoted-printable body to `out`. Per RFC 2045 §6.7:
//   "=XX" is the byte XX (lowercase hex is accepted, as rule (1) suggests receivers do);
//   "=" at the end of a line (after trailing whitespace is removed) is a soft line break;
//   trailing SP/HTAB on a line is transport padding and removed (rule (3));
//   any other "=" is kept literally (the robust choice the RFC recommends).
// Line breaks are kept as written (LF or CRLF). Returns false if a malformed "=" was kept.
// Linear time; `out` grows by at most encoded.size().
bool decode_quoted_printable(std::string_view encoded, std::string& out);
std::string decode_quoted_printable(std::string_view encoded);

// RFC 2047 §4.2 "Q" encoding: like the above but "_" is SP and there are no lines.
bool decode_q(std::string_view encoded, std::string& out);

// Encodes arbitrary bytes as quoted-printable with soft breaks at most 76 columns apart. CR and
// LF are encoded too, so decode(encode(x)) == x for any bytes (tests and round trips).
std::string encode_quoted_printable(std::string_view bytes);

}  // namespace redoubt::mime
